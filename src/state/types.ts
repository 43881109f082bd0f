import type { SteadyTempo } from '../eval/describe';
import type { Key } from '../corpus/theory';
import type { StudioError } from '../errors/StudioError';
import type { ErrorCode } from '../errors/codes';
import type { BackendChoice } from '../runtime/backend';
import type { DatasetSlice } from './datasetSlice';
import type { PacksSlice } from './packsSlice';
import type { ModelsSlice, TrainingSlice } from './trainingTypes';
import type { ChromaResult, EngineInfo, GenerateResult, PromptInfo, Progress, TokenizeResult } from '../workers/protocol';
import type { TakeHistory } from './takeHistory';

/** An error as the UI shows it: a stable code plus the sentence (with details) for people. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export type ClipStatus = 'decoding' | 'tokenizing' | 'ready' | 'error';

/** Decoded audio as loaded: mono mixdown at the file's own rate, for playback and waveform. */
export interface MonoAudio {
  pcm: Float32Array;
  sampleRate: number;
}

export interface Clip {
  id: string;
  name: string;
  status: ClipStatus;
  error?: ErrorInfo;
  /** Sample rate of the decoded file ("as loaded"); 0 until decoded. */
  sourceRate: number;
  /** Channel count of the decoded file; 0 until decoded. */
  sourceChannels: number;
  /** Seconds; 0 until decoded. */
  durationSec: number;
  /** Container/format label from the decoder, e.g. "MP3"; '' until decoded. */
  container: string;
  original?: MonoAudio;
  result?: TokenizeResult;
  /** Set while decoding/tokenizing; `value` null means indeterminate. */
  progress?: ClipProgress;
}

export interface ClipProgress {
  value: number | null;
  label: string;
}

export type EngineStatus = 'loading' | 'ready' | 'error';

export interface EngineState {
  status: EngineStatus;
  /** The latest successful init; kept while a re-init is loading. */
  info?: EngineInfo;
  error?: ErrorInfo;
  progress?: Progress;
}

/** A message for the aria-live status region; `seq` changes even when the text repeats. */
export interface Announcement {
  text: string;
  seq: number;
  /** What the news is about, for the status bar's Show button (scrolls to it, focuses it). */
  show?: ShowTarget;
}

/** A take or clip card on the page. */
export interface ShowTarget {
  kind: 'take' | 'clip';
  id: string;
}

export interface DecodedFile {
  channels: Float32Array[];
  sampleRate: number;
  container: string;
}

export type DecodeFn = (file: File) => Promise<DecodedFile>;

export interface StudioOptions {
  /** Main-thread decoder; defaults to src/audio/decode.ts (browser only). Tests inject a fake. */
  decode?: DecodeFn;
  /** The pack loaded at start (default 'studio', the bundled one); `openPack` moves to another. */
  initialPack?: string;
  /** Where a pack's manifest is (default `models/<id>/manifest.json`). */
  manifestUrlOf?: (packId: string) => string;
  /** Absolute URL of the initial pack's manifest (overrides manifestUrlOf for that pack). */
  manifestUrl?: string;
  /** Called after a switch to another pack succeeded (bootstrap persists it and updates the URL). */
  onPackChange?: (packId: string) => void;
  /** Where hub-hosted pack files come from (bootstrap resolves ?hub= / the stored setting; default the Hugging Face hub). */
  hubBase?: string;
  /** Backend to start with (bootstrap resolves ?backend= / localStorage / 'auto'). */
  initialBackend?: BackendChoice;
  /** Called after the user changes the backend (bootstrap persists it and updates the URL). */
  onBackendChange?: (choice: BackendChoice) => void;
  /** Uniform [0, 1) source for random seeds; Math.random by default (tests inject a fixed one). */
  random?: () => number;
  /** Delay before the prompt's token count is asked for, in ms (default 150). */
  promptDebounceMs?: number;
  /** Asks the browser to keep saved models (navigator.storage.persist by default); called once, before the first training. */
  persistStorage?: () => Promise<unknown>;
  /** Plays takes while they are generated (src/ui/livePlayer.ts in the browser); absent: no listening. */
  live?: LiveAudioSink;
  /** Keeps takes across reloads (IndexedDB in the browser, src/state/takeHistory.ts); absent: takes last a session. */
  takeHistory?: TakeHistory;
}

