/**
 * Every failure the user can meet has a named code here, with the one sentence the UI shows.
 * Engine code throws `StudioError(code, detail)`; the detail (file name, numbers) is appended.
 */
export const ERROR_TEXT = {
  FILE_EMPTY: 'This file is empty (0 bytes).',
  FILE_TOO_LARGE: 'This file is too large to load in the browser.',
  FILE_NOT_AUDIO: 'This is not an audio file we recognise (WAV, MP3, OGG, FLAC, M4A).',
  FILE_TRUNCATED: 'This file is cut short: its header promises more audio than it contains.',
  FILE_CORRUPT: 'This audio file is damaged and could not be decoded.',
  CODEC_UNSUPPORTED: 'This browser cannot decode the audio codec inside this file.',
  AUDIO_SILENT: 'This clip is pure silence, so there is nothing to tokenize.',
  AUDIO_TOO_SHORT: 'This clip is shorter than one codec frame.',
  AUDIO_TOO_LONG: 'This clip is longer than the studio accepts.',
  AUDIO_TOO_MANY_CHANNELS: 'This file has more channels than the studio accepts.',
  AUDIO_INVALID_SAMPLES: 'This clip contains invalid sample values (NaN or infinity).',
  MANIFEST_INVALID: 'The model pack manifest is invalid.',
  MODEL_FETCH_FAILED: 'A model file could not be downloaded.',
  MODEL_INTEGRITY: 'A model file does not match its manifest (size or checksum differs).',
  MODEL_INTERFACE: 'A model graph does not have the inputs and outputs the manifest promises.',
  ADAPTER_INVALID: 'This adapter cannot be used with the model in use (the reason follows).',
  WEIGHTS_INVALID: 'The model weights file is damaged or is not a safetensors file the studio can read.',
  WEIGHTS_MISMATCH: 'The model weights do not fit the model described by the manifest (tensor names, shapes or types differ).',
  RANGE_UNSUPPORTED: 'The model server ignores byte-range requests, so the whole file is streamed and the unneeded parts are skipped (slower).',
  CACHE_CORRUPT: 'A cached model file was damaged, so it is being downloaded again.',
  DOWNLOAD_INTERRUPTED: 'The download was interrupted. What was already downloaded is kept; try again to resume.',
  BACKEND_UNAVAILABLE: 'The requested compute backend is not available in this browser.',
  GPU_DEVICE_LOST: 'The GPU device was lost. The studio switched to a safe backend; please retry.',
  GPU_SELF_TEST: 'A WebGPU self-test on this GPU gave wrong numbers, so that part runs another way (slower, but right).',
  OUT_OF_MEMORY: 'Ran out of memory for this operation. Try a shorter clip or another backend.',
  STORAGE_FULL: 'The browser storage is full, so this could not be saved. It is kept in memory.',
  TRAIN_DIVERGED: 'Training became unstable and was stopped; the model was rolled back to its last good checkpoint.',
  TRAIN_INVALID: 'These training settings or clips cannot be used.',
  GENERATE_INVALID: 'These generation settings cannot be used.',
  MIC_DENIED: 'Microphone access was refused. Allow it for this site in the browser (the icon in the address bar), then press Record again.',
  MIC_NOT_FOUND: 'No microphone was found. Connect one, then press Record again.',
  MIC_BUSY: 'The microphone could not be started: another application may be using it.',
  MIC_UNSUPPORTED: 'This browser cannot record here (recording needs a secure page, https or localhost, and MediaRecorder).',
  DATASET_INVALID: 'This dataset could not be read (an audiofolder: audio files plus metadata.csv or metadata.jsonl, as a folder or a .zip).',
  ENGINE_CRASHED: 'The audio engine stopped unexpectedly and was restarted.',
  CANCELLED: 'Cancelled.',
  INTERNAL: 'Something went wrong inside the studio.',
} as const;

export type ErrorCode = keyof typeof ERROR_TEXT;

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.hasOwn(ERROR_TEXT, x);
}
