import type { Key } from './theory';

/**
 * Key/tempo combinations kept out of training, so an evaluation can prompt for pairs the model
 * never heard together. Tempo is split into six 20-bpm bands (60–79 … 160–180); each of the
 * 24 keys withholds one band, a different one for neighbouring keys: 24 of 144 combinations.
 */
export const TEMPO_BANDS = 6;

export function tempoBand(bpm: number): number {
  return Math.max(0, Math.min(TEMPO_BANDS - 1, Math.floor((bpm - 60) / 20)));
}

export function heldOutBand(key: Key): number {
  const index = key.tonic + (key.mode === 'minor' ? 12 : 0);
  return (index * 5 + 2) % TEMPO_BANDS;
}

export function isHeldOutCombination(key: Key, bpm: number): boolean {
  return tempoBand(bpm) === heldOutBand(key);
}
