/**
 * The cached decoding step on WebGPU without tfjs's per-op overhead: the model's weights stay in
 * the tfjs tensors' own GPU buffers, the KV cache and activations are buffers of our own, every
 * pipeline and bind group is made once per generation, and a step is one command buffer of
 * ~11 dispatches per block (kernels.ts) plus one logits readback. Same maths as cache.ts 'static'
 * (tested against it and against WASM); tfjs still projects the conditioning once (encodeCondition).
 *
 * Scope: cross-attention models (musicgen small/medium/large) without live adapters (the app
 * merges an adapter before generating), widths divisible by 4, a sequence whose scores fit in a
 * workgroup's memory. `fusedUnsupported` says why not; the caller then uses the tfjs cache.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { beatInput } from '../beatClock';
import { createCache, disposeCache, fill } from '../cache';
import { LN_EPS } from '../config';
import { disposeCondState, encodeCondition, type Block, type CondState, type Lm, type LmCondition } from '../model';
import { addClockWgsl, attentionWgsl, embedCodeWgsl, embedPositionWgsl, layerNormWgsl, matVecWgsl, qkvWgsl, WG, WG_ATTENTION, type MatVecOut } from './kernels';

const MAX_ROWS = 8;
/** Prompt columns per batched tfjs pass in `prefill` (bounds its attention scores: [R, H, chunk, prompt]). */
const PREFILL_CHUNK = 256;

/** Submit everything tfjs has recorded (uploads, projections, a prefill) before our own commands. */
function flushTfjs(backend: WebGPUBackend): void {
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
}

/** A tfjs tensor's own GPU buffer (uploaded first if it lives on the CPU side). */
function gpuBuffer(backend: WebGPUBackend, t: tf.Tensor): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  const res = backend.tensorMap.get(t.dataId).resource;
  if (!res || !('mapAsync' in res)) throw new Error('fused step: a tfjs tensor is not in a GPU buffer');
  return res;
}

/** Why this model / batch / length cannot take the fused path on the active backend, or null when it can. */
export function fusedUnsupported(lm: Lm, rows: number, slots: number): string | null {
  const cfg = lm.config;
  if (tf.getBackend() !== 'webgpu') return `backend ${tf.getBackend()}`;
  if (lm.adapters?.size) return 'live LoRA adapters';
  if (cfg.conditioning !== 'cross') return 'prefix conditioning';
  const D = cfg.dim / cfg.heads;
  if (cfg.dim % 4 || cfg.ffn % 4 || D % 4) return 'widths not divisible by 4';
  if ((4 * WG_ATTENTION) % D) return `head width ${D} does not divide ${4 * WG_ATTENTION}`;
  if (rows > MAX_ROWS) return `batch ${rows} > ${MAX_ROWS}`;
  const limit = (tf.backend() as WebGPUBackend).device.limits.maxComputeWorkgroupStorageSize;
  if ((slots + D + 5 * WG_ATTENTION) * 4 > limit) return `${slots} positions exceed workgroup memory`; // attentionWgsl's sc, qs, red, part
  return null;
}

/** One recorded dispatch; `kind` names its role (benches time the step by kind, scripts/device/bigGpu.ts). */
export interface Dispatch { kind: string; pipeline: GPUComputePipeline; group: GPUBindGroup; x: number; y?: number }

export class FusedStep {
  private readonly device: GPUDevice;
  private readonly own: GPUBuffer[] = [];
  /** The step's dispatches in order (public for benches; the step itself never changes it). */
  readonly plan: Dispatch[] = [];
  /** Per block: the self-attention K and V caches [R, H, slots, D]. */
  private readonly kv: { k: GPUBuffer; v: GPUBuffer }[] = [];
  private ids!: GPUBuffer;
  private step!: GPUBuffer;
  private logits!: GPUBuffer;
  private staging!: GPUBuffer;
  /** The beat clock's input vectors [R, slots, d] (beatClock.ts), when the LM and a row have one. */
  private clock: tf.Tensor3D | null = null;
  /** Positions written so far: the next column goes to this slot. */
  length = 0;

  private constructor(private readonly lm: Lm, private readonly cond: LmCondition, private readonly ctx: CondState, readonly rows: number, readonly slots: number) {
    const backend = tf.backend() as WebGPUBackend;
    this.device = backend.device;
    try {
      this.build(backend);
    } catch (e) {
      for (const b of this.own) b.destroy();
      this.clock?.dispose();
      throw e;
    }
  }

