/**
 * Takes longer than the LM was trained on, audiocraft's way (musicgen.md: `_generate_tokens`,
 * `max_duration`, `extend_stride`): generate the first `maxFrames`; then, while frames are
 * missing, re-feed the last `maxFrames - strideFrames` frames as a prompt (positions start again
 * at 0) and generate up to `strideFrames` new ones. A model never sees a position it was not
 * trained on. A continuation prompt longer than a window's context (`maxFrames - strideFrames`, when
 * the take needs more than one window) keeps only its last frames as context.
 */
export interface WindowSpec {
  maxFrames: number; // W: the longest sequence the LM was trained on, in frames
  strideFrames: number; // new frames per window after the first (< W)
}

export interface Window {
  from: number; // first frame of the window in the take
  context: number; // frames at the window's start that are already known (its prompt)
  frames: number; // window length: context + new frames (<= W)
}

/** The windows that generate `total` frames after a `prompt`-frame prefix. One window when it all fits. */
export function windowPlan(total: number, prompt: number, spec?: WindowSpec): Window[] {
  if (!spec || total <= spec.maxFrames) return [{ from: 0, context: prompt, frames: total }];
  const { maxFrames: W, strideFrames: stride } = spec;
  if (!(Number.isInteger(W) && Number.isInteger(stride) && stride >= 1 && stride < W)) {
    throw new RangeError(`window: stride ${stride} must be an integer in [1, ${W})`);
  }
  const keep = W - stride; // context carried into each later window
  const out: Window[] = [];
  let known = prompt;
  if (known <= keep) {
    // The first window holds the prompt (if any) and fills up to W.
    out.push({ from: 0, context: known, frames: W });
    known = W;
  }
  while (known < total) {
    const context = Math.min(known, keep);
    const frames = Math.min(W, context + total - known);
    out.push({ from: known - context, context, frames });
    known += frames - context;
  }
  return out;
}

/** Sampling seed of window `w`: window 0 keeps the take's seed, so a take that fits in one window is unchanged. */
export function windowSeed(seed: number, w: number): number {
  return w === 0 ? seed : (seed + Math.imul(w, 0x9e3779b9)) >>> 0;
}
