import type { AudioFacts } from '../eval/describe';
/**
 * Test doubles for the store: a fake EngineClient (no worker, no models) and a fake decoder.
 * Used by the state unit tests only; nothing in the app imports this.
 */
import { StudioError } from '../errors/StudioError';
import {
  ENGINE_METHODS,
  type Args, type CallOptions, type ChromaResult, type EngineClient, type EngineInfo, type GenerateRequest, type GenerateResult, type LmInfo,
  type PackPlan, type PromptInfo, type TokenizeResult,
} from '../workers/protocol';
import { createStudioStore } from './store';
import type { DecodeFn, StudioOptions } from './types';
import { fakeModelMethods, type FakeTrainOptions } from './testingModels';

export const codec = {
  encoder: 'encoder', decoder: 'decoder', sampleRate: 32000, frameRate: 50, hopLength: 640,
  codebooks: 4, cardinality: 2048, specialToken: 2048,
};

export const lmInfo: LmInfo = {
  modelId: null, modelName: 'Tiny LM', params: 1000, maxSeconds: 30, conditioning: 'cross', beatClock: false, keyChannel: false,
  loraParamsPerRank: { selfAttention: 10, crossAttention: 10, feedForward: 20, conditionProjection: 1, outputHeads: 4, embeddings: 4 },
  memory: { fixedBytes: 4e6, bytesPerSecond: 1e5, budgetBytes: 4 * 2 ** 30, fitSeconds: 30 },
  defaults: { seconds: 8, temperature: 1, topK: 250, topP: 0, cfg: 3 },
  trainLr: { full: 1e-3, lora: 2e-3 },
};

export interface FakeOptions extends FakeTrainOptions {
  failInit?: boolean;
  /** What tokenize and generate say the audio sounds like (default null). */
  facts?: AudioFacts;
  /** Tokenize calls wait for this before resolving (lets tests act mid-call). */
  hold?: Promise<void>;
  /** Generate calls wait for this before resolving. */
  holdGenerate?: Promise<void>;
  /** Pack without an LM / text encoder. */
  noLm?: boolean;
  /** The LM's generation defaults, over `lmInfo`'s. */
  lmDefaults?: Partial<LmInfo['defaults']>;
  /** Other LM facts over `lmInfo`'s (a melody LM: conditioning 'prefix'). */
  lm?: Partial<LmInfo>;
  /** Generate throws this (e.g. a StudioError) instead of returning. */
  generateError?: Error;
  /** planPack answers per manifest URL: a plan, or an error to throw (unlisted URLs: MODEL_FETCH_FAILED). */
  plans?: Record<string, PackPlan | Error>;
  /** Init calls for manifest URLs matching this wait for `holdInit` (or the call's abort) after a first download progress. */
  holdInitFor?: RegExp;
  holdInit?: Promise<void>;
  /** Init throws this for manifest URLs matching `failInitFor`. */
  failInitFor?: { url: RegExp; error: Error };
  /** Bytes the fake pack cache holds at first. */
  cacheBytes?: number;
  /** The first tokenize calls throw these, in order (then tokenize works). */
  tokenizeErrors?: Error[];
}

