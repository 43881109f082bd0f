import type { WireError } from '../errors/StudioError';
import type { BackendChoice, BackendName } from '../runtime/backend';
import type { CodecSpec } from '../packs/manifest';

/**
 * The engine's whole API, in one interface. The worker implements it (engine.ts); the client
 * (client.ts) exposes the same methods with an extra `CallOptions` argument. Every message type
 * below is derived from this interface; a new method also goes into ENGINE_METHODS (the compiler
 * refuses the build until it does).
 */
export interface EngineApi {
  /** Loads a pack (manifest + codec graphs) on the chosen backend. */
  init(a: { manifestUrl: string; backend: BackendChoice }): Promise<EngineInfo>;
  /** Downmixes, checks, resamples and tokenizes one clip. Channels are transferred. */
  tokenize(a: { channels: Float32Array[]; sampleRate: number; name: string }): Promise<TokenizeResult>;
  /** Turns codes [K, T] back into audio at the codec's rate. */
  decode(a: { codes: Int32Array; k: number; t: number }): Promise<{ pcm: Float32Array; sampleRate: number }>;
}

export interface EngineInfo {
  packId: string;
  packName: string;
  backend: BackendName;
  /** Why `auto` picked this backend, or why a forced one fell back. */
  backendReason: string;
  codec: CodecSpec;
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
}

/** Progress of a call: `value` in 0..1, `label` for people (screen readers read it). */
export interface Progress {
  phase: 'load' | 'tokenize' | 'decode';
  value: number;
  label: string;
}

export type Method = keyof EngineApi;

/** Every engine method, once: the client builds its methods from this list, the host checks names against it. */
export const ENGINE_METHODS = ['init', 'tokenize', 'decode'] as const satisfies readonly Method[];

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
