import { useEffect, useRef } from 'react';
import { cssVar, prepareCanvas, useCanvasRestores, useElementWidth } from './useElementWidth';
import { usePlayhead } from './playback';
import { waveformPeaks } from './waveformPeaks';

interface Props {
  pcm: Float32Array;
  label: string;
  height?: number;
  /** A vertical line at this fraction (0..1) of the clip; what follows it is dimmed. */
  marker?: number;
  /** Playback keys (playback.ts) of sounds on this waveform's timeline: a line follows whichever plays. */
  playKeys?: readonly string[];
  /** Makes the waveform clickable: called with the fraction (0..1) under the pointer. */
  onPick?: (fraction: number) => void;
  testId?: string;
}

/** Min/max per device-pixel column, centred on zero, scaled to the clip's peak. */
export function Waveform({ pcm, label, height = 64, marker, playKeys, onPick, testId }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useElementWidth(wrap);
  const restores = useCanvasRestores(canvas);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const ctx = prepareCanvas(c, width, height);
    if (!ctx) return;
    const { width: w, height: h } = c;
    ctx.clearRect(0, 0, w, h);
    const mid = h / 2;
    ctx.fillStyle = cssVar(c, '--wave-axis', '#ccc');
    ctx.fillRect(0, Math.floor(mid), w, 1);
    ctx.fillStyle = cssVar(c, '--wave', '#345');
    const peaks = waveformPeaks(pcm, w);
    // Scale to the clip's peak so quiet clips still show their shape (never magnify > 8x).
    let peak = 0;
    for (const v of peaks) peak = Math.max(peak, Math.abs(v));
    const gain = peak > 0 ? Math.min(8, 0.95 / peak) : 1;
    const cut = marker === undefined ? w : Math.round(Math.min(1, Math.max(0, marker)) * w);
    for (let x = 0; x < w; x++) {
      const lo = Math.max(-1, peaks[x * 2] * gain);
      const hi = Math.min(1, peaks[x * 2 + 1] * gain);
      const top = Math.floor(mid - hi * mid);
      const bottom = Math.ceil(mid - lo * mid);
      ctx.globalAlpha = x < cut ? 1 : 0.3;
      ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
    ctx.globalAlpha = 1;
    if (marker !== undefined) {
      const dpr = window.devicePixelRatio || 1;
      ctx.fillStyle = cssVar(c, '--marker', '#e08a00');
      ctx.fillRect(Math.min(w - Math.ceil(2 * dpr), Math.max(0, cut - Math.round(dpr))), 0, Math.ceil(2 * dpr), h);
    }
  }, [pcm, width, height, marker, restores]);

  return (
    <div ref={wrap} className={`waveform${onPick ? ' is-pickable' : ''}`}>
      <canvas
        ref={canvas}
        role="img"
        aria-label={label}
        data-testid={testId}
        onClick={
          onPick &&
          ((e) => {
            const r = e.currentTarget.getBoundingClientRect();
            if (r.width > 0) onPick(Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)));
          })
        }
      />
      {playKeys && <Playhead keys={playKeys} />}
    </div>
  );
}

/** The playhead line: its own component, so only it re-renders on every animation frame. */
function Playhead({ keys }: { keys: readonly string[] }) {
  const at = usePlayhead(keys);
  if (at === null) return null;
  return <div className="playhead" data-testid="playhead" aria-hidden="true" style={{ left: `${(at * 100).toFixed(2)}%` }} />;
}