export function fakeEngine(o: FakeOptions = {}) {
  const inits: Args<'init'>[] = [];
  const tokenizes: { args: Args<'tokenize'>; opts?: CallOptions }[] = [];
  const promptInfos: string[] = [];
  const chromas: { args: Args<'chroma'>; opts?: CallOptions }[] = [];
  const generates: { args: GenerateRequest; opts?: CallOptions }[] = [];
  const planned: string[] = [];
  const cache = { bytes: o.cacheBytes ?? 0 };
  let active = 0;
  let maxActive = 0;
  let finishAsked = false;
  let finishNow = () => {};
  const models = fakeModelMethods(o, lmInfo);
  // Methods the store tests do not use reject, so the fake keeps up with a growing protocol.
  const unused = Object.fromEntries(
    ENGINE_METHODS.map((m) => [m, () => Promise.reject(new StudioError('INTERNAL', `fake engine: ${m} is not faked`))]),
  ) as unknown as EngineClient;
  const engine: EngineClient = {
    ...unused,
    ...models.methods,
    async init(a, opts) {
      inits.push(a);
      opts?.onProgress?.({ phase: 'load', value: 0.5, label: 'Loading codec' });
      await Promise.resolve();
      if (o.failInit) throw new StudioError('MODEL_FETCH_FAILED', 'encoder.onnx');
      const plan = o.plans?.[a.manifestUrl];
      const known = plan && !(plan instanceof Error) ? plan : null;
      if (known && o.holdInitFor?.test(a.manifestUrl)) {
        const files = known.files.map((f) => ({ path: f.path, loaded: 0, total: f.bytes, fromCache: 0 }));
        for (const loaded of [0, known.total / 2]) {
          opts?.onProgress?.({ phase: 'load', value: (0.8 * loaded) / known.total, label: `Downloading ${files[0].path}`, download: { loaded, total: known.total, files } });
        }
        await holdOrAbort(o.holdInit ?? Promise.resolve(), opts);
      }
      if (o.failInitFor?.url.test(a.manifestUrl)) throw o.failInitFor.error;
      if (known) cache.bytes += known.total - known.cachedBytes;
      const backend = a.backend === 'auto' ? 'wasm' : a.backend;
      const id = known?.packId ?? 'tiny';
      const info: EngineInfo = { packId: id, packName: known?.packName ?? 'Tiny', backend, backendReason: `picked ${backend}`, codec };
      if (!o.noLm) {
        info.text = { maxTokens: 128, hiddenSize: 64 };
        info.lm = { ...lmInfo, ...o.lm, defaults: { ...lmInfo.defaults, ...o.lmDefaults } };
      }
      return info;
    },
    async planPack(a) {
      planned.push(a.manifestUrl);
      await Promise.resolve();
      const plan = o.plans?.[a.manifestUrl];
      if (!plan) throw new StudioError('MODEL_FETCH_FAILED', `manifest: HTTP 404 (${a.manifestUrl})`);
      if (plan instanceof Error) throw plan;
      return structuredClone(plan);
    },
    async packCacheUsage() {
      return { bytes: cache.bytes };
    },
    async clearPackCache() {
      const freed = cache.bytes;
      cache.bytes = 0;
      return { freed };
    },
    async tokenize(a, opts) {
      tokenizes.push({ args: a, opts });
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        opts?.onProgress?.({ phase: 'tokenize', value: 0.4, label: 'Encoding' });
        if (o.hold) await holdOrAbort(o.hold, opts);
        await new Promise((r) => setTimeout(r, 1));
        if (a.name.startsWith('silent')) throw new StudioError('AUDIO_SILENT', a.name);
        const planned = o.tokenizeErrors?.shift();
        if (planned) throw planned;
        const t = Math.round((a.channels[0].length / a.sampleRate) * 50);
        const result: TokenizeResult = {
          codes: new Int32Array(4 * t).map((_, i) => i % 2048), k: 4, t,
          pcm: new Float32Array(t * 640).fill(0.1), sampleRate: 32000, reconstruction: new Float32Array(t * 640),
          facts: o.facts ?? null, reconstructionFacts: o.facts ?? null,
        };
        return result;
      } finally {
        active--;
      }
    },
    async decode() {
      return { pcm: new Float32Array(0), sampleRate: 32000 };
    },
    async promptInfo({ text }) {
      promptInfos.push(text);
      await Promise.resolve();
      const words = text.split(/\s+/).filter(Boolean).length;
      const info: PromptInfo = {
        tokens: Math.min(128, words + 1), maxTokens: 128, truncated: words + 1 > 128, unknown: (text.match(/☃/g) ?? []).length,
      };
      return info;
    },
    async chroma(a, opts) {
      chromas.push({ args: a, opts });
      await Promise.resolve();
      const frames = Math.ceil(a.pcm.length / 512);
      const result: ChromaResult = {
        frames, hopSeconds: 512 / a.sampleRate, argmax: new Uint8Array(frames).fill(2), norm: new Float32Array(frames * 12).fill(0.5),
      };
      return result;
    },
    async generate(a, opts) {
      generates.push({ args: a, opts });
      const T = Math.round(a.seconds * 50);
      const samples = T * 640;
      for (let step = 1; step <= 10; step++) {
        const p = {
          phase: 'generate' as const, value: step / 10, label: 'Generating',
          generation: { step: (step * T) / 10, steps: T, tokensPerSecond: 100, etaSeconds: 1 },
        };
        opts?.onProgress?.(p);
        // the decoder's windows, as generateTake reports them: the first half at step 5, the rest at the end
        if (step === 5) opts?.onProgress?.({ ...p, audio: { from: 0, pcm: new Float32Array(samples / 2), samples, sampleRate: 32000 } });
        if (step === 10) opts?.onProgress?.({ ...p, audio: { from: samples / 2, pcm: new Float32Array(samples - samples / 2), samples, sampleRate: 32000 } });
      }
      finishAsked = false;
      if (o.holdGenerate) await Promise.race([holdOrAbort(o.holdGenerate, opts), new Promise<void>((r) => (finishNow = r))]);
      await Promise.resolve();
      if (o.generateError) throw o.generateError;
      const t = finishAsked ? Math.floor(T / 2) : T; // finished early: the first half
      const codes = new Int32Array(4 * t).map((_, i) => (i * 7 + a.seed) % 2048);
      const result: GenerateResult = {
        codes, k: 4, t, pcm: new Float32Array(t * 640), sampleRate: 32000, seed: a.seed, lmMs: 10, facts: o.facts ?? null,
      };
      return result;
    },
    async finishGeneration() {
      finishAsked = true;
      finishNow();
      return { finishing: true };
    },
    terminate() {},
  };
  return { engine, inits, tokenizes, promptInfos, chromas, generates, models, planned, cache, maxActive: () => maxActive };
}

/** Waits for `hold`, or rejects with CANCELLED when the call's signal aborts (as the real client does). */
function holdOrAbort(hold: Promise<void>, opts?: CallOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    void hold.then(resolve);
    opts?.signal?.addEventListener('abort', () => reject(new StudioError('CANCELLED')));
  });
}

export const fakeDecode: DecodeFn = async (file) => {
  if (file.size === 0) throw new StudioError('FILE_EMPTY', file.name);
  if (file.name.startsWith('bad')) throw new StudioError('FILE_NOT_AUDIO', file.name);
  const rate = file.name.endsWith('.mp3') ? 44100 : 48000;
  const left = new Float32Array(rate).fill(0.5);
  const right = new Float32Array(rate).fill(-0.25);
  return { channels: [left, right], sampleRate: rate, container: file.name.split('.').pop()!.toUpperCase() };
};

export const file = (name: string, bytes = 16) => new File([new Uint8Array(bytes)], name);

export async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A store on a fake engine, initialised: the state tests' starting point. `options` add to (or replace) the fake decoder and a 20 ms prompt debounce. */
export async function readyStore(o: FakeOptions = {}, options: StudioOptions = {}) {
  const fake = fakeEngine(o);
  const store = createStudioStore(fake.engine, { decode: fakeDecode, promptDebounceMs: 20, ...options });
  await store.getState().initEngine();
  return { fake, store, s: () => store.getState() };
}
