import { GraphBuilder } from './onnx.ts';
import { CODEC_DESIGN, bandWeights, gainLevelKept, hann, leftPad, powerRef } from '../../src/codec/design.ts';
import { addSinusoidSynthesis } from './decoderSynthesis.ts';

/** Codebooks: K arrays of [card, D] row-major. */
export type Codebooks = Float32Array[];

const d = CODEC_DESIGN;

export interface EncoderOptions {
  /** Per-band weights applied before quantization (undone by the decoder). */
  scale?: Float32Array;
  /** Stage 0 is a gain stage whose encoder picks only every gainStep-th level (gainLevelKept); 1 = all. */
  gainStep?: number;
  /** Diagnostics only: also output the log band energies. */
  exposeFeatures?: boolean;
}

/** Encoder graph: input_values [B,1,N] float32 -> audio_codes [1,B,K,T] int64 (EnCodec interface). */
export function buildEncoderGraph(codebooks: Codebooks, dims: number, opts: EncoderOptions = {}): Uint8Array {
  const { scale, gainStep = 1, exposeFeatures = false } = opts;
  const g = new GraphBuilder('studio_codec_encoder');
  const K = codebooks.length;
  const card = codebooks[0].length / dims;
  const { weights, bands, bins } = bandWeights(d);
  if (bands !== dims) throw new Error(`band count ${bands} != codebook dims ${dims}`);
  const ref = powerRef(d);
  const pad = leftPad(d);
  const x = g.input('input_values', 'float32', ['batch_size', 1, 'sequence_length']);

  // [B, N]; T = ceil(N / hop); pad so the STFT yields exactly T centred frames.
  const x2 = g.o('Squeeze', [x, g.i64('axis1', [1], [1])]);
  const n = g.o('Slice', [g.o('Shape', [x2]), g.i64('one', [1], [1]), g.i64('two', [1], [2])]); // [1]
  const hop = g.i64('hop', [1], [d.hopLength]);
  const t = g.o('Div', [g.o('Add', [n, g.i64('hop_m1', [1], [d.hopLength - 1])]), hop]); // [1]
  const right = g.o('Sub', [g.o('Add', [g.o('Mul', [t, hop]), g.i64('tail', [1], [d.nFft - d.hopLength - pad])]), n]);
  const pads = g.o('Concat', [g.i64('zero', [1], [0]), g.i64('lpad', [1], [pad]), g.i64('zero_b', [1], [0]), right], { axis: 0 });
  const xp = g.o('Pad', [x2, pads]); // [B, Lp]
  const x3 = g.o('Unsqueeze', [xp, g.i64('axis2', [1], [2])]); // [B, Lp, 1]

  const win = new Float32Array(d.nFft);
  win.set(Float32Array.from(hann(d.windowLength)));
  const spec = g.o('STFT', [x3, g.i64('hop_s', [], [d.hopLength]), g.f32('window', [d.nFft], win)], { onesided: 1 }); // [B,T,bins,2]
  const power = g.o('ReduceSumSquare', [spec, g.i64('axis3', [1], [3])], { keepdims: 0 }); // [B,T,bins]

  // Band energies, normalised so a full-scale sine is ~0.25, then log.
  const wt = new Float32Array(bins * bands);
  for (let b = 0; b < bands; b++) for (let k = 0; k < bins; k++) wt[k * bands + b] = weights[b * bins + k];
  const bandSum = g.o('MatMul', [power, g.f16('band_weights', [bins, bands], wt)]); // [B,T,D]
  const energy = g.o('Mul', [bandSum, g.f32('inv_power_ref', [1], [1 / ref])]);
  const peak = g.o('ReduceMax', [energy, g.i64('axis_d', [1], [2])], { keepdims: 1 }); // [B,T,1]
  const floor = g.o('Add', [g.o('Mul', [peak, g.f32('rel_floor', [1], [d.relFloor])]), g.f32('floor', [1], [d.logFloor])]);
  let r = g.o('Log', [g.o('Add', [energy, floor])], {}, 'features'); // [B,T,D]
  if (exposeFeatures) g.output('features', 'float32', ['batch_size', 'frames', dims]); // diagnostics only
  // Per-band weights: the quantizers' squared error counts the bands that carry pitch more.
  if (scale) r = g.o('Mul', [r, g.f32('band_scale', [dims], scale)]);

  // Residual VQ: nearest codeword by |c|^2 - 2 r.c, subtract, next stage.
  const idx: string[] = [];
  codebooks.forEach((cb, k) => {
    const cn = new Float32Array(card);
    for (let j = 0; j < card; j++) {
      let s = 0;
      for (let i = 0; i < dims; i++) s += cb[j * dims + i] ** 2;
      // A level the encoder does not pick: its score can never be the smallest.
      cn[j] = k === 0 && !gainLevelKept(j, gainStep, card) ? s + 1e9 : s;
    }
    const book = g.f16(`vq${k}_codebook`, [card, dims], cb);
    const dot = g.o('MatMul', [r, g.o('Transpose', [book], { perm: [1, 0] })]); // [B,T,card]
    const score = g.o('Sub', [g.f32(`vq${k}_norm`, [card], cn), g.o('Mul', [dot, g.f32(`two_${k}`, [1], [2])])]); // |c|^2 - 2 r.c
    const id = g.o('ArgMin', [score], { axis: 2, keepdims: 0 }); // [B,T]
    idx.push(g.o('Unsqueeze', [id, g.i64(`ax1_${k}`, [1], [1])])); // [B,1,T]
    if (k < K - 1) r = g.o('Sub', [r, g.o('Gather', [book, id], { axis: 0 })]);
  });
  const codes = g.o('Concat', idx, { axis: 1 }); // [B,K,T]
  g.o('Unsqueeze', [codes, g.i64('axis0', [1], [0])], {}, 'audio_codes'); // [1,B,K,T]
  g.output('audio_codes', 'int64', [1, 'batch_size', K, 'frames']);
  return g.build('MusicGen Studio bundled codec encoder (EnCodec ONNX interface).');
}

