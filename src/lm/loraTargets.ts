/**
 * Which weights LoRA adapts (no tfjs here: the UI imports it). Targets are PEFT-style module
 * suffixes matched against the Hugging Face weight names (lora.ts `planLora`); the groups below
 * bundle them the way the Train panel offers them.
 */
import type { LmConfig } from './config';

/** Default rank and alpha (the update is scaled by alpha / rank: twice the rank by default). */
export const DEFAULT_LORA_RANK = 16;
export const DEFAULT_LORA_ALPHA = 32;

export const LORA_TARGETS = [
  'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj',
  'encoder_attn.q_proj', 'encoder_attn.k_proj', 'encoder_attn.v_proj', 'encoder_attn.out_proj',
  'fc1', 'fc2',
  'enc_to_dec_proj', 'audio_enc_to_dec_proj', 'lm_heads', 'embed_tokens',
] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const matchers = LORA_TARGETS.map((t) => ({ t, re: new RegExp(`^(.*\\.)?${escape(t)}(\\.\\d+)?\\.weight$`) }));

/**
 * The target a Hugging Face weight name belongs to (`<…>.t.weight` or `<…>.t.<k>.weight`), or null
 * when LoRA cannot adapt it (norms, biases, position table).
 */
export function loraTargetOf(weightName: string): LoraTarget | null {
  return matchers.find(({ re }) => re.test(weightName))?.t ?? null;
}

type Conditioning = LmConfig['conditioning'];

/** The block projections only: self-attention, cross-attention (cross mode) and the FFN. */
export function blockTargets(cfg: Pick<LmConfig, 'conditioning'>): LoraTarget[] {
  return [...groupTargets('selfAttention', cfg.conditioning), ...groupTargets('crossAttention', cfg.conditioning), ...groupTargets('feedForward', cfg.conditioning)];
}

/**
 * Default targets, the small-data recipe of musicgen.md §1.6 (ylacombe/musicgen-dreamboothing):
 * the block projections plus the condition projection(s), the K heads and the K embeddings.
 */
export function defaultTargets(cfg: Pick<LmConfig, 'conditioning'>): LoraTarget[] {
  return LORA_GROUPS.flatMap((g) => groupTargets(g, cfg.conditioning));
}

/** The Train panel's target groups, in model order. */
export const LORA_GROUPS = ['selfAttention', 'crossAttention', 'feedForward', 'conditionProjection', 'outputHeads', 'embeddings'] as const;
export type LoraGroup = (typeof LORA_GROUPS)[number];

/** The targets of one group for a model of this conditioning ([] when the model has none: cross-attention in prefix mode). */
export function groupTargets(group: LoraGroup, conditioning: Conditioning): LoraTarget[] {
  switch (group) {
    case 'selfAttention': return ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj'];
    case 'crossAttention': return conditioning === 'cross' ? ['encoder_attn.q_proj', 'encoder_attn.k_proj', 'encoder_attn.v_proj', 'encoder_attn.out_proj'] : [];
    case 'feedForward': return ['fc1', 'fc2'];
    // Cross mode has no melody projection (its weight does not exist there).
    case 'conditionProjection': return conditioning === 'cross' ? ['enc_to_dec_proj'] : ['enc_to_dec_proj', 'audio_enc_to_dec_proj'];
    case 'outputHeads': return ['lm_heads'];
    case 'embeddings': return ['embed_tokens'];
  }
}

/** The groups a model of this conditioning has (all but cross-attention in prefix mode). */
export const availableGroups = (conditioning: Conditioning): LoraGroup[] => LORA_GROUPS.filter((g) => groupTargets(g, conditioning).length > 0);

/** Targets of several groups, in LORA_TARGETS order. */
export function targetsOfGroups(groups: readonly LoraGroup[], conditioning: Conditioning): LoraTarget[] {
  const chosen = new Set(groups.flatMap((g) => groupTargets(g, conditioning)));
  return LORA_TARGETS.filter((t) => chosen.has(t));
}
