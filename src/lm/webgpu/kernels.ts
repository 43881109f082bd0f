/**
 * WGSL for the fused decoding step (fusedStep.ts): one cached forward over one column in ~11
 * dispatches per block instead of tfjs's ~100 (musicgen.md §8: a step is launch-bound on a GPU).
 * Pure: each function returns shader source with the shapes baked in as constants, so a pipeline
 * is compiled once per shape. Every kernel runs 64-thread workgroups; R (rows: the CFG batch) is
 * small (<= 8), so a weight row is read once for all rows.
 */

export const WG = 64;

/** The per-step uniform: the column's position (its KV-cache slot; attention covers slots 0..pos). */
const STEP = 'struct Step { pos: u32 }';

/** Attention's workgroup: 256 threads share one (head, row), so a long cache is read 4x wider than by 64. */
export const WG_ATTENTION = 256;

/** Tree reduction of red[0..size) in place (sum or max); every thread must call it (barriers). */
const REDUCE = (op: 'sum' | 'max', size = WG) => `
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { ${op === 'sum' ? 'red[t] += red[t + s]' : 'red[t] = max(red[t], red[t + s])'}; }
    workgroupBarrier();
  }`;

/** x [R, d] = positions[pos] (every row): the start of the residual stream. */
export function embedPositionWgsl(d: number, R: number): string {
  return `${STEP}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> table: array<f32>; // [maxPositions, d]
@group(0) @binding(2) var<storage, read_write> x: array<f32>; // [R, d]
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x;
  if (j >= ${d}u) { return; }
  let p = table[step.pos * ${d}u + j];
  for (var r = 0u; r < ${R}u; r++) { x[r * ${d}u + j] = p; }
}`;
}

/** x [R, d] += clock[r, pos]: the beat clock's input vector (clock [R, slots, d], beatClock.ts). */
export function addClockWgsl(d: number, R: number, slots: number): string {
  return `${STEP}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> clock: array<f32>; // [R, slots, d]
@group(0) @binding(2) var<storage, read_write> x: array<f32>; // [R, d]
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x;
  if (j >= ${d}u) { return; }
  for (var r = 0u; r < ${R}u; r++) { x[r * ${d}u + j] += clock[(r * ${slots}u + step.pos) * ${d}u + j]; }
}`;
}

/** x [R, d] += table_k[ids[r, k]]: one codebook's embedding (ids [R, K] int32). */
export function embedCodeWgsl(d: number, R: number, K: number, k: number): string {
  return `
@group(0) @binding(0) var<storage, read> ids: array<i32>; // [R, K]
@group(0) @binding(1) var<storage, read> table: array<f32>; // [card + 1, d]
@group(0) @binding(2) var<storage, read_write> x: array<f32>; // [R, d]
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x;
  if (j >= ${d}u) { return; }
  for (var r = 0u; r < ${R}u; r++) { x[r * ${d}u + j] += table[u32(ids[r * ${K}u + ${k}u]) * ${d}u + j]; }
}`;
}

/** Layer norm's workgroup: a row is a single workgroup's work, so it is a wide one (64 threads made it ~14 µs a row at d 1024). */
const WG_NORM = 256;

/** y [R, d] = LayerNorm(x [R, d]) · w + b; one 256-thread workgroup per row (dispatch R). */
export function layerNormWgsl(d: number, eps: number): string {
  const W = WG_NORM;
  return `
@group(0) @binding(0) var<storage, read> x: array<f32>; // [R, d]
@group(0) @binding(1) var<storage, read> w: array<f32>; // [d]
@group(0) @binding(2) var<storage, read> b: array<f32>; // [d]
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // [R, d]
var<workgroup> red: array<f32, ${W}>;
@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let row = wid.x * ${d}u;
  var s = 0.0;
  for (var j = t; j < ${d}u; j += ${W}u) { s += x[row + j]; }
  red[t] = s;
  workgroupBarrier();
  ${REDUCE('sum', W)}
  let mean = red[0] / ${d}.0;
  workgroupBarrier();
  var v = 0.0;
  for (var j = t; j < ${d}u; j += ${W}u) { let c = x[row + j] - mean; v += c * c; }
  red[t] = v;
  workgroupBarrier();
  ${REDUCE('sum', W)}
  let inv = inverseSqrt(red[0] / ${d}.0 + ${eps});
  for (var j = t; j < ${d}u; j += ${W}u) { y[row + j] = (x[row + j] - mean) * inv * w[j] + b[j]; }
}`;
}

