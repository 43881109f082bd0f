/**
 * The bundled decoder's resynthesis, as ONNX nodes: band power [B,T,D] -> one-sided spectra of the
 * output frames (re, im [B,T,bins]), which the decoder turns into audio by inverse DFT and overlap-add.
 *
 * Each band's power is split into a tonal and a noisy share by how peaked its neighbourhood is (a
 * tone's power sits in one or two adjacent bands, noise's spreads evenly; CODEC_DESIGN.tonalLow/High).
 *
 * Tonal share: one sinusoid per band. Its frequency is the power-weighted centre of the band and its
 * two neighbours (a tone between two band centres sits where their powers balance), taken from the
 * loudest band within lockBands, so all the bands that carry one tone make one sinusoid, at one
 * frequency and one phase. The phase runs on from frame to frame (a sum of frequency * hop), and from
 * one decode chunk to the next: the graph takes the phases where the chunk starts (`phase_in`) and
 * gives every frame's (`band_phase`), which the Codec hands on. A sinusoid's spectrum is the analysis
 * window's kernel around its frequency, so every frame is a Hann-windowed piece of the same steady tone.
 *
 * Noisy share: spread over the band's bins (as the encoder's band analysis weighs them), above a gate
 * (CODEC_DESIGN.noiseGate), with a fresh random phase per bin and frame from a fixed table indexed by
 * the frame's absolute position (`frame_in` + t), so a chunked decode equals one long decode.
 *
 * History, measured through the codec (README, Model packs): session 14 replaced a fixed phase
 * pattern per DFT bin, which made a steady sine's level swing by a third every few milliseconds, with
 * sinusoids for bands whose lead frequency held from frame to frame; but flat noise holds its band
 * centroids too, so noise still rang (white noise's spectral flatness over 2-8 kHz 0.18; input 0.55),
 * and the noisy bands kept the old phase pattern, which flutters. Session 15's split by peakedness and
 * random noise phases: flatness 0.41, tempo within 8% on 96 generated takes 64% -> 74%, on 100 corpus
 * pieces 79% -> 86%.
 */
import { CODEC_DESIGN, bandCentres, bandWeights, hann } from '../../src/codec/design.ts';
import type { GraphBuilder } from './onnx.ts';
import { mulberry32 } from '../../src/util/rng.ts';

const d = CODEC_DESIGN;
const RES = 64; // kernel table steps per bin
const BLOCK = 64; // frames per partial sum of the running phase
/** Noise magnitude per unit of sqrt(power): set so white noise keeps its level before the noise gate. */
const NOISE_LEVEL = 1.45;
/** Frames before the noise phases repeat (5.1 s). */
const NOISE_PERIOD = 256;
const NOISE_SEED = 20261127;

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

/** The noise's phases (cycles), [NOISE_PERIOD, bins]; DC and Nyquist stay real. */
function noisePhases(bins: number): Float32Array {
  const rand = mulberry32(NOISE_SEED);
  return Float32Array.from({ length: NOISE_PERIOD * bins }, (_, i) => (i % bins === 0 || i % bins === bins - 1 ? 0 : rand()));
}

/** Fractional part, x - floor(x). */
const frac = (g: GraphBuilder, x: string, name?: string) => g.o('Sub', [x, g.o('Floor', [x])], {}, name);

/**
 * Running phase in cycles [B,T,D]: per-frame increments freq * hop wrapped to [0, 1), summed over the
 * frames before, from `phaseIn` ([B,D], or [1,1] zeros). Summed in blocks of BLOCK frames, then the
 * blocks' wrapped totals over the blocks, so no float32 sum grows past ~BLOCK (one long sum of a steady
 * tone's increments drifts by ~1e-2 cycles in 700 frames).
 */
