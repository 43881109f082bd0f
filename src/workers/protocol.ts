import type { ErrorCode } from '../errors/codes';
import type { WireError } from '../errors/StudioError';
import type { BackendChoice, BackendName } from '../runtime/backend';
import type { CodecSpec, GenerationDefaults } from '../packs/manifest';
import type { ModelKind, TrainPlan } from '../runtime/modelStore';
import type { LoraGroup, LoraTarget } from '../lm/loraTargets';
import type { AudioFacts, SteadyTempo } from '../eval/describe';
import type { Key } from '../corpus/theory';
import type { MelodyChroma } from '../lm/melody';

export type { ModelKind } from '../runtime/modelStore';

/**
 * The engine's whole API, in one interface. The worker implements it (engine.ts); the client
 * (client.ts) exposes the same methods with an extra `CallOptions` argument. Every message type
 * below is derived from this interface; a new method also goes into ENGINE_METHODS (the compiler
 * refuses the build until it does).
 */
export interface EngineApi {
  /**
   * Loads a pack on the chosen backend: downloads what the cache lacks (progress carries per-file
   * detail), checks the graphs against the manifest. `hubBase`: where files with a hub `repo` come
   * from (default https://huggingface.co; a mirror or a local folder laid out like the hub).
   * `ort`: a port to an ORT worker (src/runtime/ortRemote.ts) where the ONNX graphs run (transfer
   * it); absent, they run in the engine's own context (Node tests).
   */
  init(a: { manifestUrl: string; backend: BackendChoice; hubBase?: string; ort?: MessagePort }): Promise<EngineInfo>;
  /**
   * What loading a pack would download, before anything big moves: reads and checks its manifest,
   * probes sizes, reads safetensors headers (a checkpoint that does not fit is refused here) and
   * asks the cache what it holds. Leaves the loaded pack alone.
   */
  planPack(a: { manifestUrl: string; hubBase?: string }): Promise<PackPlan>;
  /** Bytes of downloaded pack files kept in browser storage (one pack, or all). */
  packCacheUsage(a: { packId?: string }): Promise<{ bytes: number }>;
  /** Deletes downloaded pack files from browser storage (one pack, or all); returns the bytes freed. */
  clearPackCache(a: { packId?: string }): Promise<{ freed: number }>;
  /** Downmixes, checks, resamples and tokenizes one clip. Channels are transferred. */
  tokenize(a: { channels: Float32Array[]; sampleRate: number; name: string }): Promise<TokenizeResult>;
  /** Turns codes [K, T] back into audio at the codec's rate. */
  decode(a: { codes: Int32Array; k: number; t: number }): Promise<{ pcm: Float32Array; sampleRate: number }>;
  /** Tokenizes a prompt (cheap; for the live token count). */
  promptInfo(a: { text: string }): Promise<PromptInfo>;
  /** The melody chromagram of mono PCM (pcm is transferred). */
  chroma(a: { pcm: Float32Array; sampleRate: number }): Promise<ChromaResult>;
  /** Generates one take: text prompt (+ optional continuation) through the LM, then the codec. */
  generate(a: GenerateRequest): Promise<GenerateResult>;
  /** Ends the running take early and keeps it: `generate` resolves with the frames complete so far (answers at once). */
  finishGeneration(a: Record<string, never>): Promise<{ finishing: boolean }>;
  /**
   * Fine-tunes on captioned clips; checkpoints go to browser storage as they come. Method 'full'
   * trains every weight of the LM in use (the pack's own when a LoRA model is in use); 'lora'
   * trains low-rank adapters on the pack's own weights. The trained model is in use afterwards.
   */
  train(a: TrainRequest): Promise<TrainSummary>;
  /** Stops a running training gracefully: the current step ends, a checkpoint is saved, `train` resolves with stopped = true. */
  stopTraining(a: Record<string, never>): Promise<{ stopping: boolean }>;
  /** Pauses or resumes a running training (answers at once, not queued behind it). */
  pauseTraining(a: { paused: boolean }): Promise<{ paused: boolean }>;
  /** Saved fine-tuned models, newest first, and which one is in use (null = the pack's own). */
  listModels(a: Record<string, never>): Promise<ModelList>;
  /** Switches the LM to a saved model (null = the pack's own weights); a LoRA model is merged into the pack's own weights. */
  useModel(a: { id: string | null }): Promise<LmInfo>;
  renameModel(a: { id: string; name: string }): Promise<ModelList>;
  deleteModel(a: { id: string }): Promise<ModelList>;
  /** The LM in use as `.safetensors` (HF MusicGen names) and its config; a LoRA model's adapter file alone (src/lm/loraFile.ts). */
  exportWeights(a: Record<string, never>): Promise<{ bytes: Uint8Array; fileName: string; config: unknown; kind: ModelKind }>;
  /**
   * Loads `.safetensors` weights (validated against the pack's LM config), or an adapter file
   * (told by its `studio.lora` metadata; checked against the pack's LM, ADAPTER_INVALID on a
   * mismatch), saves and uses them. `adapterConfig`: the text of the adapter_config.json of an
   * adapter trained with Hugging Face PEFT (`adapter_model.safetensors`, no studio metadata);
   * it is saved, listed and exported as a studio adapter.
   */
  importWeights(a: { bytes: Uint8Array; name: string; adapterConfig?: string }): Promise<LmInfo>;
}

