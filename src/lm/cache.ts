/**
 * Incremental decoding: a preallocated self-attention KV cache, so each generated column costs one
 * forward over one position. Cross-attention K/V (or the melody prefix) are computed once, here.
 *
 * The cache has a fixed shape [B, H, N, D] per block (N = prefix + maxLen) for its whole life:
 * new keys are written with a `where` over a time mask and attention runs over all N slots with
 * the unwritten ones masked. Static shapes let the WebGPU buffer pool reuse memory every step
 * (musicgen.md §8); the price is O(N) work per step, which a custom append kernel can remove later.
 */
import * as tf from '@tensorflow/tfjs';
import { headDim } from './config';
import {
  causalBias,
  disposeCondState,
  embedCodes,
  encodeCondition,
  lmHeads,
  positionSlice,
  runBlocks,
  type CondState,
  type Lm,
  type LmCondition,
} from './model';

export interface KvCache {
  readonly batch: number;
  readonly capacity: number; // N = prefix + maxLen positions
  readonly prefixLength: number; // P
  /** Positions written so far (prefix included): the next input column sits at this position. */
  length: number;
  ctx: CondState; // projected conditioning, computed once
  k: tf.Tensor4D[]; // per block [B, H, N, D]
  v: tf.Tensor4D[]; // per block [B, H, N, D]
  keyBias: tf.Tensor4D | null; // [B, 1, 1, N] masks padded prefix keys (prefix mode)
}

/** Allocate a cache for `maxLen` sequence columns and run the conditioning (and any prefix) once. */
export function createCache(lm: Lm, cond: LmCondition, maxLen: number): KvCache {
  const cfg = lm.config;
  const B = cond.textMask.shape[0];
  const ctx = encodeCondition(lm, cond);
  const P = ctx.prefix ? ctx.prefix.shape[1] : 0;
  const N = P + maxLen;
  if (N > cfg.maxPositions) {
    disposeCondState(ctx);
    throw new RangeError(`LM cache: ${P} prefix + ${maxLen} columns exceed maxPositions ${cfg.maxPositions}`);
  }
  const zeros = () => tf.zeros([B, cfg.heads, N, headDim(cfg)]) as tf.Tensor4D; // [B, H, N, D]
  const cache: KvCache = {
    batch: B,
    capacity: N,
    prefixLength: P,
    length: 0,
    ctx,
    k: lm.params.blocks.map(zeros),
    v: lm.params.blocks.map(zeros),
    keyBias: ctx.prefixBias ? (tf.pad(ctx.prefixBias, [[0, 0], [0, 0], [0, 0], [0, maxLen]]) as tf.Tensor4D) : null, // [B, 1, 1, N]
  };
  if (ctx.prefix) tf.dispose(advance(lm, ctx.prefix, cache)); // fill the cache with the prefix, drop its outputs
  return cache;
}

/** Run L new positions (x [B, L, d], no positions yet) through the blocks, writing their K/V: -> hidden [B, L, d]. */
function advance(lm: Lm, x: tf.Tensor3D, cache: KvCache): tf.Tensor3D {
  const [B, L] = x.shape;
  const { length: offset, capacity: N } = cache;
  if (B !== cache.batch) throw new RangeError(`LM cache: batch ${B}, cache was made for ${cache.batch}`);
  if (offset + L > N) throw new RangeError(`LM cache: ${offset + L} positions exceed the capacity ${N}`);
  const newK: tf.Tensor4D[] = [];
  const newV: tf.Tensor4D[] = [];
  const hidden = tf.tidy(() => {
    const h = x.add(positionSlice(lm, offset, L)); // [B, L, d]
    let bias: tf.Tensor = causalBias(offset, L, N); // [1, 1, L, N] (also hides unwritten slots > offset + i)
    if (cache.keyBias) bias = bias.add(cache.keyBias); // [B, 1, L, N]
    const t = tf.range(0, N, 1, 'int32'); // [N]
    const slot = tf.logicalAnd(tf.greaterEqual(t, offset), tf.less(t, offset + L)).reshape([1, 1, N, 1]); // [1, 1, N, 1]
    const write = (old: tf.Tensor4D, fresh: tf.Tensor4D) => {
      const padded = tf.pad(fresh, [[0, 0], [0, 0], [offset, N - offset - L], [0, 0]]); // [B, H, N, D]
      return tf.keep(tf.where(tf.broadcastTo(slot, old.shape), padded, old)) as tf.Tensor4D; // [B, H, N, D]
    };
    return runBlocks(lm, h, cache.ctx, bias, (i, k, v) => {
      newK[i] = write(cache.k[i], k);
      newV[i] = write(cache.v[i], v);
      return { k: newK[i], v: newV[i] };
    });
  });
  tf.dispose([...cache.k, ...cache.v]);
  cache.k = newK;
  cache.v = newV;
  cache.length = offset + L;
  return hidden;
}

/** Feed L columns: codes [B, K, L] int32 -> logits [B, K, L, card]. */
export function extend(lm: Lm, codes: tf.Tensor3D, cache: KvCache): tf.Tensor4D {
  const x = tf.tidy(() => embedCodes(lm, codes)); // [B, L, d]
  try {
    const h = advance(lm, x, cache); // [B, L, d]
    const logits = tf.tidy(() => lmHeads(lm, h)); // [B, K, L, card]
    h.dispose();
    return logits;
  } finally {
    x.dispose();
  }
}

/** Feed one column: codes [B, K, 1] int32 -> logits [B, K, card]. */
export function step(lm: Lm, codes: tf.Tensor3D, cache: KvCache): tf.Tensor3D {
  const logits = extend(lm, codes, cache); // [B, K, 1, card]
  const out = logits.squeeze([2]) as tf.Tensor3D; // [B, K, card]
  logits.dispose();
  return out;
}

export function disposeCache(cache: KvCache): void {
  tf.dispose([...cache.k, ...cache.v]);
  if (cache.keyBias) cache.keyBias.dispose();
  disposeCondState(cache.ctx);
  cache.k = [];
  cache.v = [];
}
