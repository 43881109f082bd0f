/**
 * `generate` for takes longer than the LM's trained length: the take is sampled window by window
 * (windows.ts), each window a plain `generate` whose prompt is the end of what came before. With
 * no window spec, or a take that fits in one window, it is exactly `generate` (same seed, same
 * codes). Steps and columns in `onStep` count over the whole take (a window's columns are
 * shifted by its first frame), so a streaming decoder fed by it sees one take.
 */
import type * as tf from '@tensorflow/tfjs';
import { shiftClock } from './beatClock';
import { generate, generationSteps, type GenerateOptions } from './generate';
import type { Lm } from './model';
import { windowPlan, windowSeed, type WindowSpec } from './windows';

export interface LongGenerateOptions extends GenerateOptions {
  window?: WindowSpec;
  /** Prefix-mode LMs: the melody chroma [B, Tc, bins] of the window that starts `fromFrame` frames into the take (disposed here). */
  chromaAt?: (fromFrame: number) => tf.Tensor3D;
}

/** One window's `generate`, with its melody when the LM takes one. */
async function windowGenerate(lm: Lm, opts: GenerateOptions, chromaAt: LongGenerateOptions['chromaAt'], from: number): Promise<Int32Array> {
  const chroma = chromaAt?.(from);
  try {
    return await generate(lm, chroma ? { ...opts, chroma } : opts);
  } finally {
    chroma?.dispose();
  }
}

export async function generateLong(lm: Lm, opts: LongGenerateOptions): Promise<Int32Array> {
  const { window, chromaAt, ...plain } = opts;
  const K = lm.config.codebooks;
  const T = opts.frames;
  const P = opts.prompt?.frames ?? 0;
  const plan = windowPlan(T, P, window);
  if (plan.length === 1) return windowGenerate(lm, plain, chromaAt, 0);

  const B = opts.textMask.shape[0];
  const out = new Int32Array(B * K * T).fill(-1); // [B, K, T]
  for (let r = 0; r < B * K; r++) for (let t = 0; t < P; t++) out[r * T + t] = opts.prompt!.codes[r * P + t];
  const steps = plan.reduce((s, w) => s + generationSteps(w.frames, w.context, K), 0);
  let done = 0;
  for (const [i, w] of plan.entries()) {
    if (opts.finish?.aborted) return cut(out, B * K, T, w.from + w.context); // finished between windows
    const context = new Int32Array(B * K * w.context); // [B, K, context]
    for (let r = 0; r < B * K; r++) context.set(out.subarray(r * T + w.from, r * T + w.from + w.context), r * w.context);
    const codes = await windowGenerate(lm, {
      ...plain,
      frames: w.frames,
      prompt: w.context > 0 ? { codes: context, frames: w.context } : undefined,
      seed: windowSeed(opts.seed ?? 0, i),
      beat: opts.beat?.map((c) => shiftClock(c, w.from)), // the window starts w.from frames into the take
      onStep: opts.onStep && ((s) => opts.onStep!({ ...s, step: done + s.step, steps, column: s.column + w.from })),
    }, chromaAt, w.from); // [B, K, got]: w.frames, or fewer when finished early
    const got = codes.length / (B * K);
    for (let r = 0; r < B * K; r++) out.set(codes.subarray(r * got + w.context, (r + 1) * got), r * T + w.from + w.context);
    if (got < w.frames) return cut(out, B * K, T, w.from + got);
    done += generationSteps(w.frames, w.context, K);
  }
  return out;
}

/** The first `frames` of each of `rows` rows of T frames. */
function cut(codes: Int32Array, rows: number, T: number, frames: number): Int32Array {
  const out = new Int32Array(rows * frames);
  for (let r = 0; r < rows; r++) out.set(codes.subarray(r * T, r * T + frames), r * frames);
  return out;
}