export interface TrainClipInput {
  name: string;
  /** '' = unconditional. */
  caption: string;
  codes: Int32Array;
  k: number;
  t: number;
  /** The clip's steady tempo and first downbeat (seconds), when its facts found one: its beat clock, for an LM that takes one. */
  tempo?: SteadyTempo;
  /** The clip's key, when its facts name it clearly: its key input, for an LM that takes one. */
  key?: Key;
}

/** How a run fine-tunes: every weight, or low-rank adapters beside the frozen pack weights. */
export type TrainMethod = 'full' | 'lora';

/** LoRA settings of a run (defaults: rank 16, alpha 32, `defaultTargets(config)`, dropout 0; src/lm/lora.ts). */
export interface LoraSettings {
  rank?: number;
  alpha?: number;
  targets?: LoraTarget[];
  /** PEFT's lora_dropout on the adapters' input while training. */
  dropout?: number;
}

export interface TrainRequest {
  /** Name for the saved model. */
  name: string;
  clips: TrainClipInput[];
  /** Overrides of the defaults (steps, lr, cropFrames, batchSize, ...). LoRA's lr default is 2e-4 (full: 2e-5). */
  options: Record<string, number>;
  /** Default 'full'. A resumed run keeps its own method. */
  method?: TrainMethod;
  /** Method 'lora' only. */
  lora?: LoraSettings;
  /** Continue this saved model's run from its last checkpoint (with the checkpoint's options and method; `clips` must be its plan's clips). */
  resumeId?: string;
}

export interface TrainSummary {
  id: string;
  /** The trained model's kind (a resumed run keeps its own). */
  kind: ModelKind;
  step: number;
  steps: number;
  stopped: boolean;
  loss: number;
  valLoss?: number;
  /** Set when checkpoints could not be saved (the trained model stays in memory). */
  storageError?: string;
}

export interface ModelList {
  active: string | null;
  /** The name and kind of the LM in use (the engine's; also for a model that could not be saved). */
  activeName?: string;
  activeKind?: ModelKind;
  models: {
    id: string; name: string;
    /** 'lora': an adapter on the pack's own weights (models saved before adapters existed are 'full'). */
    kind: ModelKind;
    step: number; updatedAt: number; bytes: number; history: [number, number, number | null][]; plan?: TrainPlan;
  }[];
}

export interface PromptInfo {
  /** Tokens the encoder will see, `</s>` included; 0 for the empty (unconditional) prompt. */
  tokens: number;
  maxTokens: number;
  /** The prompt was longer than maxTokens and was cut. */
  truncated: boolean;
  /** Pieces that fell back to <unk>. */
  unknown: number;
}

/** A melody's chroma: `hopSeconds` between frames, the dominant pitch class (0 = C .. 11 = B) per frame in `argmax`. */
export interface ChromaResult {
  frames: number;
  hopSeconds: number;
  argmax: Uint8Array;
  /** Per-frame max-normalised chroma, row-major [frames, 12]. */
  norm: Float32Array;
}

