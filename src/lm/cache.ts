/**
 * Incremental decoding: a self-attention KV cache, so each generated column costs one forward over
 * one position. Cross-attention K/V (or the melody prefix) are computed once, here.
 *
 * Two layouts, same results (tested against the full forward):
 * - 'grow' (CPU, WASM): K/V are [B, H, n, D] with n = positions written so far; a step appends its
 *   column with one concat and attends over exactly n keys, with no mask for a single query. One
 *   copy of the cache per step is the whole bookkeeping cost.
 * - 'static' (WebGPU, WebGL): K/V are preallocated [B, H, N, D] (N = prefix + maxLen) for the
 *   cache's whole life; a step blends its column into slot `offset` (old + slot * (new - old),
 *   exact because unwritten slots hold zeros) and attends over all N slots with the unwritten ones
 *   masked. Static shapes let the GPU buffer pool reuse memory every step (musicgen.md §8), where
 *   a growing tensor would leave one pooled buffer per length behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beatInput } from './beatClock';
import { headDim } from './config';
import {
  causalBias,
  denseWeight,
  disposeCondState,
  embedCodes,
  encodeCondition,
  positionSlice,
  runBlocks,
  type CondState,
  type Lm,
  type LmCondition,
} from './model';

export type CacheLayout = 'grow' | 'static';

export interface KvCache {
  readonly layout: CacheLayout;
  readonly batch: number;
  readonly capacity: number; // N = prefix + maxLen positions
  readonly prefixLength: number; // P
  /** Positions written so far (prefix included): the next input column sits at this position. */
  length: number;
  ctx: CondState; // projected conditioning, computed once
  k: tf.Tensor4D[]; // per block [B, H, N, D] (static) or [B, H, length, D] (grow; empty before the first write)
  v: tf.Tensor4D[]; // same
  keyBias: tf.Tensor4D | null; // [B, 1, 1, P] masks padded prefix keys (prefix mode); [B, 1, 1, N] when static
  /** The K heads side by side, transposed: [d, K * card]. One plain matmul per step instead of K transposed ones (7x faster on WASM). */
  heads: tf.Tensor2D;
  /** The beat clock's input vectors per sequence column [B, maxLen, d] (beatClock.ts); null without a clock. */
  clock: tf.Tensor3D | null;
}

/** The layout that suits the active tfjs backend. */
export function defaultLayout(): CacheLayout {
  const backend = tf.getBackend();
  return backend === 'webgpu' || backend === 'webgl' ? 'static' : 'grow';
}

/** Allocate a cache for `maxLen` sequence columns and run the conditioning (and any prefix) once. */
export function createCache(lm: Lm, cond: LmCondition, maxLen: number, layout: CacheLayout = defaultLayout()): KvCache {
  const cfg = lm.config;
  const B = cond.textMask.shape[0];
  const ctx = encodeCondition(lm, cond);
  const P = ctx.prefix ? ctx.prefix.shape[1] : 0;
  const N = P + maxLen;
  if (N > cfg.maxPositions) {
    disposeCondState(ctx);
    throw new RangeError(`LM cache: ${P} prefix + ${maxLen} columns exceed maxPositions ${cfg.maxPositions}`);
  }
  const slots = layout === 'static' ? N : 0;
  const empty = () => tf.zeros([B, cfg.heads, slots, headDim(cfg)]) as tf.Tensor4D; // [B, H, slots, D]
  const keyBias = !ctx.prefixBias ? null
    : layout === 'static' ? (tf.pad(ctx.prefixBias, [[0, 0], [0, 0], [0, 0], [0, maxLen]]) as tf.Tensor4D) // [B, 1, 1, N]
      : tf.clone(ctx.prefixBias); // [B, 1, 1, P]
  const heads = tf.tidy(() => tf.concat(lm.params.heads.map((w) => denseWeight(lm, w)), 0).transpose() as tf.Tensor2D); // [d, K * card] (adapters folded in)
  const clock = beatInput(lm, cond.beat, 0, maxLen); // [B, maxLen, d] or null
  const cache: KvCache = { layout, batch: B, capacity: N, prefixLength: P, length: 0, ctx, k: lm.params.blocks.map(empty), v: lm.params.blocks.map(empty), keyBias, heads, clock };
  if (ctx.prefix) tf.dispose(advance(lm, ctx.prefix, cache)); // fill the cache with the prefix, drop its outputs
  return cache;
}

