import { useEffect, useMemo, useRef } from 'react';
import { timeTicks } from './format';
import { tokenImagePixels } from './tokenColors';
import { cssVar, prepareCanvas, useCanvasRestores, useElementWidth } from './useElementWidth';

interface Props {
  /** Row-major [K, T]. */
  codes: Int32Array;
  k: number;
  t: number;
  cardinality: number;
  /** Codec frames per second, for the time axis. */
  frameRate: number;
  name: string;
}

/**
 * K x T token grid: one row per codebook, one column per codec frame, colour by token id.
 * The tokens are painted once into a T x K ImageData and scaled onto the canvas without
 * smoothing, so a 2 s clip shows wide cells and a 30 s clip packs ~1 px columns.
 */
export function TokenGrid({ codes, k, t, cardinality, frameRate, name }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useElementWidth(wrap);
  const restores = useCanvasRestores(canvas);
  const rowHeight = Math.max(10, Math.min(24, Math.floor(160 / Math.max(1, k))));
  const height = rowHeight * k;
  const seconds = t / frameRate;
  const ticks = useMemo(() => timeTicks(seconds), [seconds]);

  const image = useMemo(() => {
    if (k === 0 || t === 0) return null;
    const off = document.createElement('canvas');
    off.width = t;
    off.height = k;
    const octx = off.getContext('2d');
    if (!octx) return null;
    octx.putImageData(new ImageData(tokenImagePixels(codes, k, t, cardinality), t, k), 0, 0);
    return off;
  }, [codes, k, t, cardinality, restores]); // an offscreen canvas is cleared by a context loss too

  useEffect(() => {
    const c = canvas.current;
    if (!c || !image || width === 0) return;
    const ctx = prepareCanvas(c, width, height);
    if (!ctx) return;
    const { width: w, height: h } = c;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(image, 0, 0, t, k, 0, 0, w, h);
    // Cell borders where cells are big enough to read as cells.
    ctx.fillStyle = cssVar(c, '--grid-gap', 'rgba(255,255,255,0.6)');
    const cellW = w / t;
    const cellH = h / k;
    if (cellH >= 8) for (let q = 1; q < k; q++) ctx.fillRect(0, Math.round(q * cellH), w, 1);
    if (cellW >= 6) for (let x = 1; x < t; x++) ctx.fillRect(Math.round(x * cellW), 0, 1, h);
  }, [image, width, height, k, t, restores]);

  const summary = `${k} codebooks × ${t} frames (${frameRate} per second)`;
  return (
    <figure className="token-grid">
      <div className="tg-body">
        <ol className="tg-rows" aria-hidden="true">
          {Array.from({ length: k }, (_, q) => (
            <li key={q} style={{ height: rowHeight }}>
              CB{q + 1}
            </li>
          ))}
        </ol>
        <div ref={wrap} className="tg-canvas">
          <canvas
            ref={canvas}
            data-testid="token-grid"
            data-rows={k}
            data-cols={t}
            role="img"
            aria-label={`Token grid of ${name}: ${summary}`}
          />
          <div className="tg-axis" aria-hidden="true">
            {ticks.map((s) => (
              <span key={s} style={{ left: `${Math.min(100, (s / seconds) * 100)}%` }}>
                {s}s
              </span>
            ))}
          </div>
        </div>
      </div>
      <figcaption>
        {k} × {t} tokens · {cardinality} ids per codebook
      </figcaption>
    </figure>
  );
}
