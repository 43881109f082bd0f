import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePiece, instrumentsOf, MAX_BPM, MIN_BPM } from './piece';
import { isHeldOutCombination } from './split';
import { CORPUS_SAMPLE_RATE, renderPiece, TARGET_PEAK } from './synth/render';
import { pitchClassOf, scaleOf } from './theory';

const hash = (pcm: Float32Array) => createHash('sha256').update(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)).digest('hex');

describe('generatePiece', () => {
  it('is deterministic: same seed, same events and byte-identical PCM; another seed differs', () => {
    const a = generatePiece({ seed: 42, seconds: 4 });
    const b = generatePiece({ seed: 42, seconds: 4 });
    expect(b).toEqual(a);
    expect(hash(renderPiece(b))).toBe(hash(renderPiece(a)));
    expect(hash(renderPiece(generatePiece({ seed: 43, seconds: 4 })))).not.toBe(hash(renderPiece(a)));
  });

  it('draws facts in range and keeps them consistent with the events', () => {
    for (let seed = 0; seed < 60; seed++) {
      const { facts, notes, drums } = generatePiece({ seed, seconds: 8 });
      expect(facts.bpm).toBeGreaterThanOrEqual(MIN_BPM);
      expect(facts.bpm).toBeLessThanOrEqual(MAX_BPM);
      expect(Number.isInteger(facts.bpm)).toBe(true);
      expect(facts.instruments).toEqual(instrumentsOf(facts.parts));
      expect(facts.instruments[0]).toBe(facts.lead);
      const used = new Set<string>(notes.map((n) => n.timbre));
      if (drums.length) used.add('drums');
      expect([...used].sort()).toEqual([...facts.instruments].sort());
      const tonic = pitchClassOf(facts.tonic);
      const inKey = new Set(scaleOf(facts.mode).map((s) => (tonic + s) % 12));
      if (facts.mode === 'minor') inKey.add((tonic + 11) % 12); // harmonic-minor leading tone
      for (const n of notes) {
        expect(inKey.has(n.midi % 12)).toBe(true);
        expect(n.time).toBeGreaterThanOrEqual(0);
        expect(n.time).toBeLessThan(facts.seconds);
        expect(n.velocity).toBeGreaterThan(0);
        expect(n.velocity).toBeLessThanOrEqual(1);
      }
    }
  });

  it('honours fixed facts and avoids held-out key/tempo pairs when asked', () => {
    const p = generatePiece({ seed: 7, key: { tonic: 2, mode: 'minor' }, bpm: 70, density: 'sparse', parts: { melody: 'piano', bass: false, drums: false } });
    expect(p.facts).toMatchObject({ tonic: 'D', mode: 'minor', bpm: 70, density: 'sparse', instruments: ['piano'], lead: 'piano' });
    for (let seed = 0; seed < 200; seed++) {
      const f = generatePiece({ seed, seconds: 1, avoidHeldOut: true }).facts;
      expect(isHeldOutCombination({ tonic: pitchClassOf(f.tonic), mode: f.mode }, f.bpm)).toBe(false);
    }
    expect(() => generatePiece({ seed: 1, parts: { bass: true, drums: true } })).toThrow(RangeError);
  });
});

describe('renderPiece', () => {
  it('renders exactly the requested length, normalised, finite and audible', () => {
    for (let seed = 100; seed < 106; seed++) {
      const piece = generatePiece({ seed, seconds: 3 });
      const pcm = renderPiece(piece);
      expect(pcm.length).toBe(3 * CORPUS_SAMPLE_RATE);
      let peak = 0;
      let energy = 0;
      for (const v of pcm) {
        peak = Math.max(peak, Math.abs(v)); // NaN would make peak NaN
        energy += v * v;
      }
      expect(Number.isFinite(energy)).toBe(true);
      expect(peak).toBeCloseTo(TARGET_PEAK, 5);
      expect(Math.sqrt(energy / pcm.length)).toBeGreaterThan(0.02); // not a few spikes in silence
    }
  });

  it('renders every timbre alone without NaN, and silence as silence', () => {
    for (const timbre of ['piano', 'pluck', 'pad', 'bass'] as const) {
      const pcm = renderPiece({
        facts: { ...generatePiece({ seed: 1, seconds: 1 }).facts, seconds: 1 },
        notes: [{ time: 0.1, duration: 0.5, midi: timbre === 'bass' ? 36 : 84, velocity: 1, timbre }],
        drums: [],
      });
      expect(pcm.every(Number.isFinite)).toBe(true);
      expect(Math.max(...pcm.map(Math.abs))).toBeCloseTo(TARGET_PEAK, 5);
    }
    const silent = renderPiece({ ...generatePiece({ seed: 1, seconds: 1 }), notes: [], drums: [] });
    expect(silent.every((v) => v === 0)).toBe(true);
  });
});
