/**
 * The bundled decoder's resynthesis, as ONNX nodes: band power [B,T,D] -> one-sided spectra of the
 * output frames (re, im [B,T,bins]), which the decoder turns into audio by inverse DFT and overlap-add.
 *
 * Each band becomes a sinusoid. Its frequency is the power-weighted centre of the band and its two
 * neighbours (a tone between two band centres sits where their powers balance), taken from the
 * loudest band within lockBands, so all the bands that carry one tone make one sinusoid, at one
 * frequency and one phase. The phase runs on from frame to frame (a sum of frequency * hop), and from
 * one decode chunk to the next: the graph takes the phases where the chunk starts (`phase_in`) and
 * gives every frame's (`band_phase`), which the Codec hands on. A sinusoid's spectrum is the analysis
 * window's kernel around its frequency, so every frame is a Hann-windowed piece of the same steady tone.
 *
 * That is right for tones and wrong for noise, which it would turn into a chord of pure tones. So each
 * band is also judged tonal or noisy by whether its lead frequency holds to the frame before or after
 * (within TONAL_MOVE); the noisy share of its power is spread over its bins with the old decoder's
 * phases (below), which keep noise noise. Measured in session 14 (white noise's spectral flatness over
 * 2-8 kHz, input 0.56): sinusoids alone 0.001, with the noisy share 0.18, old decoder 0.63.
 *
 * What it replaced: a fixed phase pattern per DFT bin. A tone spread over neighbouring bins then
 * came out as several close frequencies beating against each other: a steady 440 Hz sine left the
 * codec with its level swinging by a third every few milliseconds (now as steady as the input), and
 * the onset detector heard those swings as notes (measured in session 14: tempo within 8% on 100
 * corpus pieces through the codec 61% -> 80%, key 69% -> 78%).
 */
import { CODEC_DESIGN, bandCentres, bandWeights, hann } from '../../src/codec/design.ts';
import type { GraphBuilder } from './onnx.ts';
import { mulberry32 } from '../../src/util/rng.ts';

const d = CODEC_DESIGN;
const RES = 64; // kernel table steps per bin
const BLOCK = 64; // frames per partial sum of the running phase
const NOISE_SEED = 20261224; // the old decoder's phase seed (build-pack's SEED + 99)
const NOISE_LEVEL = 0.75; // Hann synthesis over un-windowed noise frames: 3m/8 against m/2
const TONAL_MOVE = 0.01; // a lead frequency that moves less than this (relative) per frame is a tone

/** The centred analysis window's DFT W(nu) (real), tabulated at 1/RES bin over ±kernelBins. */
export function windowKernel(): Float32Array {
  const R = d.kernelBins;
  const w = hann(d.windowLength);
  const m0 = d.windowLength / 2;
  return Float32Array.from({ length: 2 * R * RES + 1 }, (_, i) => {
    const nu = i / RES - R;
    let s = 0;
    for (let n = 0; n < w.length; n++) s += w[n] * Math.cos((2 * Math.PI * nu * (n - m0)) / d.nFft);
    return s;
  });
}

/** Each band's bins weighted as the encoder's band analysis weighs them, rows summing to 1: [D, bins]. */
function bandSpread(): Float32Array {
  const { weights, bands, bins } = bandWeights(d);
  const out = new Float32Array(bands * bins);
  for (let b = 0; b < bands; b++) {
    let s = 0;
    for (let k = 0; k < bins; k++) s += weights[b * bins + k];
    for (let k = 0; k < bins; k++) out[b * bins + k] = s > 0 ? weights[b * bins + k] / s : 0;
  }
  return out;
}

/**
 * Adds the resynthesis to `g`: `power` is band power [B,T,D], `phaseIn` the bands' running phases at
 * the first frame ([B,D] cycles; [1,1] for zeros), `frameIn` that frame's index in the whole audio
 * ([1], float). Its running phases come out as `band_phase` [B,T,D].
 */