export interface GenerateRequest {
  /** The text prompt; '' = unconditional. */
  prompt: string;
  seconds: number;
  temperature: number;
  topK: number;
  /** 0 = off; > 0 overrides topK (audiocraft semantics). */
  topP: number;
  /** Classifier-free guidance coefficient; 1 = off. */
  cfg: number;
  seed: number;
  /** Continue this audio: its codes [K, t] are kept; its steady `tempo` (and first downbeat) and clear `key` lead the beat clock and key input over the prompt's. */
  continuation?: { codes: Int32Array; k: number; t: number; tempo?: SteadyTempo; key?: Key };
  /** A melody-conditioned (prefix) LM follows this chroma (the engine's `chroma` of the melody audio); others ignore it. */
  melody?: MelodyChroma;
}

export interface GenerateResult {
  codes: Int32Array;
  k: number;
  t: number;
  pcm: Float32Array;
  sampleRate: number;
  /** The seed actually used (always recorded with the take). */
  seed: number;
  /** Wall time of the LM part, for tokens/s. */
  lmMs: number;
  /** Key and tempo as the take sounds (null: too short to tell). */
  facts: AudioFacts | null;
}

/** What the pack's LM offers the UI (absent when the pack has no LM). */
export interface LmInfo {
  /** Saved model in use, or null for the pack's own weights. */
  modelId: string | null;
  modelName: string;
  /** 'lora': the model in use is an adapter merged into the pack's own weights. Absent = 'full'. */
  modelKind?: ModelKind;
  /** Something the user should know about this model (e.g. it could not be saved). */
  notice?: string;
  params: number;
  /**
   * Trainable LoRA parameters per unit of rank (the count is linear in the rank), per target group
   * this model has (the Train panel's checkboxes); the default targets are all of them.
   */
  loraParamsPerRank: Partial<Record<LoraGroup, number>>;
  /** Longest generation (the model's position window), in seconds. */
  maxSeconds: number;
  /** The length the model was trained on: longer takes are made window by window, each continuing the end of the last (absent: one pass). */
  window?: { seconds: number; contextSeconds: number };
  /** Memory a take needs on this backend (estimated: weights, KV cache, one step's work) and what it may use. */
  memory: LmMemory;
  conditioning: 'cross' | 'prefix';
  /** The LM keeps the tempo a prompt names with its beat clock (the bundled LM; not MusicGen's). */
  beatClock: boolean;
  /** The LM takes the key a prompt names as an input of its own (the bundled LM; not MusicGen's). */
  keyChannel: boolean;
  defaults: GenerationDefaults;
  /** Default peak learning rate per training method for this model (the pack's, else musicgen-small's). */
  trainLr: Record<TrainMethod, number>;
}

export interface LmMemory {
  /** A take of t seconds needs about fixedBytes + t * bytesPerSecond. */
  fixedBytes: number;
  bytesPerSecond: number;
  /** What the LM may use here (src/lm/memory.ts memoryBudget). */
  budgetBytes: number;
  /** Longest take that fits the budget (0: not even the weights fit); at most maxSeconds. */
  fitSeconds: number;
}

/** Estimated LM memory for a take of `seconds`: it stops growing at one window (the KV cache holds no more). */
export function takeBytes(lm: Pick<LmInfo, 'memory' | 'window'>, seconds: number): number {
  return lm.memory.fixedBytes + Math.min(seconds, lm.window?.seconds ?? Infinity) * lm.memory.bytesPerSecond;
}

/** The longest take to offer: the window, or less when memory is short (never under 1 s). */
export function longestTake(lm: Pick<LmInfo, 'maxSeconds' | 'memory'>): number {
  return Math.max(1, Math.min(lm.maxSeconds, lm.memory.fitSeconds));
}

export interface EngineInfo {
  packId: string;
  packName: string;
  backend: BackendName;
  /** Why `auto` picked this backend, or why a forced one fell back. */
  backendReason: string;
  codec: CodecSpec;
  /** The backend tfjs (the LM) runs on; may differ from the codec's when WebGPU is unusable for it. */
  lmBackend?: BackendName;
  /** Present when the pack has a text encoder. */
  text?: { maxTokens: number; hiddenSize: number };
  /** Present when the pack has a language model. */
  lm?: LmInfo;
  /** Things the user should know about the load that did not stop it (storage full, a damaged cache entry re-fetched, ...). */
  notices?: { code: ErrorCode; message: string }[];
}

