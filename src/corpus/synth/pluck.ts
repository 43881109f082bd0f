import type { Rand } from '../random';
import { midiHz } from './pitch';

/**
 * Karplus–Strong plucked string: a burst circulating in a delay line one period long,
 * through a two-tap averaging filter that darkens it a little on every pass. The delay is
 * fractional (linear interpolation) so notes are in tune: an integer delay is up to 30 cents
 * off at the top of the range, enough to smear the chroma.
 */
export function addPluck(
  out: Float32Array,
  sampleRate: number,
  rand: Rand,
  start: number,
  hold: number,
  midi: number,
  velocity: number,
): void {
  const f0 = midiHz(midi);
  // y[n] = x[n] + g·½(d[n] + d[n-1]), d[n] = y[n - D] read by linear interpolation. The averaging
  // adds half a sample, so D = period - ½ gives a loop of exactly one period.
  const delay = sampleRate / f0 - 0.5;
  const whole = Math.floor(delay);
  const frac = delay - whole;
  const size = whole + 3; // history ring: y[n - whole - 1] must still be there when y[n] is written
  const history = new Float64Array(size);
  // Excitation: the shape of a string pulled aside at a point (a triangle: harmonics fall as
  // 1/n², so the fundamental leads) plus a little noise for the pick's scrape, lowpassed twice
  // at a few harmonics up (more when plucked harder). Pure noise, the textbook excitation, gives
  // each harmonic a random level, and with bad luck a note's fifth outweighs its root.
  const period = Math.round(sampleRate / f0);
  const burst = new Float64Array(period);
  const g = 1 - Math.exp((-2 * Math.PI * Math.min(8000, f0 * (2 + 4 * velocity))) / sampleRate);
  const apex = 0.2 + 0.1 * rand();
  let lp1 = 0;
  let lp2 = 0;
  let mean = 0;
  let energy = 0;
  for (let i = 0; i < period; i++) {
    const x = i / period;
    const shape = x < apex ? x / apex : (1 - x) / (1 - apex);
    lp1 += g * (shape + 0.15 * (rand() * 2 - 1) - lp1);
    lp2 += g * (lp1 - lp2);
    burst[i] = lp2;
    mean += lp2 / period;
  }
  for (let i = 0; i < period; i++) {
    burst[i] -= mean;
    energy += burst[i] * burst[i];
  }
  // Same loudness for every pitch, whatever the filter left of the noise.
  const norm = velocity / Math.sqrt(Math.max(energy / period, 1e-12)) / 3;
  // Loss per period for a T60 of about 3 s at A3, shorter higher up; damped fast after note-off.
  const t60 = 3 * 2 ** (-(midi - 57) / 24);
  const ring = 10 ** (-3 / (t60 * f0));
  const damped = 10 ** (-3 / (0.08 * f0));
  const len = Math.min(out.length - start, hold + Math.ceil(0.08 * sampleRate));
  let prevD = 0;
  for (let t = 0; t < len; t++) {
    const a = t >= whole ? history[(t - whole) % size] : 0;
    const b = t > whole ? history[(t - whole - 1) % size] : 0;
    const d = (1 - frac) * a + frac * b;
    const x = t < period ? burst[t] * norm : 0;
    const y = x + 0.5 * (d + prevD) * (t < hold ? ring : damped);
    prevD = d;
    history[t % size] = y;
    out[start + t] += y;
  }
}
