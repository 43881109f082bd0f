import { downmix } from '../audio/downmix';

/**
 * Average of the channels (a copy), for the "as loaded" waveform and playback, and what the clip is
 * tokenized from: the engine's own fold-down (`downmix`, float64 sums), so tokenizing this mono
 * gives exactly the tokens of the channels.
 */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.every((c) => c.length === channels[0].length)) return downmix([...channels]);
  const n = channels.reduce((m, c) => Math.max(m, c.length), 0); // ragged (never from a decoder): pad with silence
  return downmix(channels.map((c) => (c.length === n ? c : padTo(c, n))));
}

function padTo(c: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  out.set(c);
  return out;
}

/** The distinct, transferable buffers behind some typed arrays (a buffer may back several). */
export function transferables(arrays: readonly Float32Array[]): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) set.add(a.buffer);
  return [...set];
}
