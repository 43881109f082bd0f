import { StudioError } from '../errors/StudioError';
import type { CodecSpec } from '../packs/manifest';
import { float32, int64, outputOf, type SessionRunner, type TensorMap } from '../runtime/sessionRunner';
import { framesForSamples, planChunks, type Chunk } from './frames';

export interface CodecCallOptions {
  signal?: AbortSignal;
  /** 0..1 over the whole call. */
  onProgress?: (fraction: number) => void;
}

/** Codes [K, T], row-major. */
export interface Codes {
  codes: Int32Array;
  k: number;
  t: number;
}

const DEFAULT_CHUNK_FRAMES = 1500;

/**
 * The decoder's running phases carried from one chunk to the next, for decoders that take them
 * (the bundled one: `phase_in` [B,D] and the chunk's first frame `frame_in` in, `band_phase` [B,T,D] out). Chunks are decoded in order; each
 * keeps its input frames' phases, and the next chunk starts from the row of its own first frame.
 */
export class DecoderPhase {
  private rows: Float32Array | null = null;
  private from = 0;
  private dims = 0;

  /** The phases at `frame` ([1, D]), or zeros ([1, 1]) when no chunk before reached it. */
  at(frame: number): { data: Float32Array; dims: number[] } {
    const i = frame - this.from;
    if (!this.rows || i < 0 || (i + 1) * this.dims > this.rows.length) return { data: new Float32Array(1), dims: [1, 1] };
    return { data: this.rows.slice(i * this.dims, (i + 1) * this.dims), dims: [1, this.dims] };
  }

  keep(from: number, rows: Float32Array, dims: number): void {
    this.rows = rows;
    this.from = from;
    this.dims = dims;
  }
}

function pick(names: readonly string[], wanted: string, role: string): string {
  if (names.includes(wanted)) return wanted;
  if (names.length === 1) return names[0];
  throw new StudioError('MODEL_INTERFACE', `the ${role} graph has no "${wanted}" (it has: ${names.join(', ')})`);
}

/**
 * The EnCodec interface over two injected sessions: encode `input_values [B,1,N]` ->
 * `audio_codes [1,B,K,T]`, decode `audio_codes` int64 `[1,B,K,T]` -> `audio_values [B,1,N]`.
 * Names are read from the sessions; all sizes come from the manifest's codec spec.
 */
export class Codec {
  private readonly encIn: string;
  private readonly encOut: string;
  private readonly hasPaddingMask: boolean;
  private readonly decIn: string;
  private readonly decOut: string;
  private readonly phaseState: boolean;

  constructor(readonly spec: CodecSpec, private readonly enc: SessionRunner, private readonly dec: SessionRunner,
    private readonly chunkFrames = DEFAULT_CHUNK_FRAMES) {
    this.hasPaddingMask = enc.inputNames.includes('padding_mask');
    this.encIn = pick(enc.inputNames.filter((n) => n !== 'padding_mask'), 'input_values', 'encoder');
    this.encOut = pick(enc.outputNames, 'audio_codes', 'encoder');
    this.decIn = pick(dec.inputNames.filter((n) => n !== 'phase_in' && n !== 'frame_in'), 'audio_codes', 'decoder');
    this.decOut = pick(dec.outputNames.filter((n) => n !== 'band_phase'), 'audio_values', 'decoder');
    this.phaseState = dec.inputNames.includes('phase_in') && dec.inputNames.includes('frame_in') && dec.outputNames.includes('band_phase');
  }

