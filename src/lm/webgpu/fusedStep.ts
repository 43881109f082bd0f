/**
 * The cached decoding step on WebGPU without tfjs's per-op overhead: the model's weights stay in
 * the tfjs tensors' own GPU buffers, the KV cache and activations are buffers of our own, every
 * pipeline and bind group is made once per generation, and a step is one command buffer of
 * ~13 dispatches per block (kernels.ts) plus one logits readback. Same maths as cache.ts 'static'
 * (tested against it and against WASM); tfjs still projects the conditioning once (encodeCondition).
 *
 * Scope: cross-attention models (musicgen small/medium/large) without live adapters (the app
 * merges an adapter before generating), widths divisible by 4, a sequence whose scores fit in a
 * workgroup's memory. `fusedUnsupported` says why not; the caller then uses the tfjs cache.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { LN_EPS } from '../config';
import { disposeCondState, encodeCondition, type Block, type CondState, type Lm, type LmCondition } from '../model';
import { attentionWgsl, embedCodeWgsl, embedPositionWgsl, layerNormWgsl, matVecWgsl, WG, WG_ATTENTION, type MatVecOut } from './kernels';

const MAX_ROWS = 8;

/** Why this model / batch / length cannot take the fused path on the active backend, or null when it can. */
export function fusedUnsupported(lm: Lm, rows: number, slots: number): string | null {
  const cfg = lm.config;
  if (tf.getBackend() !== 'webgpu') return `backend ${tf.getBackend()}`;
  if (lm.adapters?.size) return 'live LoRA adapters';
  if (cfg.conditioning !== 'cross') return 'prefix conditioning';
  const D = cfg.dim / cfg.heads;
  if (cfg.dim % 4 || cfg.ffn % 4 || D % 4) return 'widths not divisible by 4';
  if (WG_ATTENTION % D) return `head width ${D} does not divide ${WG_ATTENTION}`;
  if (rows > MAX_ROWS) return `batch ${rows} > ${MAX_ROWS}`;
  const limit = (tf.backend() as WebGPUBackend).device.limits.maxComputeWorkgroupStorageSize;
  if ((slots + D + 2 * WG_ATTENTION) * 4 > limit) return `${slots} positions exceed workgroup memory`;
  return null;
}

interface Dispatch { pipeline: GPUComputePipeline; group: GPUBindGroup; x: number; y?: number }

export class FusedStep {
  private readonly device: GPUDevice;
  private readonly own: GPUBuffer[] = [];
  private readonly plan: Dispatch[] = [];
  private ids!: GPUBuffer;
  private step!: GPUBuffer;
  private logits!: GPUBuffer;
  private staging!: GPUBuffer;
  /** Positions written so far: the next column goes to this slot. */
  length = 0;

  private constructor(private readonly lm: Lm, private readonly ctx: CondState, readonly rows: number, readonly slots: number) {
    const backend = tf.backend() as WebGPUBackend;
    this.device = backend.device;
    try {
      this.build(backend);
    } catch (e) {
      for (const b of this.own) b.destroy();
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
    const gpu = (t: tf.Tensor): GPUBuffer => {
      backend.uploadToGPU(t.dataId);
      const res = backend.tensorMap.get(t.dataId).resource;
      if (!res || !('mapAsync' in res)) throw new Error('fused step: a tfjs tensor is not in a GPU buffer');
      return res;
    };
    const pipes = new Map<string, GPUComputePipeline>();
    const add = (code: string, buffers: Record<number, GPUBuffer | undefined>, x: number, y?: number) => {
      let pipeline = pipes.get(code);
      if (!pipeline) {
        pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module: this.device.createShaderModule({ code }), entryPoint: 'main' } });
        pipes.set(code, pipeline);
      }
      const entries = Object.entries(buffers).filter((e): e is [string, GPUBuffer] => !!e[1]).map(([binding, buffer]) => ({ binding: Number(binding), resource: { buffer } }));
      this.plan.push({ pipeline, group: this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), x, y });
    };
    const p = lm.params;
    const groups = (n: number) => Math.ceil(n / WG);
    const norm = (n: { weight: tf.Tensor; bias: tf.Tensor }, from: GPUBuffer, to: GPUBuffer) =>
      add(layerNormWgsl(d, LN_EPS), { 0: from, 1: gpu(n.weight), 2: gpu(n.bias), 3: to }, R);
    const mv = (w: tf.Tensor, from: GPUBuffer, to: GPUBuffer, out: MatVecOut) => {
      const [o, i] = w.shape;
      add(matVecWgsl(i, o, R, out), { 0: gpu(w), 1: from, 2: to, ...(out.mode === 'kv' ? { 3: this.step } : {}) }, o);
    };
    const plain = (n: number, mode: 'set' | 'add' | 'gelu' = 'set'): MatVecOut => ({ mode, stride: n, base: 0 });
    const kvOut: MatVecOut = { mode: 'kv', heads: H, headDim: D, slots };

    // x = positions[pos] + Σ_k embed_k[ids[:, k]]   [R, d]
    add(embedPositionWgsl(d, R), { 0: this.step, 1: gpu(lm.positions), 2: x }, groups(d));
    p.embed.forEach((table, k) => add(embedCodeWgsl(d, R, K, k), { 0: this.ids, 1: gpu(table), 2: x }, groups(d)));
    p.blocks.forEach((b: Block, i) => {
      const kCache = f32(R * H * slots * D); // [R, H, slots, D]
      const vCache = f32(R * H * slots * D);
      norm(b.norm1, x, h);
      mv(b.selfAttn.k, h, kCache, kvOut);
      mv(b.selfAttn.v, h, vCache, kvOut);
      mv(b.selfAttn.q, h, q, plain(d));
      add(attentionWgsl('self', d, H, slots, false), { 0: q, 1: kCache, 2: vCache, 3: att, 4: this.step }, H, R);
      mv(b.selfAttn.o, att, x, plain(d, 'add'));
      if (b.crossAttn && ctx.cross[i]) {
        norm(b.normCross!, x, h);
        mv(b.crossAttn.q, h, q, plain(d));
        const bias = ctx.crossBias; // [R, 1, 1, Tt] padding mask ('hf'), null ('audiocraft')
        add(attentionWgsl('cross', d, H, Tt, !!bias), { 0: q, 1: gpu(ctx.cross[i].k), 2: gpu(ctx.cross[i].v), 3: att, ...(bias ? { 5: gpu(bias) } : {}) }, H, R);
        mv(b.crossAttn.o, att, x, plain(d, 'add'));
      }
      norm(b.norm2, x, h);
      mv(b.fc1, h, mid, plain(ffn, 'gelu'));
      mv(b.fc2, mid, x, plain(d, 'add'));
    });
    norm(p.outNorm, x, h);
    p.heads.forEach((w, k) => mv(w, h, this.logits, { mode: 'set', stride: K * card, base: k * card }));
    // Flush tfjs's pending commands (uploads, the conditioning's projections) before our first step.
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
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
      made = new FusedStep(lm, ctx, cond.textMask.shape[0], slots);
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
    disposeCondState(this.ctx);
  }
}
