import { chromagram } from '../audio/chroma';
import { describeAudio } from '../eval/describe';
import { checkDecoded } from '../audio/checks';
import { downmix } from '../audio/downmix';
import { resample } from '../audio/resample';
import { Codec } from '../codec/encodec';
import { StudioError } from '../errors/StudioError';
import { disposeLm, disposeLora, lmFromTensors, loadLm, warmUp } from '../lm';
import { checkFusedStep } from './gpuSelfTest';
import { startPackSessions } from './packSessions';
import type { Fetcher } from '../packs/fetchFile';
import { checkPackGraphs } from '../packs/graphCheck';
import { windowFrames, type Manifest } from '../packs/manifest';
import { cacheStorageBlobStore, PackCache, type BlobStore } from '../packs/packCache';
import { chooseBackend, type AdapterProbe, type BackendName } from '../runtime/backend';
import { asGpuLoss, raceLoss } from '../runtime/gpuLoss';
import { portAsOrtWorker, remoteOrt } from '../runtime/ortRemote';
import type { CreateSession, SessionRunner } from '../runtime/sessionRunner';
import { T5Encoder } from '../text/t5Encoder';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer';
import { generateTake } from './generateTake';
import { BASE_NAME, type LmSlot } from './training';
import { modelHandlers } from './engineModels';
import { indexedDbModelStore, type ModelStore } from '../runtime/modelStore';
import type { LmInfo } from './protocol';
import { lmInfo } from './lmInfo';
import { memoryShortfall } from './memoryChecks';
import { downloadRoles, draining, fetchManifest, planPackDownload, reloadTensors } from './packFiles';
import type { CallContext, EngineHandlers, EngineInfo } from './protocol';

/** What the engine needs from its environment; the browser and Node tests supply different ones. */
export interface EngineDeps {
  fetch: Fetcher;
  probe(): Promise<AdapterProbe>;
  createSession: CreateSession;
  /** Puts tfjs on `backend` (or the nearest that works) and says which. */
  useTf(backend: BackendName): Promise<BackendName>;
  /** Where fine-tuned models are kept (IndexedDB in the browser). */
  modelStore: ModelStore;
  /** Where downloaded pack files are kept (Cache Storage in the browser); absent: nothing is cached. */
  packStore?: BlobStore | null;
  /** The device's memory in GB (navigator.deviceMemory), when the browser says. */
  deviceMemoryGb?: () => number | undefined;
  /** Why tfjs's WebGPU device was lost, once it has been. */
  gpuLost?: () => string | null;
  /** Settles with that reason when it is lost (GPU work still pending then is abandoned: it may never settle). */
  whenGpuLost?: () => Promise<string> | null;
}

export interface Loaded {
  manifest: Manifest;
  info: EngineInfo;
  codec: Codec;
  sessions: SessionRunner[];
  text?: { tokenizer: TextTokenizer; t5: T5Encoder };
  slot?: LmSlot;
}


/**
 * Frees a pack's sessions and LM. After a GPU loss the sessions are abandoned, not released: the
 * old ORT worker can hang on its dead device (measured: a release never answered), and the app
 * ends that worker once the next pack is loaded.
 */
async function release(l: Loaded | null, gpuLost = false): Promise<void> {
  if (!l) return;
  if (!gpuLost) for (const s of l.sessions) await s.release();
  if (l.slot) {
    disposeLm(l.slot.lm);
    if (l.slot.lora) disposeLora(l.slot.lora);
  }
}

/**
 * The engine: owns the pack, the ONNX sessions, the LM and the backend. One instance per
 * worker. Calls are serialised (ORT sessions and tfjs are not re-entrant), except promptInfo,
 * which only tokenizes.
 */