function runningPhase(g: GraphBuilder, freq: string, phaseIn: string, T: string, D: number): string {
  const inc = frac(g, g.o('Mul', [freq, g.f32('syn_hop_s', [1], [d.hopLength / d.sampleRate])])); // [B,T,D]
  const B = BLOCK;
  const padT = g.o('Mod', [g.o('Sub', [g.i64('syn_blk', [1], [B]), g.o('Mod', [T, g.i64('syn_blk2', [1], [B])])]), g.i64('syn_blk3', [1], [B])]);
  const pads = g.o('Concat', [g.i64('syn_pads0', [4], [0, 0, 0, 0]), padT, g.i64('syn_pads1', [1], [0])], { axis: 0 });
  const blocks = g.o('Reshape', [g.o('Pad', [inc, pads]), g.i64('syn_blocks', [4], [0, -1, B, D])]); // [B,T/BLOCK,BLOCK,D]
  const within = g.o('CumSum', [blocks, g.i32('syn_axis2', [], [2])], { exclusive: 1 });
  const totals = frac(g, g.o('ReduceSum', [blocks, g.i64('syn_axes2', [1], [2])], { keepdims: 1 })); // [B,T/BLOCK,1,D]
  const offsets = frac(g, g.o('CumSum', [totals, g.i32('syn_axis1', [], [1])], { exclusive: 1 }));
  const summed = g.o('Reshape', [g.o('Add', [within, offsets]), g.i64('syn_unblock', [3], [0, -1, D])]); // [B,T+pad,D]
  const before = g.o('Slice', [summed, g.i64('syn_t0', [1], [0]), T, g.i64('syn_ax1s', [1], [1])]); // [B,T,D]
  return frac(g, g.o('Add', [before, g.o('Unsqueeze', [phaseIn, g.i64('syn_ax1', [1], [1])])]), 'band_phase');
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
  const [zero, one, tiny] = [g.f32('syn_clip0', [], [0]), g.f32('syn_clip1', [], [1]), g.f32('syn_tiny', [1], [1e-30])];
  const sum = (xs: string[]) => xs.reduce((a, b) => g.o('Add', [a, b]));
  const safeDiv = (a: string, b: string) => g.o('Div', [a, g.o('Max', [b, tiny])]);

  // Gate: drop what the quantizers left in empty bands.
  const peak = g.o('ReduceMax', [power, ax2], { keepdims: 1 }); // [B,T,1]
  const P = g.o('Relu', [g.o('Sub', [power, g.o('Mul', [peak, g.f32('syn_gate', [1], [d.gate])])])], {}, 'gated_power'); // [B,T,D]

  // P shifted along the bands: out[b] = P[b + s] (|s| <= reach), `fill` outside.
  const reach = Math.max(L + 1, d.peakBands);
  const padded = new Map<number, string>();
  const shifted = new Map<string, string>();
  const shift = (s: number, fill: number): string => {
    if (s === 0) return P;
    if (!padded.has(fill)) padded.set(fill, g.o('Pad', [P, g.i64(`syn_pad${fill}`, [6], [0, 0, reach, 0, 0, reach]), g.f32(`syn_fill${fill}`, [], [fill])]));
    const key = `${s}_${fill}`;
    if (!shifted.has(key)) shifted.set(key, g.o('Slice', [padded.get(fill)!, g.i64(`syn_s${key}a`, [1], [reach + s]), g.i64(`syn_s${key}b`, [1], [reach + s + D]), ax2]));
    return shifted.get(key)!;
  };
  const around = (w: number) => Array.from({ length: 2 * w + 1 }, (_, i) => shift(i - w, 0));

  // Frequency (Hz) each band points to: the power-weighted centre of it and its neighbours.
  const at = (s: number) => Array.from({ length: D }, (_, b) => centres[b + s] ?? 0);
  const num = sum([-1, 0, 1].map((s) => g.o('Mul', [shift(s, 0), g.f32(`syn_c${s}`, [D], at(s))])));
  const freq = safeDiv(num, sum(around(1)));
  const T = g.o('Slice', [g.o('Shape', [P]), g.i64('syn_sh1a', [1], [1]), g.i64('syn_sh2a', [1], [2])]); // [1] int64
  const phase = runningPhase(g, g.o('Identity', [freq], {}, 'band_frequency'), phaseIn, T, D);

  // Lock: the loudest band within ±L gives its frequency and phase.
  const cands = Array.from({ length: 2 * L + 1 }, (_, i) => g.o('Unsqueeze', [shift(i - L, -1), ax3]));
  const best = g.o('Cast', [g.o('ArgMax', [g.o('Concat', cands, { axis: 3 })], { axis: 3, keepdims: 0 })], { to: 6 }); // [B,T,D] in 0..2L
  const lead = g.o('Add', [best, g.i32('syn_band_minus_l', [D], Array.from({ length: D }, (_, b) => b - L))]); // [B,T,D] band index
  const atLead = (x: string) => g.o('GatherElements', [x, lead], { axis: 2 });
  const lockedFreq = atLead(freq);
  const lockedPhase = atLead(phase);

  // Tonal or noisy, by the lead band's peakedness: (it + its louder neighbour) / its ±peakBands.
  const pair = g.o('Add', [P, g.o('Max', [shift(-1, 0), shift(1, 0)])]);
  const ratio = atLead(safeDiv(pair, sum(around(d.peakBands))));
  const tonalRamp = g.o('Div', [g.o('Sub', [ratio, g.f32('syn_tonal_low', [1], [d.tonalLow])]), g.f32('syn_tonal_span', [1], [d.tonalHigh - d.tonalLow])]);
  const tonal = g.o('Clip', [tonalRamp, zero, one], {}, 'tonality'); // [B,T,D] in 0..1

  const tone = toneSpectrum(g, { P, lead, tonal, lockedFreq, lockedPhase, sum, shift, safeDiv, D, bins, R, L, ax3 });
  const noise = noiseSpectrum(g, { P, peak, tonal, frameIn, T, bins, D });
  const re = g.o('Add', [tone.re, noise.re], {}, 'spectrum_re');
  const im = g.o('Add', [tone.im, noise.im], {}, 'spectrum_im');
  return { re, im };
}