/** The download a pack needs (planPack): exact bytes, per file, and how much of it the cache already holds. */
export interface PackPlan {
  packId: string;
  packName: string;
  /** Bytes of everything the pack loads (for files read tensor by tensor: the tensors it needs). */
  total: number;
  /** Of `total`, bytes the browser cache holds. */
  cachedBytes: number;
  files: { path: string; bytes: number; cachedBytes: number }[];
}

export interface TokenizeResult {
  /** Row-major codes [K, T]. */
  codes: Int32Array;
  k: number;
  t: number;
  /** Mono PCM at the codec's rate, as it went into the encoder. */
  pcm: Float32Array;
  sampleRate: number;
  /** Reconstruction (codes through the decoder), same rate. */
  reconstruction: Float32Array;
  /** Key and tempo of the clip as loaded (null: too short to tell). */
  facts: AudioFacts | null;
  /** The same of its reconstruction: what the codec kept. */
  reconstructionFacts: AudioFacts | null;
}

/** Progress of a call: `value` in 0..1, `label` for people (screen readers read it). */
export interface Progress {
  phase: 'load' | 'tokenize' | 'decode' | 'chroma' | 'generate' | 'train';
  value: number;
  label: string;
  /** Generation only: frames done of total, speed and time left. */
  generation?: { step: number; steps: number; tokensPerSecond: number; etaSeconds: number };
  /** Generation only: one decoded window of the take in progress, in order (`from`: its first sample of `samples`), for listening while it generates. */
  audio?: { from: number; pcm: Float32Array; samples: number; sampleRate: number };
  /** Pack loading only: bytes done of the whole download and per file (`fromCache`: of `loaded`, read from browser storage). */
  download?: { loaded: number; total: number; files: { path: string; loaded: number; total: number; fromCache: number }[] };
  /** Training only. */
  training?: { step: number; steps: number; loss: number; valLoss?: number; lr: number; tokensPerSecond: number; etaSeconds: number };
}

export type Method = keyof EngineApi;

/** Every engine method, once: the client builds its methods from this list, the host checks names against it. */
export const ENGINE_METHODS = [
  'init', 'planPack', 'packCacheUsage', 'clearPackCache', 'tokenize', 'decode', 'promptInfo', 'chroma', 'generate', 'finishGeneration',
  'train', 'stopTraining', 'pauseTraining', 'listModels', 'useModel', 'renameModel', 'deleteModel', 'exportWeights', 'importWeights',
] as const satisfies readonly Method[];

// Compile-time check that ENGINE_METHODS lists every method of EngineApi: a missing one makes this line fail.
true satisfies [Exclude<Method, (typeof ENGINE_METHODS)[number]>] extends [never] ? true : never;

export type Args<M extends Method> = Parameters<EngineApi[M]>[0];
export type Result<M extends Method> = Awaited<ReturnType<EngineApi[M]>>;

export type Request =
  | { [M in Method]: { kind: 'call'; id: number; method: M; args: Args<M> } }[Method]
  | { kind: 'cancel'; id: number };

export type Response =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'progress'; id: number; progress: Progress };

/** What an engine method receives besides its arguments. */
export interface CallContext {
  signal: AbortSignal;
  progress(p: Progress): void;
  /** Marks buffers of the result to be transferred rather than copied. */
  transfer(...buffers: ArrayBufferLike[]): void;
}

/** The worker-side implementation: each method also gets the call context. */
export type EngineHandlers = { [M in Method]: (args: Args<M>, ctx: CallContext) => Promise<Result<M>> };

/** Options the caller adds to any engine call. */
export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Buffers in the arguments to transfer rather than copy. */
  transfer?: Transferable[];
}

/** The main-thread face of the engine: the same methods, plus call options. */
export type EngineClient = { [M in Method]: (args: Args<M>, opts?: CallOptions) => Promise<Result<M>> } & {
  /** Ends the worker; pending calls reject with ENGINE_CRASHED. */
  terminate(): void;
};
