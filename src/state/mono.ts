/** Average of the channels (a copy), for the "as loaded" waveform and playback. */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  const n = channels.reduce((m, c) => Math.max(m, c.length), 0);
  const out = new Float32Array(n);
  if (channels.length === 0) return out;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) out[i] += ch[i];
  }
  if (channels.length > 1) {
    const g = 1 / channels.length;
    for (let i = 0; i < n; i++) out[i] *= g;
  }
  return out;
}

/** The distinct, transferable buffers behind some typed arrays (a buffer may back several). */
export function transferables(arrays: readonly Float32Array[]): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) set.add(a.buffer);
  return [...set];
}
