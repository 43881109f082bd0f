/** Loads the lm_tiny parity fixture (audiocraft 896ec7c4, see ./README.md) for the LM tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { fromHfConfig, type LmConfig } from '../config';
import type { Lm, LmCondition } from '../model';
import { loadLm } from '../weights';

const dir = fileURLToPath(new URL('.', import.meta.url));
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

type Nested = number | Nested[];
export const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
export const f32 = (x: Nested) => Float32Array.from(flat(x));

export const tinyConfigJson = json('lm_tiny_config.json');
export const caseFull = json('lm_tiny_case_full.json');
export const caseStreaming = json('lm_tiny_case_streaming.json');
export const tinyWeights = (): Uint8Array => new Uint8Array(readFileSync(join(dir, 'lm_tiny_weights.safetensors')));

export function tinyConfig(overrides: Partial<LmConfig> = {}): LmConfig {
  return fromHfConfig(tinyConfigJson.hf_decoder, overrides);
}

export function loadTiny(overrides: Partial<LmConfig> = {}, positions: 'file' | 'computed' = 'file'): Lm {
  return loadLm(tinyConfig(overrides), tinyWeights(), { positions });
}

/** sequence [2, 4, 9] int32 of case_full. */
export const tinySequence = () => tf.tensor3d(flat(caseFull.sequence), [2, 4, 9], 'int32');

/** cond (text rows) and null (zero states, zero mask) conditioning of case_full; caller disposes. */
export function tinyCond(which: 'cond' | 'null'): LmCondition {
  const states = which === 'cond' ? caseFull.text_states : caseFull.null_text_states;
  const mask = which === 'cond' ? caseFull.text_mask : caseFull.null_text_mask;
  return { textStates: tf.tensor3d(flat(states), [2, 5, 32]), textMask: tf.tensor2d(flat(mask), [2, 5]) };
}

export const disposeCond = (c: LmCondition) => tf.dispose([c.textStates, c.textMask, ...(c.chroma ? [c.chroma] : [])]);

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
