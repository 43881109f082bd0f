import { DecoderPhase, type Codec } from './encodec';
import type { Chunk } from './frames';

/**
 * Decodes a take while the LM is still writing it. The LM samples one delayed column at a time
 * (column c holds frame c - q - 1 of codebook q), so after column c every frame below c - K + 1 is
 * final; each decoder window starts as soon as its last input frame is, and runs (in the ORT
 * worker) while the LM goes on. The windows are the codec's own chunking (context from the spec), decoded in order with the decoder's running phases handed on from each to the
 * next, so the audio equals `codec.decode` of the finished codes (up to float rounding).
 */
export class StreamingDecoder {
  private readonly codes: Int32Array; // [K, T]
  private readonly pcm: Float32Array;
  private readonly chunks: Chunk[];
  private next = 0; // first window not started
  private work: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;
  private readonly phase = new DecoderPhase(); // the decoder's running phases, window to window

  /**
   * `prompt`: codes [K, P] known before generation (a continuation). `chunkFrames`: window size;
   * the default suits streaming: about 5 s, at least 4x the context.
   * `onWindow`: each window's audio as soon as it is decoded, in order (`from`: its first sample),
   * for listening while the take is generated.
   */
  constructor(
    private readonly codec: Codec,
    private readonly T: number,
    prompt?: { codes: Int32Array; frames: number },
    chunkFrames = streamChunkFrames(codec),
    private readonly onWindow?: (from: number, pcm: Float32Array) => void,
  ) {
    const K = codec.spec.codebooks;
    this.codes = new Int32Array(K * T).fill(-1);
    this.pcm = new Float32Array(T * codec.spec.hopLength);
    this.chunks = codec.decodePlan(T, chunkFrames);
    if (prompt) for (let q = 0; q < K; q++) this.codes.set(prompt.codes.subarray(q * prompt.frames, (q + 1) * prompt.frames), q * T);
  }

  /** One sampled delayed column of a single-row generation: tokens [K]. */
  column(c: number, tokens: Int32Array): void {
    const { T } = this;
    const K = this.codec.spec.codebooks;
    for (let q = 0; q < K; q++) {
      const f = c - q - 1;
      if (f >= 0 && f < T) this.codes[q * T + f] = tokens[q];
    }
    this.startReady(Math.min(T, c - K + 1));
  }

  /** The whole take's audio: the remaining windows decoded from the finished codes [K, T]. */
  async finish(codes: Int32Array, signal?: AbortSignal): Promise<Float32Array> {
    this.codes.set(codes);
    this.startReady(this.T, signal);
    await this.work;
    if (this.failure) throw this.failure.error;
    return this.pcm;
  }

  /** Waits for windows already running (after a failed or stopped generation), ignoring their errors. */
  async abandon(): Promise<void> {
    this.next = this.chunks.length;
    await this.work;
  }

  private startReady(complete: number, signal?: AbortSignal): void {
    while (this.next < this.chunks.length && this.chunks[this.next].inTo <= complete) {
      const c = this.chunks[this.next++];
      this.work = this.work.then(async () => {
        if (this.failure) return;
        try {
          signal?.throwIfAborted();
          const audio = await this.codec.decodeChunk(this.codes, this.T, c, this.phase);
          this.pcm.set(audio, c.from * this.codec.spec.hopLength);
          this.onWindow?.(c.from * this.codec.spec.hopLength, audio);
        } catch (error) {
          this.failure = { error };
        }
      });
    }
  }
}

/** About 5 s per window (at least 4x the context). */
export function streamChunkFrames(codec: Codec): number {
  const { frameRate, contextFrames = 0 } = codec.spec;
  const want = Math.max(Math.round(5 * frameRate), 4 * contextFrames);
  return want;
}