/** Where a matrix-vector product's output o of row r goes: y[r * stride + base + o] =, +=, = GELU(·) (exact erf GELU). */
export interface MatVecOut { mode: 'set' | 'add' | 'gelu'; stride: number; base: number }

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as tfjs's own Erf kernel computes it. */
const ERF = `
fn erf_(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(-y, y, x >= 0.0);
}`;

/** Σ over the workgroup of each row's partial dot products acc[r] -> red[r * WG] (needs `red: array<f32, WG * R>`). */
const ROW_SUMS = (R: number) => `
  for (var r = 0u; r < ${R}u; r++) { red[r * ${WG}u + t] = acc[r]; }
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { for (var r = 0u; r < ${R}u; r++) { red[r * ${WG}u + t] += red[r * ${WG}u + t + s]; } }
    workgroupBarrier();
  }`;

/**
 * y = x Wᵀ for R rows: W [out, in] (torch layout) read as vec4 once for all rows, x [R, in].
 * One workgroup per output feature (dispatch out); `in` must be a multiple of 4.
 */
export function matVecWgsl(inDim: number, outDim: number, R: number, out: MatVecOut): string {
  const in4 = inDim / 4;
  const store = `let at = r * ${out.stride}u + ${out.base}u + o;\n      ${out.mode === 'set' ? 'y[at] = v;' : out.mode === 'add' ? 'y[at] += v;' : 'y[at] = 0.5 * v * (1.0 + erf_(v * 0.70710678118654752));'}`;
  return `@group(0) @binding(0) var<storage, read> w: array<vec4<f32>>; // [out, in / 4]
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>; // [R, in / 4]
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> red: array<f32, ${WG * R}>; // [R, 64]
${out.mode === 'gelu' ? ERF : ''}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let o = wid.x;
  var acc: array<f32, ${R}>;
  for (var i = t; i < ${in4}u; i += ${WG}u) {
    let wv = w[o * ${in4}u + i];
    for (var r = 0u; r < ${R}u; r++) { acc[r] += dot(wv, x[r * ${in4}u + i]); }
  }
  ${ROW_SUMS(R)}
  if (t < ${R}u) {
    let r = t;
    let v = red[r * ${WG}u];
    if (o < ${outDim}u) {
      ${store}
    }
  }
}`;
}

/**
 * Self-attention's three projections in one dispatch (3 d workgroups): workgroup g < d computes
 * q[:, g], the next d write K into the cache at the step's slot, the last d V. Wq, Wk, Wv [d, d].
 */
export function qkvWgsl(d: number, R: number, heads: number, slots: number): string {
  const d4 = d / 4;
  const D = d / heads;
  const kvAt = `((r * ${heads}u + o / ${D}u) * ${slots}u + step.pos) * ${D}u + o % ${D}u`; // [R, H, slots, D] at the step's slot
  return `${STEP}
@group(0) @binding(0) var<storage, read> wq: array<vec4<f32>>; // [d, d / 4]
@group(0) @binding(1) var<storage, read> wk: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> wv: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>; // [R, d / 4]
@group(0) @binding(4) var<storage, read_write> q: array<f32>; // [R, d]
@group(0) @binding(5) var<storage, read_write> kc: array<f32>; // [R, H, slots, D]
@group(0) @binding(6) var<storage, read_write> vc: array<f32>; // [R, H, slots, D]
@group(0) @binding(7) var<uniform> step: Step;
var<workgroup> red: array<f32, ${WG * R}>; // [R, 64]
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let part = wid.x / ${d}u; // 0 q, 1 k, 2 v: the same for the whole workgroup
  let o = wid.x % ${d}u;
  var acc: array<f32, ${R}>;
  for (var i = t; i < ${d4}u; i += ${WG}u) {
    var w4: vec4<f32>;
    if (part == 0u) { w4 = wq[o * ${d4}u + i]; } else if (part == 1u) { w4 = wk[o * ${d4}u + i]; } else { w4 = wv[o * ${d4}u + i]; }
    for (var r = 0u; r < ${R}u; r++) { acc[r] += dot(w4, x[r * ${d4}u + i]); }
  }
  ${ROW_SUMS(R)}
  if (t < ${R}u) {
    let r = t;
    let v = red[r * ${WG}u];
    if (part == 0u) { q[r * ${d}u + o] = v; } else if (part == 1u) { kc[${kvAt}] = v; } else { vc[${kvAt}] = v; }
  }
}`;
}

