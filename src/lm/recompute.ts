/**
 * Activation recomputation (gradient checkpointing) for training: each block runs as one custom
 * op whose forward keeps only its output, and whose backward runs the block again under tf.grads.
 * tfjs's autodiff otherwise keeps every intermediate of every block until the backward pass
 * (about 130 floats per model width per position per layer, memory.ts); with this, one block's
 * worth at a time plus each block's input. Same ops on the same inputs: same loss and gradients.
 *
 * The op's inputs are what gradients must reach: x, the block's cross-attention K/V (they depend
 * on the text projection) and the block's trainable tensors: its adapters' A and B with LoRA
 * (the frozen weights are closed over), else every weight of the block.
 */
import * as tf from '@tensorflow/tfjs';
import { block, type Block, type BlockRunner, type LowRank } from './model';

/**
 * The weights `block` reads, in a fixed order, and the block rebuilt from such a list. The
 * cross-attention's k and v are not among them: they act on the text, before the blocks run.
 */
function weightsOf(b: Block): tf.Tensor[] {
  const norm = (n?: Block['norm1']) => (n ? [n.weight, n.bias] : []);
  const { selfAttn: s, crossAttn: c } = b;
  return [...norm(b.norm1), s.q, s.k, s.v, s.o, ...norm(b.normCross), ...(c ? [c.q, c.o] : []), ...norm(b.norm2), b.fc1, b.fc2];
}

function withWeights(b: Block, w: tf.Tensor[]): Block {
  let i = 0;
  const next = () => w[i++] as tf.Variable;
  const norm = () => ({ weight: next(), bias: next() });
  const norm1 = norm();
  const selfAttn = { q: next(), k: next(), v: next(), o: next() };
  const normCross = b.normCross ? norm() : undefined;
  const crossAttn = b.crossAttn ? { q: next(), k: b.crossAttn.k, v: b.crossAttn.v, o: next() } : undefined;
  return { norm1, selfAttn, normCross, crossAttn, norm2: norm(), fc1: next(), fc2: next() };
}

/**
 * tf.grads inside another gradient's backward pass. The outer pass has already closed its tape
 * (gradient depth 0), so the inner call starts a fresh one and, when done, frees its saved
 * tensors and clears the engine's active tape, which the outer pass still has to clean up at its
 * end: keep the outer tape and put it back.
 */
function innerGrads<T>(f: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outer = state.activeTape;
  try {
    return f();
  } finally {
    state.activeTape = outer;
  }
}

export const recomputeBlocks: BlockRunner = (lm, i, x, ctx, selfBias) => {
  const b = lm.params.blocks[i];
  const weights = weightsOf(b);
  const adapted = lm.adapters ? weights.filter((w) => lm.adapters!.get(w)) : [];
  const trainable = lm.adapters ? adapted.flatMap((w) => [lm.adapters!.get(w)!.a, lm.adapters!.get(w)!.b]) : weights;
  const cross = ctx.cross[i] ?? null;
  const inputs = [x, ...(cross ? [cross.k, cross.v] : []), ...trainable];

  // Masks are not differentiated but must outlive the forward's scope too: saved with the inputs.
  const masks = [selfBias, ctx.crossBias];

  // The block as a function of `inputs` (same order), for the forward and for its gradient.
  const run = (args: tf.Tensor[], [sb, cb]: Array<tf.Tensor | null>): tf.Tensor => {
    const [x0, ...rest] = args;
    const c = cross ? { k: rest[0] as tf.Tensor4D, v: rest[1] as tf.Tensor4D } : null;
    const own = rest.slice(cross ? 2 : 0);
    if (!lm.adapters) return block(lm, withWeights(b, own), x0, c, cb, sb, null);
    const adapters = new Map<tf.Tensor, LowRank>(lm.adapters);
    adapted.forEach((w, j) => adapters.set(w, { ...lm.adapters!.get(w)!, a: own[2 * j], b: own[2 * j + 1] })); // scale and dropout seed kept: the same masks
    return block({ ...lm, adapters }, b, x0, c, cb, sb, null);
  };

  const op = tf.customGrad((...args: unknown[]) => {
    const ins = args.slice(0, inputs.length) as tf.Tensor[];
    const save = args[inputs.length] as tf.GradSaveFunc;
    // The forward's scope frees its tensors (x and the masks included) before the backward runs.
    save([...ins, ...masks.filter((m): m is tf.Tensor => m !== null)]);
    return {
      value: tf.tidy(() => run(ins, masks)), // intermediates freed now; the backward makes them again
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const rest = saved.slice(inputs.length);
        const kept = masks.map((m) => (m ? rest.shift()! : null));
        return innerGrads(() => tf.grads((...a: tf.Tensor[]) => run(a, kept))(saved.slice(0, inputs.length), dy as tf.Tensor));
      },
    };
  });
  return (op as (...t: tf.Tensor[]) => tf.Tensor)(...inputs); // [B, L, d]
};
