/**
 * AdamW (Loshchilov & Hutter; torch.optim.AdamW) over named tf.Variables, with decoupled
 * weight decay and a serialisable state (first/second moments per name and the update count).
 *
 * One update with gradient g, learning rate lr, count t (1-based after the increment):
 *   p <- p * (1 - lr * wd)                       (only for names `decays(name)` accepts)
 *   m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g²
 *   p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * Defaults are audiocraft's MusicGen solver (musicgen.md §1.6): betas (0.9, 0.95), eps 1e-8, wd 0.1.
 *
 * Weight decay choice: audiocraft builds a single parameter group (`get_optim_parameter_groups`;
 * the transformer only adds its own group when a per-transformer lr / weight_decay is configured,
 * which MusicGen does not), so it decays every tensor, LayerNorms and biases included. We follow
 * the common transformer practice instead and do NOT decay LayerNorm weights/biases or any bias
 * (`decayMatricesOnly`): pulling LayerNorm gains towards 0 only hurts a small fine-tune. Pass
 * `decays: () => true` to reproduce audiocraft exactly. Embeddings and heads are decayed.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Which (HF) names get weight decay; default `decayMatricesOnly`. */
  decays?: (name: string) => boolean;
}

/** No decay for biases and LayerNorm parameters (HF names end in `.bias` / contain `layer_norm`). */
export const decayMatricesOnly = (name: string): boolean => !name.endsWith('.bias') && !name.includes('layer_norm');

/** Moments on the CPU, per parameter name; `t` = updates applied so far. */
export interface AdamWState {
  t: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Updates applied so far. */
  t = 0;
  private readonly params: Map<string, tf.Variable>;
  private readonly decays: (name: string) => boolean;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(params: Map<string, tf.Variable>, o: AdamWOptions = {}) {
    this.params = params;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.95;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0.1;
    this.decays = o.decays ?? decayMatricesOnly;
    const zeros = (p: tf.Variable): tf.Variable => {
      const z = tf.zerosLike(p);
      const variable = tf.variable(z, false); // unnamed: tfjs variable names are global
      z.dispose();
      return variable;
    };
    for (const [name, p] of params) {
      this.m.set(name, zeros(p));
      this.v.set(name, zeros(p));
    }
  }

  /** Parameter names in iteration order. */
  names(): string[] {
    return [...this.params.keys()];
  }

  /** Apply one update. `grads` maps parameter names to gradients (a missing name is skipped). */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, t } = this;
    const stepSize = lr / (1 - b1 ** t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    // One tidy per parameter: its ~14 temporaries are freed before the next one's are made, so
    // the update's peak is one parameter's worth, not ~14 copies of the whole model.
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) continue;
      tf.tidy(() => {
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const decay = this.weightDecay > 0 && this.decays(name) ? 1 - lr * this.weightDecay : 1;
        const m1 = m.mul(b1).add(g.mul(1 - b1));
        const v1 = v.mul(b2).add(g.square().mul(1 - b2));
        const denom = v1.sqrt().div(bc2Sqrt).add(eps);
        const base = decay === 1 ? p : p.mul(decay);
        p.assign(base.sub(m1.div(denom).mul(stepSize)));
        m.assign(m1);
        v.assign(v1);
      });
    }
  }

  /** Copy the moments to the CPU (for checkpoints and in-memory rollback). */
  async state(): Promise<AdamWState> {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const name of this.params.keys()) {
      m.set(name, (await this.m.get(name)!.data()) as Float32Array);
      v.set(name, (await this.v.get(name)!.data()) as Float32Array);
    }
    return { t: this.t, m, v };
  }

  /** Restore moments and count; every parameter needs both moments with the right size. */
  loadState(s: AdamWState): void {
    if (!Number.isInteger(s.t) || s.t < 0) throw new RangeError(`AdamW: bad update count ${s.t}`);
    for (const [name, p] of this.params) {
      for (const [which, src] of [['m', s.m], ['v', s.v]] as const) {
        const data = src.get(name);
        if (!data || data.length !== p.size) throw new RangeError(`AdamW: state ${which} for ${name} is missing or has the wrong size`);
      }
    }
    for (const [name, p] of this.params) {
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(s.m.get(name)!, p.shape, 'float32'));
        this.v.get(name)!.assign(tf.tensor(s.v.get(name)!, p.shape, 'float32'));
      });
    }
    this.t = s.t;
  }

  /** Free the moment variables (the parameters belong to the caller). */
  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
