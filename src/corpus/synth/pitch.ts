/** Equal temperament at A4 = 440 Hz. */
export function midiHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}