/** The tonal share: each band's sinusoid, the window's kernel over the 2R bins around its frequency. */
function toneSpectrum(g: GraphBuilder, a: {
  P: string; lead: string; tonal: string; lockedFreq: string; lockedPhase: string;
  sum: (xs: string[]) => string; shift: (s: number, fill: number) => string; safeDiv: (a: string, b: string) => string;
  D: number; bins: number; R: number; L: number; ax3: string;
}): { re: string; im: string } {
  const { P, lead, tonal, lockedFreq, lockedPhase, sum, shift, safeDiv, bins, R, L, ax3 } = a;
  // Level: the bands of one tone add in phase, so each gives its share of the group's amplitude.
  const group = g.o('GatherElements', [sum(Array.from({ length: 2 * L + 3 }, (_, i) => shift(i - L - 1, 0))), lead], { axis: 2 });
  const toneAmp = safeDiv(P, g.o('Sqrt', [group]));
  const amp = g.o('Mul', [g.o('Mul', [tonal, toneAmp]), g.f32('syn_gain', [1], [d.sineGain / 2])]); // [B,T,D]

  // Bins k = floor(mu) - R + 1 .. floor(mu) + R around the sinusoid at mu bins.
  const mu = g.o('Unsqueeze', [g.o('Mul', [lockedFreq, g.f32('syn_per_bin', [1], [d.nFft / d.sampleRate])]), ax3]); // [B,T,D,1]
  const k = g.o('Add', [g.o('Floor', [mu]), g.f32('syn_offsets', [2 * R], Array.from({ length: 2 * R }, (_, j) => j - R + 1))]); // [B,T,D,2R]
  const kc = g.o('Clip', [k, g.f32('syn_k0', [], [0]), g.f32('syn_k1', [], [bins - 1])]);
  const inside = g.o('Cast', [g.o('Equal', [kc, k])], { to: 1 });
  const tableIdx = g.o('Cast', [g.o('Round', [g.o('Mul', [g.o('Add', [g.o('Sub', [k, mu]), g.f32('syn_r', [1], [R])]), g.f32('syn_res', [1], [RES])])])], { to: 6 });
  const kernel = g.o('Gather', [g.f32('syn_kernel', [2 * R * RES + 1], windowKernel()), g.o('Clip', [tableIdx, g.i32('syn_i0', [], [0]), g.i32('syn_i1', [], [2 * R * RES])])], { axis: 0 });
  const weight = g.o('Mul', [g.o('Mul', [g.o('Unsqueeze', [amp, ax3]), kernel]), inside]); // [B,T,D,2R]
  // Phase at bin k of a frame whose window is centred at m0: the sinusoid's phase minus 2 pi k m0 / nFft.
  const centreTurn = frac(g, g.o('Mul', [kc, g.f32('syn_m0', [1], [d.windowLength / 2 / d.nFft])]));
  const angle = g.o('Mul', [g.o('Sub', [g.o('Unsqueeze', [lockedPhase, ax3]), centreTurn]), g.f32('syn_two_pi', [1], [2 * Math.PI])]);

  // Sum the kernels into the frame's spectrum.
  const flat = g.i64('syn_flat', [3], [0, 0, -1]);
  const idx = g.o('Reshape', [g.o('Cast', [kc], { to: 6 }), flat]); // [B,T,D*2R]
  const shape = g.o('Concat', [g.o('Slice', [g.o('Shape', [P]), g.i64('syn_sh0', [1], [0]), g.i64('syn_sh1', [1], [2])]), g.i64('syn_bins', [1], [bins])], { axis: 0 });
  const zeros = g.o('Expand', [g.f32('syn_zero', [1], [0]), shape]); // [B,T,bins]
  const scatter = (part: string, name: string) => g.o('ScatterElements', [zeros, idx, g.o('Reshape', [g.o('Mul', [weight, g.o(part, [angle])]), flat])], { axis: 2, reduction: 'add' }, name);
  return { re: scatter('Cos', 'tone_re'), im: scatter('Sin', 'tone_im') };
}