/**
 * Decoder graph: audio_codes [1,B,K,T] int64 -> audio_values [B,1,T*hop] float32 (EnCodec interface).
 * `phaseState`: the bundled pack's decoder also takes `phase_in` [B,D] and `frame_in` [1] (the
 * chunk's first frame in the whole audio) and gives `band_phase` [B,T,D] (the running phases, carried
 * from chunk to chunk by the Codec); without it the graph has exactly the EnCodec interface (each
 * call starts at frame 0 with zero phases), as the tiny hub's stand-in needs.
 */
export function buildDecoderGraph(codebooks: Codebooks, dims: number,
  opts: { scale?: Float32Array; featuresIn?: boolean; debug?: boolean; phaseState?: boolean } = {}): Uint8Array {
  const { featuresIn = false, scale, phaseState = false } = opts;
  const g = new GraphBuilder('studio_codec_decoder');
  const { bins } = bandWeights(d);
  const card = codebooks[0].length / dims;
  let c: string;
  let f = '';
  if (featuresIn) {
    // Diagnostic variant (not shipped): log band energies [B,T,D] in, to measure the transform alone.
    f = g.input('features', 'float32', ['batch_size', 'frames', dims]);
    c = g.o('Transpose', [f], { perm: [0, 2, 1] }); // [B,D,T]: only its shape[2] = T is used
  } else {
    const codesIn = g.input('audio_codes', 'int64', [1, 'batch_size', codebooks.length, 'frames']);
    // int32 from here on: WebGPU execution providers mishandle int64 gathers.
    c = g.o('Cast', [g.o('Squeeze', [codesIn, g.i64('axis0', [1], [0])])], { to: 6 }); // [B,K,T] int32
    // Sum of codewords = quantised log band energies.
    codebooks.forEach((cb, k) => {
      const ck = g.o('Gather', [c, g.i32(`k${k}`, [], [k])], { axis: 1 }); // [B,T]
      const e = g.o('Gather', [g.f16(`vq${k}_codebook`, [card, dims], cb), ck], { axis: 0 }); // [B,T,D]
      f = f ? g.o('Add', [f, e]) : e;
    });
    if (scale) f = g.o('Div', [f, g.f32('band_scale', [dims], scale)], {}, 'log_energy');
  }
  // Undo the floors: the loudest band carried (1 + relFloor) * peak.
  const p = g.o('Exp', [f], {}, 'energy'); // [B,T,D]
  const peak = g.o('Div', [g.o('ReduceMax', [p, g.i64('axis_d', [1], [2])], { keepdims: 1 }), g.f32('one_rel', [1], [1 + d.relFloor])], {}, 'peak_energy');
  const floor = g.o('Add', [g.o('Mul', [peak, g.f32('rel_floor', [1], [d.relFloor])]), g.f32('floor', [1], [d.logFloor])]);
  const bandPower = g.o('Relu', [g.o('Sub', [p, floor])], {}, 'band_power'); // [B,T,D]

  const T = g.o('Slice', [g.o('Shape', [c]), g.i64('two', [1], [2]), g.i64('three', [1], [3])]); // [1] int64
  const phaseIn = phaseState ? g.input('phase_in', 'float32', ['batch_size', 'bands']) : g.f32('phase_zero', [1, 1], [0]);
  const frameIn = phaseState ? g.input('frame_in', 'float32', [1]) : g.f32('frame_zero', [1], [0]);
  const { re, im } = addSinusoidSynthesis(g, bandPower, phaseIn, frameIn); // [B,T,bins] each

  // Hermitian completion to nFft bins, inverse DFT, keep the window's span.
  const rev = g.i64('rev', [bins - 2], Array.from({ length: bins - 2 }, (_, i) => bins - 2 - i));
  const reF = g.o('Concat', [re, g.o('Gather', [re, rev], { axis: 2 })], { axis: 2 }); // [B,T,nFft]
  const imF = g.o('Concat', [im, g.o('Neg', [g.o('Gather', [im, rev], { axis: 2 })])], { axis: 2 });
  const ax3 = g.i64('ax3', [1], [3]);
  const z = g.o('Concat', [g.o('Unsqueeze', [reF, ax3]), g.o('Unsqueeze', [imF, ax3])], { axis: 3 }, 'spectrum'); // [B,T,nFft,2]
  const y = g.o('DFT', [z, g.i64('dft_len', [], [d.nFft]), g.i64('dft_axis', [], [2])], { inverse: 1 }); // [B,T,nFft,2]
  const yr = g.o('Squeeze', [g.o('Slice', [y, g.i64('s0', [2], [0, 0]), g.i64('s1', [2], [d.windowLength, 1]), g.i64('s_ax', [2], [2, 3])]), ax3]); // [B,T,W]
  // Synthesis window: the frames are already Hann-shaped, and Hann squared at m-fold overlap sums to 3m/8.
  const synth = Float32Array.from(hann(d.windowLength), (v) => (v * 8 * d.hopLength) / (3 * d.windowLength));
  const yw = g.o('Mul', [yr, g.f32('synth_window', [d.windowLength], synth)], {}, 'frames_windowed');

  // Overlap-add: frame t's chunk i lands in block t + i.
  const m = d.windowLength / d.hopLength;
  let ola = '';
  for (let i = 0; i < m; i++) {
    const chunk = g.o('Slice', [yw, g.i64(`c${i}a`, [1], [i * d.hopLength]), g.i64(`c${i}b`, [1], [(i + 1) * d.hopLength]), g.i64(`c${i}ax`, [1], [2])]);
    const padded = g.o('Pad', [chunk, g.i64(`p${i}`, [6], [0, i, 0, 0, m - 1 - i, 0])]); // [B,T+m-1,hop]
    ola = ola ? g.o('Add', [ola, padded]) : padded;
  }
  const flat = g.o('Reshape', [ola, g.i64('flat', [2], [0, -1])]); // [B,(T+m-1)*hop]
  const pad = leftPad(d);
  const end = g.o('Add', [g.o('Mul', [T, g.i64('hop', [1], [d.hopLength])]), g.i64('lpad', [1], [pad])]);
  const outAudio = g.o('Slice', [flat, g.i64('lpad_s', [1], [pad]), end, g.i64('ax1s', [1], [1])]); // [B,T*hop]
  g.o('Unsqueeze', [outAudio, g.i64('ax1u', [1], [1])], {}, 'audio_values'); // [B,1,T*hop]
  g.output('audio_values', 'float32', ['batch_size', 1, 'audio_length']);
  if (phaseState) g.output('band_phase', 'float32', ['batch_size', 'frames', dims]);
  // Diagnostics (not shipped): expose the intermediate values, e.g. to compare execution providers.
  if (opts.debug) for (const n of ['log_energy', 'energy', 'peak_energy', 'band_power', 'gated_power', 'band_frequency', ...(phaseState ? [] : ['band_phase']), 'spectrum_re', 'spectrum_im', 'spectrum', 'frames_windowed']) g.output(n, 'float32', null);
  return g.build('MusicGen Studio bundled codec decoder (EnCodec ONNX interface).');
}
