import { StudioError } from '../errors/StudioError';
import { parseLmConfig, type LmConfig } from '../lm/config';
import type { WindowSpec } from '../lm/windows';

/**
 * The model pack manifest (public/models/<id>/manifest.json): which files a pack has, and
 * every number the engine needs about them. Nothing about a pack is hard-coded elsewhere.
 */
export interface PackFile {
  /** Path relative to the manifest's folder; with `repo`, the path inside that hub repository. */
  path: string;
  /** Exact size in bytes. Absent when not known in advance: the downloader then asks the server. */
  bytes?: number;
  /** Lowercase hex SHA-256 of the whole file. Absent: integrity is checked by size only. */
  sha256?: string;
  /** Rough download size, for showing before anything is fetched (when `bytes` is absent); for a file read by `tensors`, the part fetched. */
  approxBytes?: number;
  /** A Hugging Face hub repository ("facebook/musicgen-small"): the file is `<hub>/<repo>/resolve/<revision>/<path>`. */
  repo?: string;
  /** Branch, tag or commit of `repo`; default "main". */
  revision?: string;
  /**
   * safetensors only: fetch just the tensors whose names start with one of these prefixes
   * (e.g. "decoder.", "enc_to_dec_proj."), read with HTTP Range requests after the header.
   */
  tensors?: string[];
}

/** The public Hugging Face hub; a mirror or a local folder laid out the same way can replace it. */
export const DEFAULT_HUB_BASE = 'https://huggingface.co';

export interface CodecSpec {
  /** Which entry of `files` holds the encoder graph (`input_values [B,1,N]` -> `audio_codes [1,B,K,T]`). */
  encoder: string;
  /** Which entry of `files` holds the decoder graph (`audio_codes [1,B,K,T]` int64 -> `audio_values [B,1,N]`). */
  decoder: string;
  sampleRate: number;
  /** Codec frames per second (50 for EnCodec 32 kHz). */
  frameRate: number;
  /** Samples per frame: sampleRate / frameRate. */
  hopLength: number;
  /** Number of codebooks K. */
  codebooks: number;
  /** Codebook size; token ids are 0..cardinality-1. */
  cardinality: number;
  /** The special (pad/BOS) token id used by the LM, = cardinality in MusicGen. */
  specialToken: number;
  /** Frames of context on each side when long audio is processed in chunks. */
  contextFrames?: number;
}

export interface ChromaSpec {
  nFft: number;
  hopLength: number;
}

export interface TextSpec {
  /** Which entry of `files` holds the T5 encoder graph (`input_ids`, `attention_mask` -> `last_hidden_state`). */
  encoder: string;
  /** Which entry of `files` holds the Hugging Face `tokenizer.json`. */
  tokenizer: string;
  /** Width D of last_hidden_state (t5-base: 768). */
  hiddenSize: number;
  /** Prompt cap in tokens, `</s>` included. */
  maxTokens: number;
}

export interface GenerationDefaults {
  seconds: number;
  temperature: number;
  topK: number;
  topP: number;
  cfg: number;
  /**
   * Guidance for a take that continues audio, where the pack wants another than `cfg` (absent: `cfg`).
   * The heard audio pulls a continuation towards what the LM would play next anyway; more guidance
   * keeps the prompt's (and the heard) key.
   */
  continuationCfg?: number;
}

export interface LmSpec {
  /** Which entry of `files` holds the decoder weights (safetensors, Hugging Face MusicGen names). */
  weights: string;
  config: LmConfig;
  defaults: GenerationDefaults;
  /** Fine-tuning defaults sized for this model (absent: musicgen-small's, in src/lm/train/options.ts). */
  trainDefaults?: TrainDefaults;
  /** The length the LM was trained on; longer takes are sampled window by window (absent: one sequence up to maxPositions). */
  window?: GenerationWindow;
}

/** audiocraft's `max_duration` and `extend_stride` (musicgen.md: 30 s and 18 s for MusicGen). */
export interface GenerationWindow {
  maxSeconds: number;
  extendStrideSeconds: number;
}

export interface TrainDefaults {
  /** Peak learning rate per method: a small model wants a larger step than a 300M one. */
  lr: { full: number; lora: number };
}

export interface Manifest {
  schema: 1;
  id: string;
  name: string;
  version: string;
  description: string;
  files: Record<string, PackFile>;
  codec: CodecSpec;
  chroma?: ChromaSpec;
  text?: TextSpec;
  lm?: LmSpec;
}

type Obj = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new StudioError('MANIFEST_INVALID', `${where}: ${what}`);
}

function obj(x: unknown, where: string): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(where, 'expected an object');
  return x as Obj;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) fail(`${where}.${key}`, 'expected a non-empty string');
  return v;
}

function posInt(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(`${where}.${key}`, 'expected a positive integer');
  return v;
}

function atLeast(v: number, min: number, where: string, why: string): number {
  if (v < min) fail(where, `must be at least ${min} (${why})`);
  return v;
}

function posNum(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`${where}.${key}`, 'expected a positive number');
  return v;
}