/**
 * softmax(q kᵀ / √D + bias) v for one (head, row) per workgroup (dispatch H × R):
 * q [R, d], k/v [R, H, slots, D], out [R, d].
 * - 'self': keys 0..pos (the step's slot included), no bias (causal by construction);
 * - 'cross': all `slots` text keys, plus bias [R, slots] (the padding mask) when `bias`.
 * Scores: one key per thread (vec4 dot products), kept in workgroup memory (slots * 4 bytes).
 * Weighted sum: each thread owns one vec4 of the head's D dims and every (256 / (D / 4))-th key, so
 * the 256 threads form 1024 / D key groups whose partial sums are then added (D = 64: 16 groups, 88
 * keys each at 1,400 keys; one scalar per thread and 4 groups made the late steps' attention 4x
 * slower). D must divide 1024 and be a multiple of 4.
 */
export function attentionWgsl(kind: 'self' | 'cross', d: number, heads: number, slots: number, bias: boolean): string {
  const D = d / heads;
  const D4 = D / 4;
  const W = WG_ATTENTION;
  const G = W / D4;
  const scale = 1 / Math.sqrt(D);
  const n = kind === 'self' ? 'step.pos + 1u' : `${slots}u`;
  return `${kind === 'self' ? `${STEP}\n@group(0) @binding(4) var<uniform> step: Step;` : ''}
@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>; // [R, d / 4]
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>; // [R, H, slots, D / 4]
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>; // [R, H, slots, D / 4]
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>; // [R, d / 4]
${bias ? '@group(0) @binding(5) var<storage, read> bias: array<f32>; // [R, slots]' : ''}
var<workgroup> sc: array<f32, ${slots}>;
var<workgroup> qs: array<vec4<f32>, ${D4}>;
var<workgroup> red: array<f32, ${W}>;
var<workgroup> part: array<vec4<f32>, ${W}>; // [${G} key groups, D / 4]
@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let h = wid.x;
  let r = wid.y;
  let n = ${n};
  if (t < ${D4}u) { qs[t] = q[(r * ${d}u + h * ${D}u) / 4u + t]; }
  workgroupBarrier();
  let base = (r * ${heads}u + h) * ${slots}u; // first key of this (row, head)
  var m = -3.4e38;
  for (var j = t; j < n; j += ${W}u) {
    var s = 0.0;
    for (var c = 0u; c < ${D4}u; c++) { s += dot(qs[c], k[(base + j) * ${D4}u + c]); }
    s = s * ${scale}${bias ? ` + bias[r * ${slots}u + j]` : ''};
    sc[j] = s;
    m = max(m, s);
  }
  red[t] = m;
  workgroupBarrier();
  ${REDUCE('max', W)}
  let top = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = t; j < n; j += ${W}u) { let e = exp(sc[j] - top); sc[j] = e; sum += e; }
  red[t] = sum;
  workgroupBarrier();
  ${REDUCE('sum', W)}
  let inv = 1.0 / red[0];
  let g = t / ${D4}u;
  let c = t % ${D4}u;
  var a = vec4<f32>(0.0);
  for (var j = g; j < n; j += ${G}u) { a += sc[j] * v[(base + j) * ${D4}u + c]; }
  part[t] = a;
  workgroupBarrier();
  if (t < ${D4}u) {
    var o = vec4<f32>(0.0);
    for (var i = 0u; i < ${G}u; i++) { o += part[i * ${D4}u + t]; }
    y[(r * ${d}u + h * ${D}u) / 4u + t] = o * inv;
  }
}`;
}