/**
 * The noisy share: over the noise gate, spread over the band's bins, with the random phase of the
 * frame's row of the table (absolute frame mod NOISE_PERIOD: exact in float32 below 2^24 frames).
 */
function noiseSpectrum(g: GraphBuilder, a: { P: string; peak: string; tonal: string; frameIn: string; T: string; bins: number; D: number }): { re: string; im: string } {
  const { P, peak, tonal, frameIn, T, bins, D } = a;
  const noisy = g.o('Mul', [g.o('Sub', [g.f32('syn_one', [1], [1]), tonal]), P]);
  const heard = g.o('Relu', [g.o('Sub', [noisy, g.o('Mul', [peak, g.f32('syn_noise_gate', [1], [d.noiseGate])])])]); // [B,T,D]
  const noisePower = g.o('MatMul', [heard, g.f16('syn_band_spread', [D, bins], bandSpread())]); // [B,T,bins]
  const mag = g.o('Mul', [g.o('Sqrt', [noisePower]), g.f32('syn_noise_level', [1], [d.nFft * NOISE_LEVEL])]);

  const period = g.f32('syn_period', [1], [NOISE_PERIOD]);
  const t = g.o('Add', [g.o('Range', [g.f32('syn_r0', [], [0]), g.o('Squeeze', [g.o('Cast', [T], { to: 1 })]), g.f32('syn_r1', [], [1])]), frameIn]); // [T]
  const row = g.o('Sub', [t, g.o('Mul', [g.o('Floor', [g.o('Div', [t, period])]), period])]);
  const turns = g.o('Gather', [g.f16('syn_noise_phase', [NOISE_PERIOD, bins], noisePhases(bins)), g.o('Cast', [row], { to: 6 })], { axis: 0 }); // [T,bins]
  const angle = g.o('Mul', [turns, g.f32('syn_two_pi2', [1], [2 * Math.PI])]);
  return { re: g.o('Mul', [mag, g.o('Cos', [angle])]), im: g.o('Mul', [mag, g.o('Sin', [angle])]) };
}