  private build(backend: WebGPUBackend): void {
    const { lm, ctx, rows, slots } = this;
    const { dim: d, heads: H, ffn, codebooks: K, card } = lm.config;
    const D = d / H;
    const R = rows;
    const Tt = ctx.cross[0]?.k.shape[2] ?? 0;
    const f32 = (n: number, usage = GPUBufferUsage.STORAGE) => this.buffer(n * 4, usage);
    this.ids = f32(R * K, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST); // [R, K] int32
    this.step = this.buffer(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST); // Step { pos }
    const x = f32(R * d); // [R, d] residual stream
    const h = f32(R * d); // [R, d] normed
    const q = f32(R * d); // [R, d]
    const att = f32(R * d); // [R, d]
    const mid = f32(R * ffn); // [R, ffn]
    this.logits = f32(R * K * card, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC); // [R, K * card]
    this.staging = this.buffer(R * K * card * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

    // Everything tfjs computed (weights, projected text) must be on the GPU and submitted first.
    const gpu = (t: tf.Tensor): GPUBuffer => gpuBuffer(backend, t);
    const pipes = new Map<string, GPUComputePipeline>();
    const add = (kind: string, code: string, buffers: Record<number, GPUBuffer | undefined>, x: number, y?: number) => {
      let pipeline = pipes.get(code);
      if (!pipeline) {
        pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module: this.device.createShaderModule({ code }), entryPoint: 'main' } });
        pipes.set(code, pipeline);
      }
      const entries = Object.entries(buffers).filter((e): e is [string, GPUBuffer] => !!e[1]).map(([binding, buffer]) => ({ binding: Number(binding), resource: { buffer } }));
      this.plan.push({ kind, pipeline, group: this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), x, y });
    };
    const p = lm.params;
    const groups = (n: number) => Math.ceil(n / WG);
    const norm = (n: { weight: tf.Tensor; bias: tf.Tensor }, from: GPUBuffer, to: GPUBuffer) =>
      add('norm', layerNormWgsl(d, LN_EPS), { 0: from, 1: gpu(n.weight), 2: gpu(n.bias), 3: to }, R);
    const mv = (kind: string, w: tf.Tensor, from: GPUBuffer, to: GPUBuffer, out: MatVecOut) => {
      const [o, i] = w.shape;
      add(kind, matVecWgsl(i, o, R, out), { 0: gpu(w), 1: from, 2: to }, o);
    };
    const plain = (n: number, mode: 'set' | 'add' | 'gelu' = 'set'): MatVecOut => ({ mode, stride: n, base: 0 });

    // x = positions[pos] + Σ_k embed_k[ids[:, k]]   [R, d]
    add('embed', embedPositionWgsl(d, R), { 0: this.step, 1: gpu(lm.positions), 2: x }, groups(d));
    p.embed.forEach((table, k) => add('embed', embedCodeWgsl(d, R, K, k), { 0: this.ids, 1: gpu(table), 2: x }, groups(d)));
    this.clock = beatInput(lm, this.cond.beat, 0, slots); // [R, slots, d] or null
    if (this.clock) add('embed', addClockWgsl(d, R, slots), { 0: this.step, 1: gpu(this.clock), 2: x }, groups(d));
    p.blocks.forEach((b: Block, i) => {
      const kCache = f32(R * H * slots * D, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST); // [R, H, slots, D]; prefill copies in
      const vCache = f32(R * H * slots * D, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
      this.kv.push({ k: kCache, v: vCache });
      norm(b.norm1, x, h);
      const sa = b.selfAttn;
      add('qkv', qkvWgsl(d, R, H, slots), { 0: gpu(sa.q), 1: gpu(sa.k), 2: gpu(sa.v), 3: h, 4: q, 5: kCache, 6: vCache, 7: this.step }, 3 * d);
      add('self-attention', attentionWgsl('self', d, H, slots, false), { 0: q, 1: kCache, 2: vCache, 3: att, 4: this.step }, H, R);
      mv('out-projection', b.selfAttn.o, att, x, plain(d, 'add'));
      if (b.crossAttn && ctx.cross[i]) {
        norm(b.normCross!, x, h);
        mv('cross-q', b.crossAttn.q, h, q, plain(d));
        const bias = ctx.crossBias; // [R, 1, 1, Tt] padding mask ('hf'), null ('audiocraft')
        add('cross-attention', attentionWgsl('cross', d, H, Tt, !!bias), { 0: q, 1: gpu(ctx.cross[i].k), 2: gpu(ctx.cross[i].v), 3: att, ...(bias ? { 5: gpu(bias) } : {}) }, H, R);
        mv('out-projection', b.crossAttn.o, att, x, plain(d, 'add'));
      }
      norm(b.norm2, x, h);
      mv('fc1', b.fc1, h, mid, plain(ffn, 'gelu'));
      mv('fc2', b.fc2, mid, x, plain(d, 'add'));
    });
    norm(p.outNorm, x, h);
    p.heads.forEach((w, k) => mv('heads', w, h, this.logits, { mode: 'set', stride: K * card, base: k * card }));
    flushTfjs(backend); // the uploads and the conditioning's projections, before our first step
  }

  /**
   * Project the conditioning and build the step for `rows` × `slots`; rejects (leaving nothing
   * allocated) when WebGPU refuses a shader or a buffer, so the caller can fall back.
   */
  static async create(lm: Lm, cond: LmCondition, slots: number): Promise<FusedStep> {
    const ctx = encodeCondition(lm, cond);
    const device = (tf.backend() as WebGPUBackend).device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let made: FusedStep | null = null;
    let failure: unknown = null;
    try {
      made = new FusedStep(lm, cond, ctx, cond.textMask.shape[0], slots);
    } catch (e) {
      failure = e;
    }
    const errors = [await device.popErrorScope(), await device.popErrorScope()].filter((e) => e !== null);
    if (failure || errors.length) {
      if (made) made.dispose();
      else disposeCondState(ctx);
      throw failure ?? new Error(`fused step: ${errors.map((e) => e!.message).join('; ')}`);
    }
    return made!;
  }

  private buffer(size: number, usage: number): GPUBuffer {
    const b = this.device.createBuffer({ size: Math.max(16, Math.ceil(size / 4) * 4), usage });
    this.own.push(b);
    return b;
  }

  /**
   * Write the first L columns' K/V (codes [R, K, L] row-major: a continuation prompt) through tfjs's
   * batched forward and copy them into the cache: a few tfjs passes instead of L steps, each of which
   * would read every weight again (a 20 s prompt is 1,000 steps). Only at the start of a take.
   */
  async prefill(cols: Int32Array, L: number, chunk = PREFILL_CHUNK): Promise<void> {
    if (this.length !== 0) throw new RangeError('fused step: prefill only before the first column');
    if (L > this.slots) throw new RangeError(`fused step: ${L} positions exceed the capacity ${this.slots}`);
    const { rows: R, slots } = this;
    const { heads: H, dim, codebooks: K } = this.lm.config;
    const D = dim / H;
    const backend = tf.backend() as WebGPUBackend;
    const cache = createCache(this.lm, this.cond, L, 'static'); // its K/V: [R, H, L, D] per block
    try {
      for (let from = 0; from < L; from += chunk) {
        const n = Math.min(chunk, L - from);
        const part = new Int32Array(R * K * n); // [R, K, n]
        for (let rq = 0; rq < R * K; rq++) part.set(cols.subarray(rq * L + from, rq * L + from + n), rq * n);
        const codes = tf.tensor3d(part, [R, K, n], 'int32');
        fill(this.lm, codes, cache);
        codes.dispose();
      }
      const src = this.kv.map((_, i) => ({ k: gpuBuffer(backend, cache.k[i]), v: gpuBuffer(backend, cache.v[i]) }));
      flushTfjs(backend);
      this.device.pushErrorScope('validation');
      const enc = this.device.createCommandEncoder();
      this.kv.forEach((dst, i) => {
        for (let rh = 0; rh < R * H; rh++) { // row rh's L keys: contiguous in both layouts
          enc.copyBufferToBuffer(src[i].k, rh * L * D * 4, dst.k, rh * slots * D * 4, L * D * 4);
          enc.copyBufferToBuffer(src[i].v, rh * L * D * 4, dst.v, rh * slots * D * 4, L * D * 4);
        }
      });
      this.device.queue.submit([enc.finish()]);
      const error = await this.device.popErrorScope();
      if (error) throw new Error(`fused step: prefill copy refused: ${error.message}`);
    } finally {
      disposeCache(cache); // tfjs may reuse those buffers only for commands submitted after our copies
    }
    this.length = L;
  }

  /** Run one column: codes [R, K] int32 at slot `length`; with `read`, return its logits [R, K, card]. */
  async column(codes: Int32Array, read: boolean): Promise<Float32Array | null> {
    if (this.length >= this.slots) throw new RangeError(`fused step: ${this.length + 1} positions exceed the capacity ${this.slots}`);
    const q = this.device.queue;
    q.writeBuffer(this.ids, 0, new Int32Array(codes));
    q.writeBuffer(this.step, 0, new Uint32Array([this.length, 0, 0, 0]));
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const d of this.plan) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.group);
      pass.dispatchWorkgroups(d.x, d.y ?? 1);
    }
    pass.end();
    if (read) enc.copyBufferToBuffer(this.logits, 0, this.staging, 0, this.staging.size);
    q.submit([enc.finish()]);
    this.length++;
    if (!read) return null;
    await this.staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    return out;
  }

  dispose(): void {
    for (const b of this.own) b.destroy();
    this.own.length = 0;
    this.clock?.dispose();
    this.clock = null;
    disposeCondState(this.ctx);
  }
}
