import type { ErrorCode } from '../errors/codes';
import type { BackendChoice } from '../runtime/backend';
import type { EngineInfo, Progress, TokenizeResult } from '../workers/protocol';

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
  /** Absolute URL of the pack manifest the engine loads. */
  manifestUrl?: string;
  /** Backend to start with (bootstrap resolves ?backend= / localStorage / 'auto'). */
  initialBackend?: BackendChoice;
  /** Called after the user changes the backend (bootstrap persists it and updates the URL). */
  onBackendChange?: (choice: BackendChoice) => void;
}

export interface EngineSlice {
  engine: EngineState;
  backend: BackendChoice;
  /** Loads the pack on the current backend choice; resolves when done (never rejects). */
  initEngine(): Promise<void>;
  /** Changes the backend choice and re-initialises the engine with it. */
  setBackend(choice: BackendChoice): Promise<void>;
  /** The engine worker died (it restarts on the next call): re-init if it had been ready. */
  onEngineCrash(): void;
}

export interface ClipsSlice {
  clips: Clip[];
  /** Adds one clip per file and processes them; resolves once every file is ready or failed. */
  addFiles(files: File[]): Promise<void>;
  /** Removes a clip, cancelling its work if it is still being processed. */
  removeClip(id: string): void;
}

export interface AnnounceSlice {
  announcement: Announcement;
  announce(text: string): void;
}

export type StudioState = EngineSlice & ClipsSlice & AnnounceSlice;