/** Attention bias for L queries at `offset` over the keys the layout holds (null = nothing to mask). */
function selfBias(cache: KvCache, offset: number, L: number): tf.Tensor | null {
  const keys = cache.layout === 'static' ? cache.capacity : offset + L;
  let bias: tf.Tensor | null = cache.layout === 'static' || L > 1 ? causalBias(offset, L, keys) : null; // [1, 1, L, keys]
  if (cache.keyBias) {
    const kb = cache.layout === 'static' ? cache.keyBias : tf.pad(cache.keyBias, [[0, 0], [0, 0], [0, 0], [0, keys - cache.prefixLength]]); // [B, 1, 1, keys]
    bias = bias ? bias.add(kb) : kb; // [B, 1, L, keys]
  }
  return bias;
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
    const bias = selfBias(cache, offset, L);
    let write: (old: tf.Tensor4D, fresh: tf.Tensor4D) => tf.Tensor4D;
    if (cache.layout === 'grow') {
      write = (old, fresh) => tf.keep(offset === 0 ? tf.clone(fresh) : tf.concat([old, fresh], 2)) as tf.Tensor4D; // [B, H, offset + L, D]
    } else {
      const t = tf.range(0, N, 1, 'int32'); // [N]
      const slot = tf.logicalAnd(tf.greaterEqual(t, offset), tf.less(t, offset + L)).toFloat().reshape([1, 1, N, 1]); // [1, 1, N, 1]
      write = (old, fresh) => {
        const wide = L === 1 ? fresh : tf.pad(fresh, [[0, 0], [0, 0], [offset, N - offset - L], [0, 0]]); // [B, H, 1 or N, D]
        return tf.keep(old.add(slot.mul(wide.sub(old)))) as tf.Tensor4D; // [B, H, N, D]
      };
    }
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

/** The input of L new sequence columns: their codes' embeddings plus, with a clock, its vectors: [B, L, d]. */
function columnsIn(lm: Lm, codes: tf.Tensor3D, cache: KvCache): tf.Tensor3D {
  return tf.tidy(() => {
    const x = embedCodes(lm, codes, false); // [B, L, d]
    if (!cache.clock) return x;
    const [B, , L] = codes.shape;
    return x.add(cache.clock.slice([0, cache.length - cache.prefixLength, 0], [B, L, -1])) as tf.Tensor3D; // [B, L, d]
  });
}

/** Write L columns' K/V without computing their logits: codes [B, K, L] int32 (a prompt). */
export function fill(lm: Lm, codes: tf.Tensor3D, cache: KvCache): void {
  const x = columnsIn(lm, codes, cache); // [B, L, d]
  try {
    advance(lm, x, cache).dispose();
  } finally {
    x.dispose();
  }
}

/** Feed L columns: codes [B, K, L] int32 -> logits [B, K, L, card]. */
export function extend(lm: Lm, codes: tf.Tensor3D, cache: KvCache): tf.Tensor4D {
  const x = columnsIn(lm, codes, cache); // [B, L, d]
  try {
    const h = advance(lm, x, cache); // [B, L, d]
    const logits = tf.tidy(() => {
      const [B, L, d] = h.shape;
      const { codebooks: K, card } = lm.config;
      const flat = tf.matMul(h.reshape([B * L, d]), cache.heads); // [B * L, K * card]
      return flat.reshape([B, L, K, card]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // [B, K, L, card]
    });
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
  cache.heads.dispose();
  cache.clock?.dispose();
  disposeCondState(cache.ctx);
  cache.k = [];
  cache.v = [];
}
