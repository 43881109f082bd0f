import type { BackendName } from '../runtime/backend';

/** 44100 -> "44.1 kHz", 48000 -> "48 kHz", 22050 -> "22.05 kHz". */
export function formatRate(hz: number): string {
  if (!(hz > 0)) return '? kHz';
  return `${Number((hz / 1000).toFixed(2))} kHz`;
}

/** Seconds as m:ss.s, e.g. 2.04 -> "0:02.0", 65.3 -> "1:05.3". */
export function formatDuration(sec: number): string {
  const tenths = Math.max(0, Math.round(sec * 10));
  const m = Math.floor(tenths / 600);
  const s = (tenths % 600) / 10;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
}

/** "44.1 kHz · 2 ch · MP3": the clip as loaded, before downmix and resampling. */
export function formatSource(rate: number, channels: number, container: string): string {
  const parts = [formatRate(rate), `${channels} ch`];
  if (container) parts.push(container.toUpperCase());
  return parts.join(' · ');
}

/** "drums.flac" -> "drums (reconstruction).wav". */
export function reconstructionFileName(clipName: string): string {
  const dot = clipName.lastIndexOf('.');
  const base = dot > 0 ? clipName.slice(0, dot) : clipName;
  return `${base || 'clip'} (reconstruction).wav`;
}

const BACKEND_LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', wasm: 'WASM', cpu: 'CPU' };

export function backendLabel(b: BackendName): string {
  return BACKEND_LABEL[b];
}

/** Tick positions (seconds) for a time axis: a 1-2-5 step giving at most `maxTicks` ticks. */
export function timeTicks(durationSec: number, maxTicks = 6): number[] {
  if (!(durationSec > 0)) return [0];
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];
  const step = steps.find((s) => durationSec / s <= maxTicks) ?? Math.ceil(durationSec / maxTicks);
  const ticks: number[] = [];
  for (let i = 0; i * step <= durationSec + 1e-9; i++) ticks.push(Number((i * step).toFixed(3)));
  return ticks;
}
