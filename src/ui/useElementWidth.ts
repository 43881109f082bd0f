import { useEffect, useLayoutEffect, useState, type RefObject } from 'react';

/** The element's content width in CSS pixels, kept current with a ResizeObserver. */
export function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width ?? el.clientWidth;
      setWidth(Math.round(w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

/** Sizes a canvas's backing store to CSS size x devicePixelRatio; returns its 2D context. */
export function prepareCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.height = `${cssHeight}px`;
  return canvas.getContext('2d');
}

/** A CSS custom property of an element (e.g. "--wave"), with a fallback. */
export function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/**
 * Counts the times the canvas's 2D context came back after being lost (a GPU process crash or
 * reset clears accelerated canvases): put it in the drawing effect's dependencies to redraw.
 */
export function useCanvasRestores(ref: RefObject<HTMLCanvasElement | null>): number {
  const [restores, setRestores] = useState(0);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const again = () => setRestores((n) => n + 1);
    c.addEventListener('contextrestored', again);
    return () => c.removeEventListener('contextrestored', again);
  }, [ref]);
  return restores;
}