  /** Mono PCM at spec.sampleRate -> codes [K, T], T = ceil(N / hop). */
  async encode(pcm: Float32Array, opts: CodecCallOptions = {}): Promise<Codes> {
    const { hopLength: hop, codebooks: K, cardinality } = this.spec;
    const T = framesForSamples(pcm.length, hop);
    const codes = new Int32Array(K * T);
    const chunks = planChunks(T, this.chunkFrames, this.spec.contextFrames ?? 0);
    for (const [i, c] of chunks.entries()) {
      opts.signal?.throwIfAborted();
      const input = pcm.subarray(c.inFrom * hop, Math.min(pcm.length, c.inTo * hop));
      const feeds: TensorMap = { [this.encIn]: float32(input, [1, 1, input.length]) };
      if (this.hasPaddingMask) feeds.padding_mask = int64(new BigInt64Array(input.length).fill(1n), [1, input.length]);
      const out = outputOf(await this.enc.run(feeds), this.encOut, 'int64');
      const [one, b, k, t] = out.dims;
      const need = c.to - c.inFrom;
      if (out.dims.length !== 4 || one !== 1 || b !== 1 || k !== K || t < need) {
        throw new StudioError('MODEL_INTERFACE', `encoder returned audio_codes [${out.dims.join(', ')}], expected [1, 1, ${K}, >= ${need}]`);
      }
      for (let q = 0; q < K; q++) {
        for (let f = c.from; f < c.to; f++) {
          const v = Number(out.data[q * t + (f - c.inFrom)]);
          if (!(v >= 0 && v < cardinality)) throw new StudioError('MODEL_INTERFACE', `encoder produced token ${v}, outside 0..${cardinality - 1}`);
          codes[q * T + f] = v;
        }
      }
      opts.onProgress?.((i + 1) / chunks.length);
    }
    return { codes, k: K, t: T };
  }

  /** Codes [K, T] -> mono PCM at spec.sampleRate, T * hop samples. */
  async decode({ codes, k, t: T }: Codes, opts: CodecCallOptions = {}): Promise<Float32Array> {
    const { hopLength: hop, codebooks: K } = this.spec;
    if (k !== K || codes.length !== K * T) throw new StudioError('MODEL_INTERFACE', `decode got codes for ${k} x ${T}, the codec has ${K} codebooks`);
    const pcm = new Float32Array(T * hop);
    const chunks = this.decodePlan(T);
    const phase = new DecoderPhase();
    for (const [i, c] of chunks.entries()) {
      opts.signal?.throwIfAborted();
      pcm.set(await this.decodeChunk(codes, T, c, phase), c.from * hop);
      opts.onProgress?.((i + 1) / chunks.length);
    }
    return pcm;
  }

  /** The decoder's windows for T frames (`chunkFrames` each, default the codec's), with the spec's context. */
  decodePlan(T: number, chunkFrames = this.chunkFrames): Chunk[] {
    return planChunks(T, chunkFrames, this.spec.contextFrames ?? 0);
  }

  /**
   * PCM of frames [c.from, c.to) of codes [K, T]; reads only frames [c.inFrom, c.inTo). `phase`: the
   * running phases handed on from the chunk before (chunks in order), for decoders that take them.
   */
  async decodeChunk(codes: Int32Array, T: number, c: Chunk, phase?: DecoderPhase): Promise<Float32Array> {
    const { hopLength: hop, codebooks: K, cardinality } = this.spec;
    const n = c.inTo - c.inFrom;
    const data = new BigInt64Array(K * n);
    for (let q = 0; q < K; q++) {
      for (let f = 0; f < n; f++) {
        const v = codes[q * T + c.inFrom + f];
        if (!(v >= 0 && v < cardinality)) throw new StudioError('MODEL_INTERFACE', `token ${v} is outside 0..${cardinality - 1}`);
        data[q * n + f] = BigInt(v);
      }
    }
    const feeds: TensorMap = { [this.decIn]: int64(data, [1, 1, K, n]) };
    if (this.phaseState) {
      const p0 = (phase ?? new DecoderPhase()).at(c.inFrom);
      feeds.phase_in = float32(p0.data, p0.dims);
      feeds.frame_in = float32(Float32Array.of(c.inFrom), [1]);
    }
    const result = await this.dec.run(feeds);
    if (this.phaseState && phase) {
      const bands = outputOf(result, 'band_phase', 'float32');
      phase.keep(c.inFrom, bands.data, bands.dims[bands.dims.length - 1]);
    }
    const out = outputOf(result, this.decOut, 'float32');
    const len = out.dims[out.dims.length - 1];
    const start = (c.from - c.inFrom) * hop;
    const count = (c.to - c.from) * hop;
    if (out.dims.length !== 3 || len < start + count) {
      throw new StudioError('MODEL_INTERFACE', `decoder returned audio_values [${out.dims.join(', ')}], expected [1, 1, >= ${start + count}]`);
    }
    return out.data.subarray(start, start + count);
  }
}
