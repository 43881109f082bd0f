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

/** Seconds for controls and meta lines: 8 -> "8 s", 1.25 -> "1.3 s". */
export function formatSeconds(sec: number): string {
  return `${Number.isInteger(sec) ? sec : sec.toFixed(1)} s`;
}

/** "temp 1 · top-k 250 · top-p off · guidance 3": the sampling settings of a take, compactly. */
export function formatParams(p: { temperature: number; topK: number; topP: number; cfg: number }): string {
  const n = (v: number) => String(Number(v.toFixed(2)));
  return [
    `temp ${n(p.temperature)}`,
    p.topP > 0 ? `top-p ${n(p.topP)}` : `top-k ${p.topK > 0 ? p.topK : 'off'}`,
    `guidance ${p.cfg === 1 ? 'off' : n(p.cfg)}`,
  ].join(' · ');
}

/** "Generating take 1 of 2 · 120 / 503 steps · 42 tok/s · ETA 8 s" from the store's generation progress. */
export function generationLabel(p: {
  take: number;
  takes: number;
  engine?: { label: string; generation?: { step: number; steps: number; tokensPerSecond: number; etaSeconds: number } };
}): string {
  const parts = [p.takes > 1 ? `Generating take ${p.take} of ${p.takes}` : 'Generating'];
  const g = p.engine?.generation;
  if (g) {
    parts.push(`${Math.round(g.step)} / ${Math.round(g.steps)} steps`);
    if (g.tokensPerSecond > 0) parts.push(`${Math.round(g.tokensPerSecond)} tok/s`);
    if (Number.isFinite(g.etaSeconds) && g.step < g.steps) parts.push(`ETA ${Math.max(0, Math.ceil(g.etaSeconds))} s`);
  } else if (p.engine?.label) {
    parts.push(p.engine.label);
  } else {
    parts.push('starting…');
  }
  return parts.join(' · ');
}

export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

/** The pitch class that is the argmax most often, e.g. "D", or null for no frames. */
export function dominantPitch(argmax: Uint8Array): string | null {
  if (argmax.length === 0) return null;
  const counts = new Array<number>(12).fill(0);
  for (const a of argmax) if (a < 12) counts[a]++;
  let best = 0;
  for (let p = 1; p < 12; p++) if (counts[p] > counts[best]) best = p;
  return PITCH_CLASSES[best];
}

/** 850 -> "850 tok/s", 1234 -> "1.2k tok/s". */
export function formatRatePerSecond(v: number): string {
  return v >= 1000 ? `${Number((v / 1000).toFixed(1))}k tok/s` : `${Math.round(v)} tok/s`;
}

/** Time left for people: "45 s left", "2 min left", "1 h 5 min left". */
export function formatTimeLeft(sec: number): string {
  const s = Math.max(0, Math.ceil(sec));
  if (s < 60) return `${s} s left`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min left` : `${Math.floor(m / 60)} h ${m % 60} min left`;
}

/** "Step 120 / 300 · loss 3.21 · val 3.40 · 1.2k tok/s · 2 min left"; `val` is the latest validation loss. */
export function trainStepLabel(
  t: { step: number; steps: number; loss: number; tokensPerSecond: number; etaSeconds: number },
  val?: number | null,
): string {
  const parts = [`Step ${t.step} / ${t.steps}`, `loss ${t.loss.toFixed(2)}`];
  if (val !== undefined && val !== null) parts.push(`val ${val.toFixed(2)}`);
  if (Number.isFinite(t.tokensPerSecond) && t.tokensPerSecond > 0) parts.push(formatRatePerSecond(t.tokensPerSecond));
  if (t.step < t.steps && Number.isFinite(t.etaSeconds)) parts.push(formatTimeLeft(t.etaSeconds));
  return parts.join(' · ');
}

/** A share of the weights for people: "27%", "1.6%", "0.4%". */
export function formatShare(x: number): string {
  const pct = x * 100;
  return `${pct >= 10 ? Math.round(pct) : Number(pct.toPrecision(2))}%`;
}
