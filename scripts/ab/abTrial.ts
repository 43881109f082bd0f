/**
 * The A/B measure of fine-tuning (issue 5), in Node through the same engine handlers the worker
 * runs: fine-tune the pack's LM on two captioned clips, generate from each caption with several
 * seeds, and count the takes whose token statistics (src/eval/tokenStats.ts) are closer to their
 * own caption's clip than to the other one. Shared by scripts/ab-search.ts and scripts/eval-ab.ts.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { heardFields } from '../../src/eval/describe.ts';
import { tokenDistance } from '../../src/eval/tokenStats.ts';
import { memoryModelStore } from '../../src/runtime/modelStore.ts';
import { createNodeOrtSession } from '../../src/runtime/ortSessionNode.ts';
import { patchWasmKernels } from '../../src/runtime/wasmKernels.ts';
import { createEngineHandlers } from '../../src/workers/engine.ts';
import type { CallContext, EngineHandlers, TokenizeResult } from '../../src/workers/protocol.ts';
import { fixturePath, readFlac } from '../pack/fixtures.ts';

const PUBLIC = new URL('../../public/', import.meta.url).pathname;

export const abCtx = (onProgress?: CallContext['progress']): CallContext => ({
  signal: new AbortController().signal, progress: onProgress ?? (() => {}), transfer: () => {},
});

/** The engine on the bundled pack, tfjs on `backend`, models kept in memory. */
export async function nodeEngine(backend: 'wasm' | 'cpu'): Promise<EngineHandlers> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const h = createEngineHandlers({
    fetch: async (url: string) => new Response(new Uint8Array(readFileSync(PUBLIC + new URL(url).pathname.slice(1))), { status: 200 }),
    probe: async () => ({ available: false, isFallback: false, description: '' }),
    createSession: (b) => createNodeOrtSession(b),
    useTf: async () => {
      await tf.setBackend(backend);
      await tf.ready();
      patchWasmKernels();
      return backend;
    },
    modelStore: memoryModelStore(),
  });
  await h.init({ manifestUrl: 'http://studio.test/models/studio/manifest.json', backend: 'wasm' }, abCtx());
  return h;
}

export async function tokenizeFixture(h: EngineHandlers, name: string): Promise<TokenizeResult> {
  const { pcm, sampleRate } = await readFlac(fixturePath(name));
  return h.tokenize({ channels: [pcm], sampleRate, name }, abCtx());
}

export interface AbClip {
  name: string;
  caption: string;
  tokens: TokenizeResult;
}

export interface AbResult {
  right: number;
  total: number;
  /** Mean token distance of the takes to their own clip and to the other one. */
  ownDistance: number;
  otherDistance: number;
  trainSeconds: number;
  steps: number;
  firstLoss: number;
  lastLoss: number;
  /** Per take: wanted clip (A/B), seed, distances to A and B. */
  takes: { want: 'A' | 'B'; seed: number; dA: number; dB: number }[];
}

/** Fine-tunes the pack's own weights on A and B with `options`, then judges 2 x seeds takes of `seconds`. */
export async function abTrial(h: EngineHandlers, a: AbClip, b: AbClip, options: Record<string, number>, seeds: number[], seconds: number): Promise<AbResult> {
  await h.useModel({ id: null }, abCtx());
  const losses: number[] = [];
  const t0 = performance.now();
  const summary = await h.train({
    name: 'ab',
    // as the Train panel sends them (src/state/trainingSlice.ts trainClips): with each clip's steady tempo and clear key, if any
    clips: [a, b].map((c) => ({ name: c.name, caption: c.caption, codes: c.tokens.codes, k: c.tokens.k, t: c.tokens.t, ...heardFields(c.tokens.facts) })),
    options: { evalEvery: 0, checkpointEvery: 0, valFraction: 0, ...options },
  }, abCtx((p) => p.training && losses.push(p.training.loss)));
  const trainSeconds = (performance.now() - t0) / 1000;
  const takes: AbResult['takes'] = [];
  for (const seed of seeds) {
    for (const [clip, want] of [[a, 'A'], [b, 'B']] as const) {
      const g = await h.generate({ prompt: clip.caption, seconds, temperature: 1, topK: 250, topP: 0, cfg: 3, seed }, abCtx());
      takes.push({ want, seed, dA: tokenDistance(g, a.tokens), dB: tokenDistance(g, b.tokens) });
    }
  }
  const right = takes.filter((t) => (t.dA < t.dB ? 'A' : 'B') === t.want).length;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    right, total: takes.length, trainSeconds, steps: summary.step,
    ownDistance: mean(takes.map((t) => (t.want === 'A' ? t.dA : t.dB))),
    otherDistance: mean(takes.map((t) => (t.want === 'A' ? t.dB : t.dA))),
    firstLoss: losses[0], lastLoss: losses.at(-1)!, takes,
  };
}
