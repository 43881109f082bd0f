import { StudioError } from '../errors/StudioError';

/**
 * Mono as the mean of all channels (1, 2, 6, 8, ...), the same fold-down as audiocraft's
 * `convert_audio_channels` (`wav.mean(dim=-2)`). Always returns a new array.
 */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) throw new StudioError('INTERNAL', 'There are no channels to downmix.');
  const n = channels[0].length;
  channels.forEach((ch, i) => {
    if (ch.length !== n) {
      throw new StudioError('INTERNAL', `Channel ${i + 1} has ${ch.length} samples but channel 1 has ${n}.`);
    }
  });
  if (channels.length === 1) return channels[0].slice();
  // Sum in double precision, then scale once.
  const acc = new Float64Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) acc[i] += ch[i];
  const out = new Float32Array(n);
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] = acc[i] * scale;
  return out;
}