/** Listening while a take is generated: the store feeds it the decoded windows in order. */
export interface LiveAudioSink {
  /** A take starts (`firstOfClick`: the first variation of a Generate click); its audio follows after any take still playing. */
  begin(firstOfClick: boolean): void;
  /** A decoded window of the take: samples [from, from + pcm.length) of `samples`; `etaSeconds`: generation time left. */
  window(w: { from: number; pcm: Float32Array; samples: number; sampleRate: number }, etaSeconds: number): void;
  /** The take is complete (what is scheduled plays out), or was stopped or failed (silence now). */
  end(how: 'done' | 'stopped'): void;
}

export interface LoadEngineOptions {
  signal?: AbortSignal;
  /** On failure leave the engine state as it was and announce nothing (the caller reports it). */
  quietError?: boolean;
  onProgress?: (p: Progress) => void;
}

export interface EngineSlice {
  engine: EngineState;
  backend: BackendChoice;
  /** Loads the pack on the current backend choice; resolves when done (never rejects). */
  initEngine(): Promise<void>;
  /** initEngine's building block for pack switches: rejects with the engine's error, and does not touch the init gate. */
  loadEngine(opts?: LoadEngineOptions): Promise<void>;
  /** Changes the backend choice and re-initialises the engine with it. */
  setBackend(choice: BackendChoice): Promise<void>;
  /** The engine worker died (it restarts on the next call): re-init if it had been ready. */
  onEngineCrash(): void;
  /** The GPU device was lost mid-call: reload the pack on WASM for this session (clips and takes stay). */
  onGpuLost(err: StudioError): void;
}

export interface ClipsSlice {
  clips: Clip[];
  /**
   * Adds one clip per file and processes them; resolves once every file is ready or failed.
   * `captions[i]` (optional) becomes file i's training caption.
   */
  addFiles(files: File[], captions?: string[]): Promise<void>;
  /** Tokenizes a clip again that failed after decoding (a lost GPU, a crashed engine, memory): from its kept audio. */
  retryClip(id: string): Promise<void>;
  /** Tokenizes every ready clip again from its kept audio (another pack's codec is loaded). */
  retokenizeClips(): Promise<void>;
  /** Removes a clip, cancelling its work if it is still being processed. */
  removeClip(id: string): void;
}

export interface AnnounceSlice {
  announcement: Announcement;
  announce(text: string, show?: ShowTarget): void;
}

/**
 * Anything with audio and codes that can be a melody or a continuation source: a ready clip
 * or a generated take. `pcm` is mono at the codec's rate; codes are row-major [k, t].
 */
export interface AudioSource {
  id: string;
  kind: 'clip' | 'take';
  name: string;
  pcm: Float32Array;
  sampleRate: number;
  codes: Int32Array;
  k: number;
  t: number;
  durationSec: number;
  /** Its steady tempo and first downbeat, when its facts found one (a continuation's beat clock starts there). */
  tempo?: SteadyTempo;
  /** Its key, when its facts name it clearly (a continuation's key input, for an LM that takes one). */
  key?: Key;
}

export type ChromaEntry =
  | { status: 'computing' }
  | { status: 'ready'; result: ChromaResult }
  | { status: 'error'; error: ErrorInfo };

export interface PromptInfoState {
  /** The (trimmed) text this info belongs to. */
  text: string;
  info: PromptInfo;
}

