import { StudioError } from '../errors/StudioError';

/**
 * The checks a clip passes before it reaches the codec, with their limits in one place.
 * Each failure is a StudioError whose detail states the measured value and the limit.
 */
export const LIMITS = {
  /** Largest file read into memory. */
  maxFileBytes: 200 * 1024 * 1024,
  /** Longest clip, in seconds. */
  maxSeconds: 600,
  maxChannels: 32,
  /** Peak below this (-80 dBFS) counts as silence. */
  silencePeak: 1e-4,
} as const;

/** One codec frame: `hop` samples at `rate` Hz (e.g. 640 at 32000 for EnCodec 32 kHz). */
export interface FrameSize {
  hop: number;
  rate: number;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function checkFileSize(bytes: number): void {
  if (bytes <= 0) throw new StudioError('FILE_EMPTY');
  if (bytes > LIMITS.maxFileBytes) {
    throw new StudioError(
      'FILE_TOO_LARGE',
      `The file is ${megabytes(bytes)}; the limit is ${megabytes(LIMITS.maxFileBytes)}.`,
    );
  }
}

/** The highest sample rate taken (the resampler's bound): a header beyond it is damaged, not audio. */
export const MAX_SAMPLE_RATE = 10_000_000;

/** Samples in one codec frame at `sampleRate`, rounded up. */
export function frameSamplesAt(sampleRate: number, frame: FrameSize): number {
  return Math.ceil((frame.hop * sampleRate) / frame.rate);
}

/**
 * Checks decoded audio. In order: channel count, sample rate, length (too long, too short),
 * invalid samples (NaN, infinity), silence. Lengths are checked before the samples are scanned.
 */
export function checkDecoded(channels: Float32Array[], sampleRate: number, minSamplesAtRate: FrameSize): void {
  if (channels.length === 0) throw new StudioError('FILE_CORRUPT', 'The decoder returned no audio channels.');
  if (channels.length > LIMITS.maxChannels) {
    throw new StudioError(
      'AUDIO_TOO_MANY_CHANNELS',
      `The file has ${channels.length} channels; the limit is ${LIMITS.maxChannels}.`,
    );
  }
  if (!Number.isFinite(sampleRate) || sampleRate <= 0 || sampleRate > MAX_SAMPLE_RATE) {
    throw new StudioError('FILE_CORRUPT', `The decoded sample rate (${sampleRate} Hz) is not valid.`);
  }
  const n = channels[0].length;
  const seconds = n / sampleRate;
  if (seconds > LIMITS.maxSeconds) {
    throw new StudioError(
      'AUDIO_TOO_LONG',
      `The clip lasts ${seconds.toFixed(1)} s; the limit is ${LIMITS.maxSeconds} s.`,
    );
  }
  const minSamples = frameSamplesAt(sampleRate, minSamplesAtRate);
  if (n < minSamples) {
    const frameMs = (1000 * minSamplesAtRate.hop) / minSamplesAtRate.rate;
    throw new StudioError(
      'AUDIO_TOO_SHORT',
      `The clip has ${n} samples (${(seconds * 1000).toFixed(1)} ms) at ${sampleRate} Hz; ` +
        `one codec frame needs ${minSamples} samples (${frameMs.toFixed(1)} ms).`,
    );
  }
  let peak = 0;
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c];
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i];
      // NaN fails both comparisons; +-Infinity fails the first.
      if (!(v - v === 0)) {
        throw new StudioError(
          'AUDIO_INVALID_SAMPLES',
          `Channel ${c + 1} has the value ${v} at sample ${i} (${(i / sampleRate).toFixed(3)} s).`,
        );
      }
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
  }
  if (peak < LIMITS.silencePeak) {
    const db = peak > 0 ? `${(20 * Math.log10(peak)).toFixed(1)} dBFS` : 'digital zero';
    throw new StudioError(
      'AUDIO_SILENT',
      `The loudest sample is at ${db}; anything below -80 dBFS is treated as silence.`,
    );
  }
}
