import { chromagram } from '../audio/chroma';
import { checkDecoded } from '../audio/checks';
import { downmix } from '../audio/downmix';
import { resample } from '../audio/resample';
import { Codec } from '../codec/encodec';
import { StudioError } from '../errors/StudioError';
import { disposeLm, loadLm, saveLm } from '../lm';
import type { Fetcher } from '../packs/fetchFile';
import type { Manifest } from '../packs/manifest';
import { chooseBackend, type AdapterProbe, type BackendName } from '../runtime/backend';
import type { SessionRunner } from '../runtime/sessionRunner';
import { T5Encoder } from '../text/t5Encoder';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer';
import { generateTake, maxFrames } from './generateTake';
import { BASE_NAME, importWeights, modelList, runTraining, useSaved, type LmSlot } from './training';
import { indexedDbModelStore, type ModelStore } from '../runtime/modelStore';
import type { Trainer } from '../lm/train';
import type { LmInfo } from './protocol';
import { fetchManifest, fetchRoles } from './packFiles';
import type { CallContext, EngineHandlers, EngineInfo } from './protocol';

/** What the engine needs from its environment; the browser and Node tests supply different ones. */
export interface EngineDeps {
  fetch: Fetcher;
  probe(): Promise<AdapterProbe>;
  createSession(bytes: Uint8Array, backend: BackendName): Promise<SessionRunner>;
  /** Puts tfjs on `backend` (or the nearest that works) and says which. */
  useTf(backend: BackendName): Promise<BackendName>;
  /** Where fine-tuned models are kept (IndexedDB in the browser). */
  modelStore: ModelStore;
}

interface Loaded {
  manifest: Manifest;
  info: EngineInfo;
  codec: Codec;
  sessions: SessionRunner[];
  text?: { tokenizer: TextTokenizer; t5: T5Encoder };
  slot?: LmSlot;
}

async function startSessions(deps: EngineDeps, bytes: Uint8Array[], backend: BackendName, ctx: CallContext): Promise<SessionRunner[]> {
  ctx.progress({ phase: 'load', value: 0.85, label: `Starting the models on ${backend}` });
  const sessions: SessionRunner[] = [];
  try {
    for (const b of bytes) sessions.push(await deps.createSession(b, backend));
  } catch (e) {
    for (const s of sessions) await s.release();
    throw e;
  }
  return sessions;
}

async function release(l: Loaded | null): Promise<void> {
  if (!l) return;
  for (const s of l.sessions) await s.release();
  if (l.slot) disposeLm(l.slot.lm);
}

function lmInfo(l: Loaded): LmInfo {
  const slot = l.slot!;
  const params = [...slot.lm.named.values()].reduce((s, v) => s + v.size, 0);
  return {
    modelId: slot.modelId, modelName: slot.modelName, params,
    maxSeconds: Math.floor(maxFrames(slot.lm) / l.manifest.codec.frameRate),
    conditioning: slot.config.conditioning, defaults: l.manifest.lm!.defaults,
  };
}

/**
 * The engine: owns the pack, the ONNX sessions, the LM and the backend. One instance per
 * worker. Calls are serialised (ORT sessions and tfjs are not re-entrant), except promptInfo,
 * which only tokenizes.
 */