// "facebook/musicgen-small", or a legacy id without an organisation ("t5-base"); no segment starts with a dot ("..").
const REPO = /^(?:[\w-][\w.-]*\/)?[\w-][\w.-]*$/;
// A branch, tag or commit, or a hub pull-request / conversion ref ("refs/pr/6"); never only dots.
const REVISION = /^(?:refs\/(?:pr|convert)\/)?[\w-][\w.-]*$/;

function parseFile(x: unknown, where: string): PackFile {
  const o = obj(x, where);
  const path = str(o, 'path', where);
  if (path.split('/').includes('..')) fail(`${where}.path`, 'must not climb out of the pack folder');
  const f: PackFile = { path };
  if (o.bytes !== undefined) f.bytes = posInt(o, 'bytes', where);
  if (o.approxBytes !== undefined) f.approxBytes = posInt(o, 'approxBytes', where);
  if (o.sha256 !== undefined) {
    const sha256 = str(o, 'sha256', where);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${where}.sha256`, 'expected 64 lowercase hex digits');
    f.sha256 = sha256;
  }
  if (o.repo !== undefined) {
    f.repo = str(o, 'repo', where);
    if (!REPO.test(f.repo)) fail(`${where}.repo`, 'expected "organisation/name" (or a legacy name such as "t5-base")');
    if (/^\/|^[a-z][\w+.-]*:/i.test(path)) fail(`${where}.path`, 'must be a path inside the repository');
  }
  if (o.revision !== undefined) {
    if (f.repo === undefined) fail(`${where}.revision`, 'only applies to a file with a repo');
    f.revision = str(o, 'revision', where);
    if (!REVISION.test(f.revision)) fail(`${where}.revision`, 'expected a branch, tag, commit or refs/pr/N');
  }
  if (o.tensors !== undefined) {
    const t = o.tensors;
    if (!Array.isArray(t) || t.length === 0 || !t.every((p) => typeof p === 'string' && p.length > 0)) {
      fail(`${where}.tensors`, 'expected a non-empty list of tensor name prefixes');
    }
    if (!path.endsWith('.safetensors')) fail(`${where}.tensors`, 'only a .safetensors file can be read tensor by tensor');
    f.tensors = [...(t as string[])];
  }
  if (f.tensors && f.sha256 !== undefined) fail(`${where}.sha256`, 'cannot be checked on a file read tensor by tensor (omit it)');
  return f;
}

function parseCodec(x: unknown, files: Record<string, PackFile>): CodecSpec {
  const w = 'codec';
  const o = obj(x, w);
  const encoder = str(o, 'encoder', w);
  const decoder = str(o, 'decoder', w);
  for (const role of [encoder, decoder]) {
    if (!files[role]) fail(w, `refers to file "${role}", which is not listed in files`);
  }
  const c: CodecSpec = {
    encoder,
    decoder,
    sampleRate: posInt(o, 'sampleRate', w),
    frameRate: posNum(o, 'frameRate', w),
    hopLength: posInt(o, 'hopLength', w),
    codebooks: posInt(o, 'codebooks', w),
    cardinality: posInt(o, 'cardinality', w),
    specialToken: posInt(o, 'specialToken', w),
  };
  if (o.contextFrames !== undefined) {
    const v = o.contextFrames;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`${w}.contextFrames`, 'expected a non-negative integer');
    c.contextFrames = v;
  }
  if (Math.abs(c.sampleRate / c.hopLength - c.frameRate) > 1e-6) {
    fail(w, `frameRate ${c.frameRate} is not sampleRate / hopLength (${c.sampleRate / c.hopLength})`);
  }
  if (c.specialToken < c.cardinality) fail(`${w}.specialToken`, 'must not collide with a codebook entry (>= cardinality)');
  if (c.codebooks > 32) fail(`${w}.codebooks`, 'more than 32 codebooks is not supported');
  return c;
}

function role(o: Obj, key: string, where: string, files: Record<string, PackFile>): string {
  const r = str(o, key, where);
  if (!files[r]) fail(`${where}.${key}`, `refers to file "${r}", which is not listed in files`);
  return r;
}

function parseText(x: unknown, files: Record<string, PackFile>): TextSpec {
  const o = obj(x, 'text');
  return {
    encoder: role(o, 'encoder', 'text', files),
    tokenizer: role(o, 'tokenizer', 'text', files),
    hiddenSize: posInt(o, 'hiddenSize', 'text'),
    maxTokens: atLeast(posInt(o, 'maxTokens', 'text'), 2, 'text.maxTokens', 'needs room for a word and </s>'),
  };
}

function parseLm(x: unknown, m: Manifest): LmSpec {
  const o = obj(x, 'lm');
  const config = parseLmConfig(o.config);
  if (config.codebooks !== m.codec.codebooks) fail('lm.config.codebooks', `${config.codebooks} differs from the codec's ${m.codec.codebooks}`);
  if (config.card !== m.codec.cardinality) fail('lm.config.card', `${config.card} differs from the codec's cardinality ${m.codec.cardinality}`);
  if (config.card !== m.codec.specialToken) fail('lm.config.card', `the LM's special token (card = ${config.card}) must be the codec's specialToken ${m.codec.specialToken}`);
  if (m.text && config.textDim !== m.text.hiddenSize) fail('lm.config.textDim', `${config.textDim} differs from the text encoder's ${m.text.hiddenSize}`);
  const d = obj(o.defaults, 'lm.defaults');
  const nonNeg = (k: string) => {
    const v = d[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`lm.defaults.${k}`, 'expected a non-negative number');
    return v;
  };
  return {
    weights: role(o, 'weights', 'lm', m.files),
    config,
    defaults: {
      seconds: posNum(d, 'seconds', 'lm.defaults'), temperature: nonNeg('temperature'), topK: nonNeg('topK'), topP: nonNeg('topP'), cfg: nonNeg('cfg'),
      ...(d.continuationCfg === undefined ? {} : { continuationCfg: nonNeg('continuationCfg') }),
    },
    ...(o.trainDefaults === undefined ? {} : { trainDefaults: parseTrainDefaults(o.trainDefaults) }),
    ...(o.window === undefined ? {} : { window: parseWindow(o.window, m.codec.frameRate, config.maxPositions - config.codebooks) }),
  };
}

function parseWindow(x: unknown, frameRate: number, positionFrames: number): GenerationWindow {
  const o = obj(x, 'lm.window');
  const maxSeconds = posNum(o, 'maxSeconds', 'lm.window');
  const extendStrideSeconds = posNum(o, 'extendStrideSeconds', 'lm.window');
  const w = Math.round(maxSeconds * frameRate);
  if (w < 2) fail('lm.window.maxSeconds', `${maxSeconds} s is under two frames`);
  if (w > positionFrames) fail('lm.window.maxSeconds', `${maxSeconds} s is longer than the LM's positions allow (${positionFrames} frames)`);
  const stride = Math.round(extendStrideSeconds * frameRate);
  if (stride < 1 || stride >= w) fail('lm.window.extendStrideSeconds', `expected at least one frame and less than maxSeconds (${maxSeconds} s)`);
  return { maxSeconds, extendStrideSeconds };
}

/** A pack's window in frames, for generateLong (undefined: no window). */
export function windowFrames(lm: LmSpec, frameRate: number): WindowSpec | undefined {
  return lm.window && { maxFrames: Math.round(lm.window.maxSeconds * frameRate), strideFrames: Math.round(lm.window.extendStrideSeconds * frameRate) };
}

function parseTrainDefaults(x: unknown): TrainDefaults {
  const lr = obj(obj(x, 'lm.trainDefaults').lr, 'lm.trainDefaults.lr');
  const rate = (k: 'full' | 'lora') => {
    const v = lr[k];
    if (typeof v !== 'number' || !(v > 0 && v < 1)) fail(`lm.trainDefaults.lr.${k}`, 'expected a learning rate between 0 and 1');
    return v;
  };
  return { lr: { full: rate('full'), lora: rate('lora') } };
}

/** Validates an untrusted manifest object; throws StudioError('MANIFEST_INVALID') naming the bad field. */
export function parseManifest(json: unknown): Manifest {
  const o = obj(json, 'manifest');
  if (o.schema !== 1) fail('manifest.schema', `unsupported schema ${JSON.stringify(o.schema)} (expected 1)`);
  const filesObj = obj(o.files, 'manifest.files');
  const files: Record<string, PackFile> = {};
  for (const [role, f] of Object.entries(filesObj)) files[role] = parseFile(f, `files.${role}`);
  const m: Manifest = {
    schema: 1,
    id: str(o, 'id', 'manifest'),
    name: str(o, 'name', 'manifest'),
    version: str(o, 'version', 'manifest'),
    description: typeof o.description === 'string' ? o.description : '',
    files,
    codec: parseCodec(o.codec, files),
  };
  if (o.text !== undefined) m.text = parseText(o.text, files);
  if (o.lm !== undefined) m.lm = parseLm(o.lm, m);
  if (o.chroma !== undefined) {
    const c = obj(o.chroma, 'chroma');
    m.chroma = { nFft: posInt(c, 'nFft', 'chroma'), hopLength: posInt(c, 'hopLength', 'chroma') };
  }
  return m;
}

/**
 * A pack file's URL: relative to the (absolute) manifest URL, or, for a file with a `repo`, in the
 * hub at `hubBase` (absolute, or relative to the manifest URL) as `<hubBase>/<repo>/resolve/<revision>/<path>`.
 */
export function fileUrl(manifestUrl: string, file: PackFile, hubBase: string = DEFAULT_HUB_BASE): string {
  if (file.repo === undefined) return new URL(file.path, manifestUrl).toString();
  const base = new URL(hubBase, manifestUrl).toString().replace(/\/+$/, '');
  const path = file.path.split('/').map(encodeURIComponent).join('/');
  return `${base}/${file.repo}/resolve/${encodeURIComponent(file.revision ?? 'main')}/${path}`;
}
