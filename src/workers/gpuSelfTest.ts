/**
 * Numerical self-tests after a pack loads on WebGPU (product.md §2: WebGPU builds of MusicGen have
 * produced a hum where WASM was fine). Each part that disagrees with its reference is switched to
 * the reference path for the session and reported as a GPU_SELF_TEST notice:
 * - the codec's decoder on ORT's WebGPU EP against the same graph on the WASM EP (fixed codes);
 * - the LM's fused step against tfjs's own WebGPU ops (lm/webgpu/selfCheck.ts).
 */
import { Codec, type Codes } from '../codec/encodec';
import { StudioError } from '../errors/StudioError';
import type { Lm } from '../lm';
import { setFusedDecoding } from '../lm/stepper';
import { compareFused, fusedDisagrees } from '../lm/webgpu/selfCheck';
import type { Manifest } from '../packs/manifest';
import type { CreateSession, SessionRunner } from '../runtime/sessionRunner';
import { maxDeviation } from '../util/deviation';

/** Decoded audio may differ by GPU sin/cos rounding (~2e-4 of the peak, e2e/backends.spec.ts); a wrong kernel is off by far more. */
export const DECODER_TOLERANCE = 1e-2;

/** Fixed codes [K, T] spread over the codebook (every codebook, many ids): the fallback when the encoder cannot run. */
export function selfTestCodes(k: number, card: number, t = 12): Codes {
  return { k, t, codes: Int32Array.from({ length: k * t }, (_, i) => (i * 389 + 17) % card) };
}

/** Half a second of music-like test audio: a chord and a decaying noise burst (seeded). */
export function selfTestSignal(sampleRate: number): Float32Array {
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Float32Array.from({ length: Math.round(sampleRate / 2) }, (_, i) => {
    const t = i / sampleRate;
    return 0.15 * (Math.sin(2 * Math.PI * 220 * t) + Math.sin(2 * Math.PI * 277.2 * t) + Math.sin(2 * Math.PI * 329.6 * t)) + 0.3 * Math.exp(-t * 20) * noise();
  });
}

/** Largest |a - b| relative to b's peak (Infinity for NaN or a length mismatch). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  const { maxDiff, peak } = maxDeviation(a, b);
  return peak > 0 ? maxDiff / peak : maxDiff === 0 ? 0 : Infinity;
}

/**
 * Decode fixed codes with the WebGPU decoder session and with a fresh WASM one. Returns the decoder
 * session the codec should use (the WASM one when they disagree, the other then released) and the
 * notice, if any.
 */
export async function checkGpuDecoder(manifest: Manifest, create: CreateSession, decoderBytes: Uint8Array, encoder: SessionRunner, gpuDecoder: SessionRunner):
  Promise<{ decoder: SessionRunner; notice: StudioError | null }> {
  const wasm = await create(decoderBytes, 'wasm');
  const reference = new Codec(manifest.codec, encoder, wasm);
  // Codes of realistic audio (decoded levels like music's), from the encoder as loaded.
  const codes = await reference.encode(selfTestSignal(manifest.codec.sampleRate))
    .catch(() => selfTestCodes(manifest.codec.codebooks, manifest.codec.cardinality));
  let want: Float32Array;
  try {
    want = await reference.decode(codes);
  } catch (e) {
    await wasm.release();
    throw e;
  }
  let why: string;
  try {
    const err = relativeError(await new Codec(manifest.codec, encoder, gpuDecoder).decode(codes), want);
    if (err <= DECODER_TOLERANCE) {
      await wasm.release();
      return { decoder: gpuDecoder, notice: null };
    }
    why = `differed from WASM by ${err >= 0.1 ? Math.round(err * 100) : (err * 100).toPrecision(2)}% of the peak`;
  } catch (e) {
    why = `failed (${e instanceof Error ? e.message : String(e)})`;
  }
  await gpuDecoder.release();
  return { decoder: wasm, notice: new StudioError('GPU_SELF_TEST', `the codec's decoder on WebGPU ${why}; it runs on WASM`) };
}

/** Check the fused step on this GPU; turns it off (tfjs ops instead) and returns a notice when it disagrees. */
export async function checkFusedStep(lm: Lm): Promise<StudioError | null> {
  setFusedDecoding(true);
  const c = await compareFused(lm);
  if (!c || !fusedDisagrees(c)) return null;
  setFusedDecoding(false);
  return new StudioError('GPU_SELF_TEST', `the fast decoding step differed from tfjs by ${c.maxDiff.toPrecision(2)} (logit peak ${c.peak.toPrecision(3)}); generation uses tfjs's own kernels`);
}