export function createEngineHandlers(deps: EngineDeps = browserDeps()): EngineHandlers {
  let loaded: Loaded | null = null;
  const trainers: { current: Trainer | null; stop: AbortController | null } = { current: null, stop: null };
  const needLm = (): Loaded & { slot: LmSlot; text: NonNullable<Loaded['text']> } => {
    const l = need();
    if (!l.slot || !l.text) throw new StudioError('INTERNAL', 'this pack has no language model');
    return l as Loaded & { slot: LmSlot; text: NonNullable<Loaded['text']> };
  };
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const need = (): Loaded => {
    if (!loaded) throw new StudioError('INTERNAL', 'the engine has no model pack loaded yet');
    return loaded;
  };

  async function load(manifestUrl: string, choice: Parameters<EngineHandlers['init']>[0]['backend'], ctx: CallContext): Promise<Loaded> {
    const probe = await deps.probe();
    let { backend, reason } = chooseBackend(choice, probe);
    const manifest = await fetchManifest(deps.fetch, manifestUrl);
    const graphRoles = [manifest.codec.encoder, manifest.codec.decoder, ...(manifest.text ? [manifest.text.encoder] : [])];
    const roles = [...graphRoles, ...(manifest.text ? [manifest.text.tokenizer] : []), ...(manifest.lm ? [manifest.lm.weights] : [])];
    const files = await fetchRoles(deps.fetch, manifestUrl, manifest, roles, ctx, 0.8);
    const graphs = graphRoles.map((r) => files.get(r)!);
    let sessions: SessionRunner[];
    try {
      sessions = await startSessions(deps, graphs, backend, ctx);
    } catch (e) {
      if (!(e instanceof StudioError && e.code === 'BACKEND_UNAVAILABLE' && backend === 'webgpu')) throw e;
      reason = `WebGPU could not start (${e.detail}); fell back to WASM`;
      backend = 'wasm';
      sessions = await startSessions(deps, graphs, backend, ctx);
    }
    const l: Loaded = {
      manifest, sessions, codec: new Codec(manifest.codec, sessions[0], sessions[1]),
      info: { packId: manifest.id, packName: manifest.name, backend, backendReason: reason, codec: manifest.codec },
    };
    try {
      if (manifest.text) {
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(files.get(manifest.text.tokenizer)));
        } catch {
          throw new StudioError('MODEL_INTERFACE', 'tokenizer.json is not valid JSON');
        }
        const tokenizer = loadTokenizer(json, { maxTokens: manifest.text.maxTokens });
        l.text = { tokenizer, t5: new T5Encoder(sessions[2], manifest.text.hiddenSize) };
        l.info.text = { maxTokens: manifest.text.maxTokens, hiddenSize: manifest.text.hiddenSize };
      }
      if (manifest.lm) {
        ctx.progress({ phase: 'load', value: 0.9, label: 'Loading the language model' });
        l.info.lmBackend = await deps.useTf(backend);
        const baseWeights = files.get(manifest.lm.weights)!;
        l.slot = { lm: loadLm(manifest.lm.config, baseWeights), config: manifest.lm.config, packId: manifest.id, baseWeights, modelId: null, modelName: BASE_NAME };
        l.info.lm = lmInfo(l);
      }
    } catch (e) {
      await release(l);
      throw e;
    }
    return l;
  }

  return {
    init: (a, ctx) => serial(async () => {
      await release(loaded);
      loaded = null;
      loaded = await load(a.manifestUrl, a.backend, ctx);
      ctx.progress({ phase: 'load', value: 1, label: `${loaded.info.packName} ready on ${loaded.info.backend}` });
      return loaded.info;
    }),

    tokenize: (a, ctx) => serial(async () => {
      const { codec } = need();
      const spec = codec.spec;
      checkDecoded(a.channels, a.sampleRate, { hop: spec.hopLength, rate: spec.sampleRate });
      ctx.progress({ phase: 'tokenize', value: 0.02, label: `Resampling ${a.name}` });
      const pcm = resample(downmix(a.channels), a.sampleRate, spec.sampleRate);
      const codes = await codec.encode(pcm, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'tokenize', value: 0.05 + 0.6 * f, label: `Tokenizing ${a.name}` }),
      });
      const full = await codec.decode(codes, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'tokenize', value: 0.65 + 0.35 * f, label: `Reconstructing ${a.name}` }),
      });
      const reconstruction = full.slice(0, pcm.length);
      ctx.transfer(codes.codes.buffer, pcm.buffer, reconstruction.buffer);
      return { ...codes, pcm, sampleRate: spec.sampleRate, reconstruction };
    }),

    decode: (a, ctx) => serial(async () => {
      const { codec } = need();
      const pcm = await codec.decode({ codes: a.codes, k: a.k, t: a.t }, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'decode', value: f, label: 'Decoding tokens to audio' }),
      });
      ctx.transfer(pcm.buffer);
      return { pcm, sampleRate: codec.spec.sampleRate };
    }),

    promptInfo: async (a) => {
      const { text } = need();
      if (!text) throw new StudioError('INTERNAL', 'this pack has no text encoder');
      const { ids, truncated } = text.tokenizer.encode(a.text);
      return { tokens: ids.length, maxTokens: text.tokenizer.maxTokens, truncated, unknown: ids.filter((id) => id === 2).length };
    },

    chroma: async (a) => {
      const { manifest } = need();
      const opts = manifest.chroma ?? { nFft: 16384, hopLength: 4096 };
      const c = chromagram(a.pcm, a.sampleRate, opts);
      return { frames: c.frames, hopSeconds: opts.hopLength / a.sampleRate, argmax: c.argmax, norm: c.norm };
    },

    generate: (a, ctx) => serial(async () => {
      const { slot, text, codec } = needLm();
      return generateTake({ lm: slot.lm, codec, tokenizer: text.tokenizer, t5: text.t5 }, a, ctx);
    }),

    train: (a, ctx) => serial(async () => {
      const l = needLm();
      const summary = await runTraining(l.slot, deps.modelStore, l.text, a, ctx, trainers);
      l.info.lm = lmInfo(l);
      return summary;
    }),

    stopTraining: async () => {
      if (!trainers.stop) return { stopping: false };
      trainers.current?.resume(); // a paused run must wake up to stop
      trainers.stop.abort();
      return { stopping: true };
    },

    pauseTraining: async (a) => {
      const t = trainers.current;
      if (!t) return { paused: false };
      if (a.paused) t.pause();
      else t.resume();
      return { paused: t.paused };
    },

    listModels: async () => modelList(deps.modelStore, needLm().slot),

    useModel: (a, ctx) => serial(async () => {
      const l = needLm();
      ctx.progress({ phase: 'load', value: 0.5, label: 'Loading the model' });
      await useSaved(l.slot, deps.modelStore, a.id);
      l.info.lm = lmInfo(l);
      return l.info.lm;
    }),

    renameModel: (a) => serial(async () => {
      const l = needLm();
      const m = await deps.modelStore.get(a.id);
      if (!m) throw new StudioError('MODEL_FETCH_FAILED', 'that saved model is no longer in browser storage');
      const name = a.name.trim().slice(0, 80) || m.name;
      await deps.modelStore.put({ ...m, name, updatedAt: Date.now() });
      if (l.slot.modelId === a.id) l.slot.modelName = name;
      return modelList(deps.modelStore, l.slot);
    }),

    deleteModel: (a) => serial(async () => {
      const l = needLm();
      await deps.modelStore.delete(a.id);
      if (l.slot.modelId === a.id) await useSaved(l.slot, deps.modelStore, null);
      return modelList(deps.modelStore, l.slot);
    }),

    exportWeights: () => serial(async () => {
      const { slot } = needLm();
      const bytes = await saveLm(slot.lm, { config: JSON.stringify(slot.config), name: slot.modelName });
      const base = slot.modelName.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'model';
      return { bytes, fileName: `${base}.safetensors`, config: slot.config };
    }),

    importWeights: (a) => serial(async () => {
      const l = needLm();
      const storageError = await importWeights(l.slot, deps.modelStore, a.bytes, a.name);
      l.info.lm = { ...lmInfo(l), ...(storageError ? { notice: storageError } : {}) };
      return l.info.lm;
    }),
  };
}

/** The browser's environment, loaded lazily so Node tests never import onnxruntime-web. */
function browserDeps(): EngineDeps {
  return {
    fetch: (url) => fetch(url),
    probe: async () => (await import('../runtime/gpuProbe')).probeWebGpu(),
    createSession: async (bytes, backend) => (await import('../runtime/ortSession')).createOrtSession(bytes, backend),
    useTf: async (backend) => (await import('../runtime/tfBackend')).useTfBackend(backend),
    modelStore: indexedDbModelStore(),
  };
}
