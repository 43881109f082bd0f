/**
 * Chunking for long audio: the codec graphs run on windows of at most `chunkFrames` frames,
 * each widened by `context` frames on both sides (clamped to the signal) so every kept frame
 * sees the same neighbourhood it would see in one long run. Pure arithmetic.
 */
export interface Chunk {
  /** Frames [from, to) this chunk contributes. */
  from: number;
  to: number;
  /** Frames [inFrom, inTo) fed to the graph (from/to plus context). */
  inFrom: number;
  inTo: number;
}

export function planChunks(totalFrames: number, chunkFrames: number, context: number): Chunk[] {
  if (!(chunkFrames > 0) || context < 0) throw new Error('planChunks: chunkFrames must be > 0, context >= 0');
  const out: Chunk[] = [];
  for (let from = 0; from < totalFrames; from += chunkFrames) {
    const to = Math.min(totalFrames, from + chunkFrames);
    const inFrom = Math.max(0, from - context);
    out.push({ from, to, inFrom, inTo: Math.min(totalFrames, to + context) });
  }
  return out;
}

/** Frames for n samples: the codec pads the tail up to a whole frame. */
export function framesForSamples(n: number, hop: number): number {
  return Math.ceil(n / hop);
}