export interface ConditioningSlice {
  /** The prompt as typed. */
  prompt: string;
  /** Token count etc. of the latest prompt the engine has measured; undefined for the empty prompt. */
  promptInfo?: PromptInfoState;
  promptInfoError?: ErrorInfo;
  /** The clip or take chosen as melody; null = none. */
  melodyId: string | null;
  /** Chroma per source id, computed once and kept. */
  chroma: Record<string, ChromaEntry>;
  /** Sets the prompt now; its token count follows after a short debounce. */
  setPrompt(text: string): void;
  /** Chooses the melody (null = none) and computes its chroma if not cached. */
  setMelody(id: string | null): void;
  /** Computes and caches the chroma of a source (no-op when cached or computing). */
  ensureChroma(id: string): Promise<void>;
}

/** The sampling settings of one generation, as sent to the engine (the seed aside). */
export interface GenerationParams {
  seconds: number;
  temperature: number;
  topK: number;
  topP: number;
  cfg: number;
}

export interface ContinueFrom {
  sourceId: string;
  /** Where the prompt audio ends, in seconds into the source. */
  startSec: number;
}

export interface GenerationSettings extends GenerationParams {
  /** The seed box as typed: '' draws a random seed per click. */
  seed: string;
  /** Takes per click, 1..4; seeds seed, seed+1, ... */
  variations: number;
  /** Play each take while it is generated (when the app has a live player). */
  listen: boolean;
  continueFrom: ContinueFrom | null;
  /**
   * Whether the user (or a shared link) set the guidance. Until then `cfg` follows the pack's
   * defaults: its continuation guidance while a take continues audio, else its `cfg`.
   */
  cfgChosen: boolean;
  /** The pack whose LM defaults were applied (so a re-init keeps the user's choices). */
  defaultsFor?: string;
}

export interface Take {
  id: string;
  /** 1-based creation number, for names like "Take 3". */
  number: number;
  prompt: string;
  params: GenerationParams;
  /** The seed the engine used. */
  seed: number;
  /** What this take continued, if anything. */
  continuation?: { sourceId: string; sourceName: string; startSec: number; frames: number };
  /** The pack that made it (its codes are that pack's codec's); absent on takes saved before this was kept. */
  packId?: string;
  result: GenerateResult;
  durationSec: number;
  /** FNV-1a of the codes (hex), to compare takes. */
  codesHash: string;
  createdAt: number;
}

export interface GenerationProgress {
  /** 1-based take being generated, of `takes`. */
  take: number;
  takes: number;
  /** Overall 0..1 across all takes of this click. */
  value: number;
  /** The engine's latest progress for this take. */
  engine?: Progress;
}

export interface GenerationState {
  running: boolean;
  progress?: GenerationProgress;
  error?: ErrorInfo;
}

export interface GenerationSlice {
  genSettings: GenerationSettings;
  generation: GenerationState;
  /** Newest first. */
  takes: Take[];
  /** Why takes are not being kept across reloads (storage full or blocked); null while they are. */
  historyProblem: string | null;
  /** Puts the takes saved by earlier sessions back (once, at start); resolves with how many. */
  restoreTakes(): Promise<number>;
  setGenSettings(patch: Partial<GenerationSettings>): void;
  /** Puts a fresh random seed in the seed box. */
  randomizeSeed(): void;
  /** Back to the LM's defaults (seed, variations and continuation kept). */
  resetSampling(): void;
  /** Sets "continue from" to a source; startSec defaults to its end. */
  continueFrom(id: string, startSec?: number): void;
  /** Generates `variations` takes one after another; resolves when done, stopped or failed. */
  generate(): Promise<void>;
  /** Cancels the running generation at once; the unfinished take is dropped. */
  stopGeneration(): void;
  /** Ends the running take early and keeps what is made so far (no further variations of this click). */
  finishGeneration(): void;
  removeTake(id: string): void;
  /** Removes every take, from the list and from the browser's history. */
  clearTakes(): void;
  dismissGenerationError(): void;
}

export type StudioState = EngineSlice & ClipsSlice & AnnounceSlice & ConditioningSlice & GenerationSlice & TrainingSlice & ModelsSlice & DatasetSlice & PacksSlice;