export function addSinusoidSynthesis(g: GraphBuilder, power: string, phaseIn: string, frameIn: string): { re: string; im: string } {
  const centres = bandCentres(d);
  const D = centres.length;
  const bins = d.nFft / 2 + 1;
  const R = d.kernelBins;
  const L = d.lockBands;
  const ax2 = g.i64('syn_ax2', [1], [2]);
  const ax3 = g.i64('syn_ax3', [1], [3]);

  // Gate: drop what the quantizers left in empty bands.
  const peak = g.o('ReduceMax', [power, ax2], { keepdims: 1 });
  const P = g.o('Relu', [g.o('Sub', [power, g.o('Mul', [peak, g.f32('syn_gate', [1], [d.gate])])])], {}, 'gated_power'); // [B,T,D]

  // P shifted along the bands: out[b] = P[b + s], `fill` outside.
  const padded = new Map<number, string>();
  const shifted = new Map<string, string>();
  const shift = (s: number, fill: number): string => {
    const pad = L + 1;
    if (!padded.has(fill)) padded.set(fill, g.o('Pad', [P, g.i64(`syn_pad${fill}`, [6], [0, 0, pad, 0, 0, pad]), g.f32(`syn_fill${fill}`, [], [fill])]));
    const key = `${s}_${fill}`;
    if (!shifted.has(key)) shifted.set(key, g.o('Slice', [padded.get(fill)!, g.i64(`syn_s${key}a`, [1], [pad + s]), g.i64(`syn_s${key}b`, [1], [pad + s + D]), ax2]));
    return shifted.get(key)!;
  };
  const sum = (xs: string[]) => xs.reduce((a, b) => g.o('Add', [a, b]));
  const at = (s: number) => Array.from({ length: D }, (_, b) => centres[b + s] ?? 0);

  // Frequency (Hz) each band points to: the power-weighted centre of it and its neighbours.
  const num = sum([-1, 0, 1].map((s) => g.o('Mul', [s ? shift(s, 0) : P, g.f32(`syn_c${s}`, [D], at(s))])));
  const den = sum([-1, 0, 1].map((s) => (s ? shift(s, 0) : P)));
  const freq = g.o('Div', [num, g.o('Max', [den, g.f32('syn_tiny', [1], [1e-30])])], {}, 'band_frequency'); // [B,T,D]

  // Running phase in cycles: increments wrapped to [0, 1), summed over the frames before, from the
  // phases the previous chunk reached at this chunk's first frame (phaseIn [B,D], or [1,1] zeros).
  const frac = (x: string, name?: string) => g.o('Sub', [x, g.o('Floor', [x])], {}, name);
  const inc = frac(g.o('Mul', [freq, g.f32('syn_hop_s', [1], [d.hopLength / d.sampleRate])])); // [B,T,D]
  // Summed in blocks of BLOCK frames, then the blocks' wrapped totals over the blocks, so no float32
  // sum grows past ~BLOCK (one long sum of a steady tone's increments drifts by ~1e-2 cycles in 700 frames).
  const B = BLOCK;
  const T = g.o('Slice', [g.o('Shape', [inc]), g.i64('syn_sh1a', [1], [1]), g.i64('syn_sh2a', [1], [2])]); // [1] int64
  const padT = g.o('Mod', [g.o('Sub', [g.i64('syn_blk', [1], [B]), g.o('Mod', [T, g.i64('syn_blk2', [1], [B])])]), g.i64('syn_blk3', [1], [B])]);
  const pads = g.o('Concat', [g.i64('syn_pads0', [4], [0, 0, 0, 0]), padT, g.i64('syn_pads1', [1], [0])], { axis: 0 });
  const blocks = g.o('Reshape', [g.o('Pad', [inc, pads]), g.i64('syn_blocks', [4], [0, -1, B, D])]); // [B,T/BLOCK,BLOCK,D]
  const within = g.o('CumSum', [blocks, g.i32('syn_axis2', [], [2])], { exclusive: 1 });
  const totals = frac(g.o('ReduceSum', [blocks, g.i64('syn_axes2', [1], [2])], { keepdims: 1 })); // [B,T/BLOCK,1,D]
  const offsets = frac(g.o('CumSum', [totals, g.i32('syn_axis1', [], [1])], { exclusive: 1 }));
  const summed = g.o('Reshape', [g.o('Add', [within, offsets]), g.i64('syn_unblock', [3], [0, -1, D])]); // [B,T+pad,D]
  const before = g.o('Slice', [summed, g.i64('syn_t0', [1], [0]), T, g.i64('syn_ax1s', [1], [1])]); // [B,T,D]
  const phase = frac(g.o('Add', [before, g.o('Unsqueeze', [phaseIn, g.i64('syn_ax1', [1], [1])])]), 'band_phase'); // [B,T,D]

  // Lock: the loudest band within ±L gives its frequency and phase.
  const cands = Array.from({ length: 2 * L + 1 }, (_, i) => g.o('Unsqueeze', [i === L ? P : shift(i - L, -1), ax3]));
  const best = g.o('Cast', [g.o('ArgMax', [g.o('Concat', cands, { axis: 3 })], { axis: 3, keepdims: 0 })], { to: 6 }); // [B,T,D] in 0..2L
  const lead = g.o('Add', [best, g.i32('syn_band_minus_l', [D], Array.from({ length: D }, (_, b) => b - L))]); // [B,T,D] band index
  const lockedFreq = g.o('GatherElements', [freq, lead], { axis: 2 });
  const lockedPhase = g.o('GatherElements', [phase, lead], { axis: 2 });

  // Tonal or noisy: a tone's lead frequency holds across frames, noise's jumps. tonal is 1 when it
  // moved less than TONAL_MOVE of itself from the frame before or to the frame after (so a note's
  // first frame is tonal too), 0 from twice that; a missing neighbour counts as a jump.
  const shiftT = (x: string, pads: number[], from: number, tag: string) => g.o('Slice', [g.o('Pad', [x, g.i64(`syn_tpad${tag}`, [6], pads)]), g.i64(`syn_tp0${tag}`, [1], [from]), g.o('Add', [T, g.i64(`syn_tp1${tag}`, [1], [from])]), g.i64(`syn_tpax${tag}`, [1], [1])]);
  const steady = (other: string) => g.o('Clip', [g.o('Sub', [g.f32('syn_two', [1], [2]), g.o('Div', [g.o('Div', [g.o('Abs', [g.o('Sub', [lockedFreq, other])]), g.o('Max', [lockedFreq, g.f32('syn_hz1', [1], [1])])]), g.f32('syn_move', [1], [TONAL_MOVE])])]), g.f32('syn_clip0', [], [0]), g.f32('syn_clip1', [], [1])]);
  const tonal = g.o('Max', [steady(shiftT(lockedFreq, [0, 1, 0, 0, 0, 0], 0, 'p')), steady(shiftT(lockedFreq, [0, 0, 0, 0, 1, 0], 1, 'n'))], {}, 'tonality'); // [B,T,D]
  const noisy = g.o('Sub', [g.f32('syn_one', [1], [1]), tonal]);
  // Level: the bands of one tone add in phase, so each gives its share of the group's amplitude.
  const group = g.o('GatherElements', [sum(Array.from({ length: 2 * L + 3 }, (_, i) => (i === L + 1 ? P : shift(i - L - 1, 0)))), lead], { axis: 2 });
  const toneAmp = g.o('Div', [P, g.o('Sqrt', [g.o('Max', [group, g.f32('syn_tiny2', [1], [1e-30])])])]);
  const amp = g.o('Mul', [g.o('Mul', [tonal, toneAmp]), g.f32('syn_gain', [1], [d.sineGain / 2])]); // [B,T,D]

  // Each sinusoid's kernel over the 2R bins around it: bins k = floor(mu) - R + 1 .. floor(mu) + R.
  const mu = g.o('Unsqueeze', [g.o('Mul', [lockedFreq, g.f32('syn_per_bin', [1], [d.nFft / d.sampleRate])]), ax3]); // [B,T,D,1]
  const k = g.o('Add', [g.o('Floor', [mu]), g.f32('syn_offsets', [2 * R], Array.from({ length: 2 * R }, (_, j) => j - R + 1))]); // [B,T,D,2R]
  const kc = g.o('Clip', [k, g.f32('syn_k0', [], [0]), g.f32('syn_k1', [], [bins - 1])]);
  const inside = g.o('Cast', [g.o('Equal', [kc, k])], { to: 1 });
  const tableIdx = g.o('Cast', [g.o('Round', [g.o('Mul', [g.o('Add', [g.o('Sub', [k, mu]), g.f32('syn_r', [1], [R])]), g.f32('syn_res', [1], [RES])])])], { to: 6 });
  const kernel = g.o('Gather', [g.f32('syn_kernel', [2 * R * RES + 1], windowKernel()), g.o('Clip', [tableIdx, g.i32('syn_i0', [], [0]), g.i32('syn_i1', [], [2 * R * RES])])], { axis: 0 });
  const weight = g.o('Mul', [g.o('Mul', [g.o('Unsqueeze', [amp, ax3]), kernel]), inside]); // [B,T,D,2R]
  // Phase at bin k of a frame whose window is centred at m0: the sinusoid's phase minus 2 pi k m0 / nFft.
  const centreTurn = frac(g.o('Mul', [kc, g.f32('syn_m0', [1], [d.windowLength / 2 / d.nFft])]));
  const angle = g.o('Mul', [g.o('Sub', [g.o('Unsqueeze', [lockedPhase, ax3]), centreTurn]), g.f32('syn_two_pi', [1], [2 * Math.PI])]);

  // Sum the kernels into the frame's spectrum.
  const flat = g.i64('syn_flat', [3], [0, 0, -1]);
  const idx = g.o('Reshape', [g.o('Cast', [kc], { to: 6 }), flat]); // [B,T,D*2R]
  const shape = g.o('Concat', [g.o('Slice', [g.o('Shape', [P]), g.i64('syn_sh0', [1], [0]), g.i64('syn_sh1', [1], [2])]), g.i64('syn_bins', [1], [bins])], { axis: 0 });
  const zeros = g.o('Expand', [g.f32('syn_zero', [1], [0]), shape]); // [B,T,bins]
  const scatter = (part: string, name: string) => g.o('ScatterElements', [zeros, idx, g.o('Reshape', [g.o('Mul', [weight, g.o(part, [angle])]), flat])], { axis: 2, reduction: 'add' }, name);
  // Noise: the noisy share of each band's power spread over its bins (as the band analysis weighs
  // them). These frames are not Hann-shaped, hence NOISE_LEVEL. (A phase scrambled afresh in every
  // frame instead of the lattice below made noise flatter, 0.10, but read as onsets: tempo 74%.)
  const noisePower = g.o('MatMul', [g.o('Mul', [noisy, P]), g.f16('syn_band_spread', [D, bins], bandSpread())]); // [B,T,bins]
  const noiseMag = g.o('Mul', [g.o('Sqrt', [noisePower]), g.f32('syn_noise_level', [1], [d.nFft * NOISE_LEVEL])]);
  // The noise's phase advances per bin as if bin k sat at (k + n_k / 8) bins (n_k a fixed random
  // integer in -2..2), from the chunk's absolute first frame: the old decoder's lattice.
  // Bin k turns (8k + n_k) * hop / (8 nFft) cycles per frame; in units of 1/period with
  // q = gcd(hop, 8 nFft), that is an integer step, so (step * t) mod period is exact in float32.
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const q = gcd(d.hopLength, 8 * d.nFft);
  const period = (8 * d.nFft) / q; // 256 frames for hop 640, nFft 4096
  const rand = mulberry32(NOISE_SEED);
  const nk = Array.from({ length: bins }, (_, k) => (k === 0 || k === bins - 1 ? 0 : Math.floor(rand() * 5) - 2));
  const kStep = Array.from({ length: bins }, (_, k) => ((((8 * k + nk[k]) * (d.hopLength / q)) % period) + period) % period);
  const phi0 = Array.from({ length: bins }, (_, k) => (k === 0 || k === bins - 1 ? 0 : rand()));
  const modPeriod = (x: string, tag: string) => g.o('Sub', [x, g.o('Mul', [g.o('Floor', [g.o('Mul', [x, g.f32(`syn_inv_period${tag}`, [1], [1 / period])])]), g.f32(`syn_period${tag}`, [1], [period])])]);
  const first = modPeriod(frameIn, '0'); // exact below 2^24
  const tf = g.o('Add', [g.o('Range', [g.f32('syn_r0', [], [0]), g.o('Squeeze', [g.o('Cast', [T], { to: 1 })]), g.f32('syn_r1', [], [1])]), first]); // [T]
  const prod = g.o('Mul', [g.o('Unsqueeze', [tf, g.i64('syn_ax1n', [1], [1])]), g.f32('syn_k_step', [1, bins], kStep)]); // [T,bins]
  const lattice = g.o('Add', [g.o('Mul', [modPeriod(prod, ''), g.f32('syn_per_period', [1], [1 / period])]), g.f32('syn_phi0', [bins], phi0)]);
  const turn = g.o('Mul', [lattice, g.f32('syn_two_pi2', [1], [2 * Math.PI])]);
  const re = g.o('Add', [scatter('Cos', 'tone_re'), g.o('Mul', [noiseMag, g.o('Cos', [turn])])], {}, 'spectrum_re');
  const im = g.o('Add', [scatter('Sin', 'tone_im'), g.o('Mul', [noiseMag, g.o('Sin', [turn])])], {}, 'spectrum_im');
  return { re, im };
}
