/**
 * Which tensors of a Hugging Face MusicgenForConditionalGeneration checkpoint our LM needs, with
 * the shapes the manifest's LM config implies, so a wrong checkpoint is refused after reading its
 * header and before gigabytes are downloaded. The names follow src/lm/weights.ts (the loader,
 * which checks them again); lmTensors.test.ts keeps the two in step.
 */
import { StudioError } from '../errors/StudioError';
import { BEAT_FEATURES, BEAT_PROJ_NAME, KEY_FEATURES, KEY_PROJ_NAME } from '../lm/beatClock';
import type { LmConfig } from '../lm/config';
import type { TensorEntry } from './safetensorsRange';

const D = 'decoder.model.decoder';
/** The sinusoid table HF checkpoints carry; optional (the LM can compute it). */
export const LM_POSITIONS = `${D}.embed_positions.weights`;
/** Name prefixes of everything the LM reads from a full MusicGen checkpoint. */
export const LM_TENSOR_PREFIXES = ['decoder.', 'enc_to_dec_proj.', 'audio_enc_to_dec_proj.'] as const;

/** Every tensor the LM needs (name -> shape, torch layout), for `cfg`. */
export function expectedLmTensors(cfg: LmConfig): Map<string, number[]> {
  const { dim: d, ffn, card, codebooks: K, layers, textDim, chromaBins } = cfg;
  const m = new Map<string, number[]>();
  const norm = (n: string) => { m.set(`${n}.weight`, [d]); m.set(`${n}.bias`, [d]); };
  const attn = (n: string) => { for (const p of ['q', 'k', 'v', 'out']) m.set(`${n}.${p}_proj.weight`, [d, d]); };
  for (let k = 0; k < K; k++) m.set(`${D}.embed_tokens.${k}.weight`, [card + 1, d]);
  for (let i = 0; i < layers; i++) {
    const L = `${D}.layers.${i}`;
    norm(`${L}.self_attn_layer_norm`);
    attn(`${L}.self_attn`);
    if (cfg.conditioning === 'cross') {
      norm(`${L}.encoder_attn_layer_norm`);
      attn(`${L}.encoder_attn`);
    }
    norm(`${L}.final_layer_norm`);
    m.set(`${L}.fc1.weight`, [ffn, d]);
    m.set(`${L}.fc2.weight`, [d, ffn]);
  }
  norm(`${D}.layer_norm`);
  for (let k = 0; k < K; k++) m.set(`decoder.lm_heads.${k}.weight`, [card, d]);
  m.set('enc_to_dec_proj.weight', [d, textDim]);
  m.set('enc_to_dec_proj.bias', [d]);
  if (cfg.conditioning === 'prefix') {
    m.set('audio_enc_to_dec_proj.weight', [d, chromaBins]);
    m.set('audio_enc_to_dec_proj.bias', [d]);
  }
  if (cfg.beatClock) m.set(BEAT_PROJ_NAME, [d, BEAT_FEATURES]); // the bundled LM's beat clock (not in MusicGen)
  if (cfg.keyChannel) m.set(KEY_PROJ_NAME, [d, KEY_FEATURES]); // and its key input
  return m;
}

const LOADABLE = new Set(['F32', 'F16', 'BF16']);

function layerCount(names: Iterable<string>): number {
  let n = 0;
  for (const name of names) {
    const m = /^decoder\.model\.decoder\.layers\.(\d+)\./.exec(name);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * Picks the LM's tensors out of a checkpoint header and checks them against `cfg`: every expected
 * name present (the beat clock may be missing, as loadLm allows) with its exact shape and a float
 * dtype, nothing unexpected under the LM's prefixes.
 * Throws WEIGHTS_MISMATCH with the first problems found; returns the entries to fetch.
 */
export function selectLmTensors(cfg: LmConfig, entries: readonly TensorEntry[]): TensorEntry[] {
  const want = expectedLmTensors(cfg);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const problems: string[] = [];
  const layersIn = layerCount(byName.keys());
  if (layersIn !== cfg.layers) problems.push(`the checkpoint has ${layersIn} decoder layers, the manifest's config has ${cfg.layers}`);
  const out: TensorEntry[] = [];
  for (const [name, shape] of want) {
    const e = byName.get(name);
    if (!e && (name === BEAT_PROJ_NAME || name === KEY_PROJ_NAME)) continue; // as loadLm: a file without a clock loads with it at zero
    if (!e) problems.push(`missing ${name}`);
    else if (e.shape.length !== shape.length || e.shape.some((v, i) => v !== shape[i])) problems.push(`${name} is [${e.shape}], the config wants [${shape}]`);
    else if (!LOADABLE.has(e.dtype)) problems.push(`${name} is ${e.dtype}; only F32, F16 and BF16 load`);
    else out.push(e);
  }
  const pos = byName.get(LM_POSITIONS);
  if (pos) {
    if (pos.shape.length === 2 && pos.shape[1] === cfg.dim && LOADABLE.has(pos.dtype)) out.push(pos);
    else problems.push(`${LM_POSITIONS} is ${pos.dtype} [${pos.shape}], expected [n, ${cfg.dim}]`);
  }
  const unexpected = entries.filter((e) => LM_TENSOR_PREFIXES.some((p) => e.name.startsWith(p)) && !want.has(e.name) && e.name !== LM_POSITIONS);
  if (unexpected.length) problems.push(`unexpected ${unexpected.slice(0, 3).map((e) => e.name).join(', ')}${unexpected.length > 3 ? ` and ${unexpected.length - 3} more` : ''}`);
  if (problems.length) {
    throw new StudioError('WEIGHTS_MISMATCH', `${problems.slice(0, 4).join('; ')}${problems.length > 4 ? ` (${problems.length} problems)` : ''}`);
  }
  return out.sort((a, b) => a.start - b.start);
}
