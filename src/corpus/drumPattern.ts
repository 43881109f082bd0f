import { BEATS_PER_BAR, type BeatDrum } from './timeline';
import type { Density } from './types';

/**
 * One bar of drums by density (positions in beats). Kick on 1 and 3, snare on 2 and 4 (the
 * backbeat), hats on the beat / on eighths / on sixteenths. Sixteenth hats only between 90 and 120 bpm:
 * faster they are a blur no drummer plays, slower they pull the ear to double time.
 */
function bar(density: Density, bpm: number): BeatDrum[] {
  const out: BeatDrum[] = [];
  const kicks = density === 'busy' ? [0, 1.5, 2, 3.5] : density === 'medium' ? [0, 2, 2.5] : [0, 2];
  for (const b of kicks) out.push({ beat: b, kind: 'kick', velocity: Number.isInteger(b) ? 1 : 0.7 });
  for (const b of [1, 3]) out.push({ beat: b, kind: 'snare', velocity: 0.9 });
  const hatStep = density === 'sparse' ? 1 : density === 'busy' && bpm >= 90 && bpm < 120 ? 0.25 : 0.5;
  for (let b = 0; b < BEATS_PER_BAR; b += hatStep) {
    out.push({ beat: b, kind: 'hat', velocity: Number.isInteger(b) ? 0.8 : b % 0.5 === 0 ? 0.5 : 0.35 });
  }
  return out;
}

export function writeDrums(bars: number, density: Density, bpm: number): BeatDrum[] {
  const one = bar(density, bpm);
  const out: BeatDrum[] = [];
  for (let i = 0; i < bars; i++) for (const d of one) out.push({ ...d, beat: d.beat + i * BEATS_PER_BAR });
  return out;
}
