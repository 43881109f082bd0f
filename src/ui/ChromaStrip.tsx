import { useEffect, useRef } from 'react';
import type { ChromaResult } from '../workers/protocol';
import { dominantPitch, PITCH_CLASSES } from './format';
import { cssVar, prepareCanvas, useCanvasRestores, useElementWidth } from './useElementWidth';

interface Props {
  chroma: ChromaResult;
  /** Seconds of audio the chroma was computed from (the width of the waveform above). */
  durationSec: number;
  name: string;
}

const ROW = 10;
/** Top to bottom: B .. C, like a piano roll. */
const ROWS = [...PITCH_CLASSES].reverse();

/**
 * 12-row chromagram, time-aligned with the waveform above it: frame i covers
 * [i, i+1) x hopSeconds of the clip's duration. Brightness is the per-frame normalised energy;
 * the dominant pitch class of each frame is drawn in the highlight colour.
 */
export function ChromaStrip({ chroma, durationSec, name }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useElementWidth(wrap);
  const restores = useCanvasRestores(canvas);
  const height = ROW * 12;

  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const ctx = prepareCanvas(c, width, height);
    if (!ctx) return;
    const { width: w, height: h } = c;
    ctx.clearRect(0, 0, w, h);
    const { frames, hopSeconds, norm, argmax } = chroma;
    const dur = durationSec > 0 ? durationSec : frames * hopSeconds;
    if (frames === 0 || !(dur > 0)) return;
    const cellH = h / 12;
    const cell = cssVar(c, '--chroma', '#2f5f8f');
    const peak = cssVar(c, '--chroma-peak', '#e08a00');
    const xAt = (i: number) => Math.min(w, Math.round(((i * hopSeconds) / dur) * w));
    for (let i = 0; i < frames; i++) {
      const x0 = xAt(i);
      if (x0 >= w) break;
      const cw = Math.max(1, xAt(i + 1) - x0);
      for (let p = 0; p < 12; p++) {
        const y = Math.round((11 - p) * cellH);
        const yh = Math.round((12 - p) * cellH) - y;
        const isPeak = argmax[i] === p;
        ctx.globalAlpha = isPeak ? 1 : Math.min(1, Math.max(0, norm[i * 12 + p])) * 0.75;
        ctx.fillStyle = isPeak ? peak : cell;
        ctx.fillRect(x0, y, cw, yh);
      }
    }
    ctx.globalAlpha = 1;
  }, [chroma, durationSec, width, height, restores]);

  const dom = dominantPitch(chroma.argmax);
  return (
    <div className="lane chroma">
      <ol className="lane-labels" aria-hidden="true">
        {ROWS.map((n) => (
          <li key={n} style={{ height: ROW }}>
            {n}
          </li>
        ))}
      </ol>
      <div ref={wrap} className="chroma-canvas">
        <canvas
          ref={canvas}
          data-testid="chroma-strip"
          data-frames={chroma.frames}
          data-hop-seconds={chroma.hopSeconds}
          role="img"
          aria-label={`Chroma of ${name}: 12 pitch classes × ${chroma.frames} frames${dom ? `; most often ${dom}` : ''}`}
        />
      </div>
    </div>
  );
}