export function createEngineHandlers(deps: EngineDeps = browserDeps()): EngineHandlers {
  let loaded: Loaded | null = null;
  /** A call failed with GPU_DEVICE_LOST since the pack was loaded: the next init abandons its sessions. */
  let gpuLostSeen = false;
  const info = (l: Loaded): LmInfo => lmInfo(l.slot!, l.manifest, l.info.lmBackend ?? l.info.backend, deps.deviceMemoryGb?.());
  let finishing: AbortController | null = null; // the running take's early finish (finishGeneration)
  let finishAsked = false; // Keep what's made pressed while the take was still queued or starting
  let generating = 0; // generate calls accepted and not yet answered
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
  /** Runs GPU work: a lost WebGPU device surfaces as GPU_DEVICE_LOST (the app then reloads the pack on WASM). */
  const onGpu = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await raceLoss(fn(), deps.whenGpuLost?.() ?? null);
    } catch (e) {
      const info = loaded?.info;
      const err = asGpuLoss(e, info?.backend === 'webgpu' || info?.lmBackend === 'webgpu', deps.gpuLost?.() ?? null);
      if (err instanceof StudioError && err.code === 'GPU_DEVICE_LOST') gpuLostSeen = true;
      throw err;
    }
  };

  async function load(a: Parameters<EngineHandlers['init']>[0], ctx: CallContext): Promise<Loaded> {
    const probe = await deps.probe();
    let { backend, reason } = chooseBackend(a.backend, probe);
    const manifest = await fetchManifest(deps.fetch, a.manifestUrl);
    const where = { manifestUrl: a.manifestUrl, hubBase: a.hubBase };
    const notices: StudioError[] = [];
    const cache = deps.packStore ? new PackCache(deps.packStore, (e) => notices.push(e)) : null;
    const graphRoles = [manifest.codec.encoder, manifest.codec.decoder, ...(manifest.text ? [manifest.text.encoder] : [])];
    const roles = [...graphRoles, ...(manifest.text ? [manifest.text.tokenizer] : []), ...(manifest.lm ? [manifest.lm.weights] : [])];
    const got = await downloadRoles(deps.fetch, where, manifest, roles, ctx, 0.8, cache, (e) => notices.push(e));
    const files = got.files;
    const graphs = graphRoles.map((r) => files.get(r)!);
    // In the browser the graphs run in the ORT worker whose port came with this call.
    const create: CreateSession = a.ort ? remoteOrt(portAsOrtWorker(a.ort)) : deps.createSession;
    let sessions: SessionRunner[];
    ({ sessions, backend, reason } = await startPackSessions(create, graphs, manifest, backend, reason, ctx, notices));
    let codec: Codec;
    try {
      codec = new Codec(manifest.codec, sessions[0], sessions[1]); // refuses graphs without the EnCodec names
    } catch (e) {
      for (const s of sessions) await s.release();
      throw e;
    }
    const l: Loaded = {
      manifest, sessions, codec,
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
      ctx.progress({ phase: 'load', value: 0.88, label: 'Checking the models against the manifest' });
      await checkPackGraphs(manifest, l.codec, l.text?.t5);
      if (manifest.lm) {
        ctx.progress({ phase: 'load', value: 0.9, label: 'Loading the language model' });
        l.info.lmBackend = await deps.useTf(backend);
        const { config, weights: role } = manifest.lm;
        const tensors = got.tensors.get(role);
        if (tensors) {
          // Read tensor by tensor from a full checkpoint: no file bytes to keep; going back to the
          // base model reads the tensors again (from the pack cache when it holds them).
          const source = draining(tensors);
          tensors.clear(); // only `source` holds the arrays now; each is dropped as the LM takes it
          got.tensors.delete(role);
          const lm = lmFromTensors(config, source);
          const loadBase = async () => lmFromTensors(config, draining(await reloadTensors(deps.fetch, where, manifest, role, cache)));
          l.slot = { lm, config, packId: manifest.id, loadBase, onBase: true, lora: null, modelId: null, modelName: BASE_NAME };
        } else {
          const baseWeights = files.get(role)!;
          const loadBase = async () => loadLm(config, baseWeights);
          l.slot = { lm: loadLm(config, baseWeights), config, packId: manifest.id, loadBase, onBase: true, lora: null, modelId: null, modelName: BASE_NAME };
        }
        ctx.progress({ phase: 'load', value: 0.95, label: `Warming up the language model on ${l.info.lmBackend}` });
        await warmUp(l.slot.lm); // kernels compile now, not during the first take
        const fusedNotice = l.info.lmBackend === 'webgpu' ? await checkFusedStep(l.slot.lm) : null;
        if (fusedNotice) notices.push(fusedNotice);
        l.info.lm = info(l);
      }
      if (notices.length) l.info.notices = notices.map((e) => ({ code: e.code, message: e.message }));
    } catch (e) {
      await release(l);
      throw e;
    }
    return l;
  }

  return {
    init: (a, ctx) => serial(async () => {
      await release(loaded, gpuLostSeen);
      gpuLostSeen = false;
      loaded = null;
      loaded = await load(a, ctx);
      ctx.progress({ phase: 'load', value: 1, label: `${loaded.info.packName} ready on ${loaded.info.backend}` });
      return loaded.info;
    }),

    // Not serialised: it only reads the network and the cache, so it can run while a take is generated.
    planPack: async (a, ctx) => {
      const cache = deps.packStore ? new PackCache(deps.packStore) : null;
      return planPackDownload(deps.fetch, { manifestUrl: a.manifestUrl, hubBase: a.hubBase }, cache, ctx.signal);
    },

    packCacheUsage: async (a) => {
      if (!deps.packStore) return { bytes: 0 };
      return { bytes: await new PackCache(deps.packStore).usage(a.packId ? `${a.packId}/` : '') };
    },

    clearPackCache: (a) => serial(async () => {
      if (!deps.packStore) return { freed: 0 };
      return { freed: await new PackCache(deps.packStore).clear(a.packId ? `${a.packId}/` : '') };
    }),

    tokenize: (a, ctx) => serial(() => onGpu(async () => {
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
      const facts = describeAudio(pcm, spec.sampleRate);
      const reconstructionFacts = describeAudio(reconstruction, spec.sampleRate);
      ctx.transfer(codes.codes.buffer, pcm.buffer, reconstruction.buffer);
      return { ...codes, pcm, sampleRate: spec.sampleRate, reconstruction, facts, reconstructionFacts };
    })),

    decode: (a, ctx) => serial(() => onGpu(async () => {
      const { codec } = need();
      const pcm = await codec.decode({ codes: a.codes, k: a.k, t: a.t }, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'decode', value: f, label: 'Decoding tokens to audio' }),
      });
      ctx.transfer(pcm.buffer);
      return { pcm, sampleRate: codec.spec.sampleRate };
    })),

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

    generate: (a, ctx) => {
      generating++;
      return serial(() => onGpu(async () => {
        const l = needLm();
        const { slot, text, codec } = l;
        const short = memoryShortfall(l.info.lm!, a.seconds, l.info.lmBackend ?? l.info.backend);
        if (short) throw short;
        const finish = new AbortController();
        finishing = finish;
        if (finishAsked) finish.abort(); // asked before it started: it ends before its first step
        finishAsked = false;
        try {
          return await generateTake({ lm: slot.lm, codec, tokenizer: text.tokenizer, t5: text.t5, window: windowFrames(l.manifest.lm!, codec.spec.frameRate) }, a, ctx, finish.signal);
        } finally {
          if (finishing === finish) finishing = null;
        }
      })).finally(() => {
        if (--generating === 0) finishAsked = false;
      });
    },

    finishGeneration: async () => {
      if (finishing) finishing.abort();
      else if (generating > 0) finishAsked = true; // queued or starting: held for it
      else return { finishing: false };
      return { finishing: true };
    },

    ...modelHandlers({ needLm, serial, onGpu, modelStore: deps.modelStore, info }),
  };
}

/** The browser's environment, loaded lazily so Node tests never import onnxruntime-web. */
function browserDeps(): EngineDeps {
  let tfBackend: typeof import('../runtime/tfBackend') | null = null;
  return {
    fetch: (url, init) => fetch(url, init),
    probe: async () => (await import('../runtime/gpuProbe')).probeWebGpu(),
    // Only without an ORT worker port (the app always passes one; see startEngine.ts).
    createSession: async (bytes, backend) => (await import('../runtime/ortSession')).createOrtSession(bytes, backend),
    useTf: async (backend) => {
      tfBackend = await import('../runtime/tfBackend');
      return tfBackend.useTfBackend(backend);
    },
    gpuLost: () => tfBackend?.tfGpuLost() ?? null,
    whenGpuLost: () => tfBackend?.tfWhenGpuLost() ?? null,
    modelStore: indexedDbModelStore(),
    packStore: typeof caches === 'undefined' ? null : cacheStorageBlobStore(),
    deviceMemoryGb: () => (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory,
  };
}
