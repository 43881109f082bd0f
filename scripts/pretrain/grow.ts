/**
 * Function-preserving depth growth: an LM with more blocks that computes exactly what the smaller
 * one computes, so pretraining can go on with more capacity without starting over.
 *
 * The first `lm.config.layers` blocks, the embeddings, the final norm, the heads and the text
 * projection are copied; each new block is appended on top with seeded weights and its three
 * residual outputs (self-attention out_proj, cross-attention out_proj, fc2) at zero. A pre-norm
 * block whose outputs are zero adds nothing to the residual stream: the grown LM's logits equal
 * the original's. The zero projections get gradients from the first step (their inputs are the
 * new block's non-zero attention and FFN activations), the rest of the new block from the second.
 */
import * as tf from '@tensorflow/tfjs';
import { initLm, type Lm } from '../../src/lm/index.ts';

const RESIDUAL_OUTPUTS = ['self_attn.out_proj.weight', 'encoder_attn.out_proj.weight', 'fc2.weight'];

/**
 * A new LM that also takes a beat clock (src/lm/beatClock.ts): the same weights plus `beat_proj` at
 * zero, so it computes exactly what `lm` computes until the clock's weight trains. `lm` is left as it is.
 */
export function withBeatClock(lm: Lm): Lm {
  if (lm.config.beatClock) throw new Error('withBeatClock: the LM already has a beat clock');
  return copiedInto(lm, initLm({ ...lm.config, beatClock: true }, 0));
}

/** A new LM that also takes a key (`key_proj` at zero, beatClock.ts); as withBeatClock. */
export function withKeyChannel(lm: Lm): Lm {
  if (lm.config.keyChannel) throw new Error('withKeyChannel: the LM already takes a key');
  return copiedInto(lm, initLm({ ...lm.config, keyChannel: true }, 0));
}

/** `out` with every weight `lm` has copied in and the rest at zero. */
function copiedInto(lm: Lm, out: Lm): Lm {
  for (const [name, v] of out.named) {
    const old = lm.named.get(name);
    if (old) v.assign(old);
    else tf.tidy(() => v.assign(tf.zerosLike(v)));
  }
  return out;
}

/** A new LM with `layers` blocks (more than `lm` has); `lm` is left as it is (the caller disposes it). */
export function growLm(lm: Lm, layers: number, seed: number): Lm {
  const from = lm.config.layers;
  if (!Number.isInteger(layers) || layers <= from) throw new Error(`growLm: ${layers} layers is not more than the LM's ${from}`);
  const grown = initLm({ ...lm.config, layers }, seed);
  for (const [name, v] of grown.named) {
    const old = lm.named.get(name);
    if (old) {
      if (old.shape.join() !== v.shape.join()) throw new Error(`growLm: ${name} is [${old.shape}] in the LM, [${v.shape}] grown`);
      v.assign(old);
    } else if (RESIDUAL_OUTPUTS.some((suffix) => name.endsWith(`.${suffix}`))) {
      tf.tidy(() => v.assign(tf.zerosLike(v)));
    }
  }
  return grown;
}
