// Decoding while generating, on the bundled codec over onnxruntime-node.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDelayed } from '../lm/delayPattern';
import { mulberry32 } from '../util/rng';
import { Codec } from './encodec';
import { StreamingDecoder, streamChunkFrames } from './streamDecode';
import { loadBundledCodec } from './testPack';

let codec: Codec;
beforeAll(async () => {
  codec = await loadBundledCodec();
});

function randomCodes(K: number, T: number, seed: number): Int32Array {
  const r = mulberry32(seed);
  return Int32Array.from({ length: K * T }, () => Math.floor(r() * 2048));
}

/** The codec with its decoder runs counted (and optionally failing after `failAfter` runs). */
function counted(c: Codec, failAfter = Infinity): { codec: Codec; runs: () => number } {
  let n = 0;
  const dec = (c as unknown as { dec: import('../runtime/sessionRunner').SessionRunner }).dec;
  const wrapped = {
    inputNames: dec.inputNames, outputNames: dec.outputNames, release: () => dec.release(),
    run: (feeds: import('../runtime/sessionRunner').TensorMap) => (++n > failAfter ? Promise.reject(new Error('decoder lost')) : dec.run(feeds)),
  };
  const enc = (c as unknown as { enc: import('../runtime/sessionRunner').SessionRunner }).enc;
  return { codec: new Codec(c.spec, enc, wrapped), runs: () => n };
}

function peak(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Feeds the delayed columns from `from` on, as generate() reports them; calls `each` after every column. */
function feed(d: StreamingDecoder, codes: Int32Array, K: number, T: number, from = 0, each?: (col: number) => void) {
  const { values } = buildDelayed(codes, K, T, 2048);
  const S = T + K;
  for (let c = from; c < S; c++) {
    d.column(c, Int32Array.from({ length: K }, (_, q) => values[q * S + c]));
    each?.(c);
  }
}

describe('StreamingDecoder', () => {
  it('windows of about 5 s', () => {
    expect(streamChunkFrames(codec)).toBe(250); // bundled: 50 Hz, context 3, no alignment (its decoder hands its phases on)
  });

  it('decodes windows while columns arrive, and ends with the audio of a decode at the end', async () => {
    const K = codec.spec.codebooks;
    const T = 700;
    const codes = randomCodes(K, T, 3);
    const { codec: c, runs } = counted(codec);
    const d = new StreamingDecoder(c, T);
    const startedBy: number[] = [];
    feed(d, codes, K, T, 0, () => startedBy.push(runs()));
    await new Promise((r) => setTimeout(r, 0));
    expect(startedBy[253 + K - 1 - 1]).toBe(0); // window 1 needs frames up to 253 (250 + context)
    expect(runs()).toBeGreaterThanOrEqual(1); // ... and started before the last column
    const pcm = await d.finish(codes);
    expect(runs()).toBe(3); // 700 frames: 3 windows of 250
    const whole = await codec.decode({ codes, k: K, t: T });
    expect(pcm.length).toBe(whole.length);
    // The same samples up to float rounding (random codes are loud: peak ~3500): each window starts
    // from the running phases the window before reached, as one long decode runs them on.
    expect(maxDiff(pcm, whole)).toBeLessThan(1e-5 * peak(whole));
  });

  it('starts from a continuation prompt', async () => {
    const K = codec.spec.codebooks;
    const T = 400;
    const P = 300;
    const codes = randomCodes(K, T, 4);
    const prompt = new Int32Array(K * P);
    for (let q = 0; q < K; q++) prompt.set(codes.subarray(q * T, q * T + P), q * P);
    const { codec: c, runs } = counted(codec);
    const d = new StreamingDecoder(c, T, { codes: prompt, frames: P });
    feed(d, codes, K, T, P + 1); // generate() starts at the first column holding an unknown frame
    expect(runs()).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    const pcm = await d.finish(codes);
    expect(runs()).toBe(2);
    const whole = await codec.decode({ codes, k: K, t: T });
    expect(maxDiff(pcm, whole)).toBeLessThan(1e-5 * peak(whole));
  });

  it('reports a decoder failure at finish, and abandon() waits for running windows', async () => {
    const K = codec.spec.codebooks;
    const T = 600;
    const codes = randomCodes(K, T, 5);
    const d = new StreamingDecoder(counted(codec, 1).codec, T);
    feed(d, codes, K, T);
    await expect(d.finish(codes)).rejects.toThrow('decoder lost');
    const e = new StreamingDecoder(codec, T);
    feed(e, codes, K, T, 0);
    await e.abandon();
  });

  it('hands each window to onWindow in order as soon as it is decoded: together they are the take', async () => {
    const K = codec.spec.codebooks;
    const T = 700;
    const codes = randomCodes(K, T, 6);
    const got: Array<{ from: number; pcm: Float32Array; beforeFinish: boolean }> = [];
    let finishing = false;
    const d = new StreamingDecoder(codec, T, undefined, undefined, (from, pcm) => got.push({ from, pcm, beforeFinish: !finishing }));
    feed(d, codes, K, T);
    await new Promise((r) => setTimeout(r, 50));
    finishing = true;
    const pcm = await d.finish(codes);
    expect(got.map((w) => w.from)).toEqual([0, 250, 500].map((f) => f * codec.spec.hopLength));
    expect(got[0].beforeFinish).toBe(true); // the first window arrived while columns were still being fed
    const joined = new Float32Array(pcm.length);
    for (const w of got) joined.set(w.pcm, w.from);
    expect(got.reduce((n, w) => n + w.pcm.length, 0)).toBe(pcm.length);
    expect(maxDiff(joined, pcm)).toBe(0);
  });
});
