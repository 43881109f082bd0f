/**
 * Checks a pack's ONNX graphs against its manifest before anything is shown as ready: the
 * input/output names are read from the sessions (the Codec and T5Encoder constructors refuse a
 * graph without the EnCodec / T5 interface), then one tiny run of each graph confirms the numbers
 * the manifest promises: K codebooks and token ids below the cardinality from the encoder, every
 * id up to cardinality - 1 accepted by the decoder with hop samples per frame, and D-wide text
 * states. A mismatch is MODEL_INTERFACE naming the graph and the numbers.
 */
import type { Codec } from '../codec/encodec';
import { StudioError } from '../errors/StudioError';
import type { T5Encoder } from '../text/t5Encoder';
import type { Manifest } from './manifest';

async function probe<T>(graph: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof StudioError) throw new StudioError('MODEL_INTERFACE', `${graph}: ${e.detail || e.message}`);
    throw new StudioError('MODEL_INTERFACE', `${graph} failed ${what}: ${(e as Error).message}`);
  }
}

/** Runs each graph once on a few frames / one token; throws MODEL_INTERFACE when the manifest and the graphs disagree. */
export async function checkPackGraphs(m: Manifest, codec: Codec, t5?: T5Encoder): Promise<void> {
  const { codebooks: K, cardinality, hopLength, sampleRate } = m.codec;
  const frames = 4;
  const pcm = Float32Array.from({ length: frames * hopLength }, (_, i) => 0.25 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  const codes = await probe(m.files[m.codec.encoder].path, `on ${frames} frames of a tone`, () => codec.encode(pcm));
  if (codes.k !== K || codes.t !== frames) {
    throw new StudioError('MODEL_INTERFACE', `${m.files[m.codec.encoder].path} gave ${codes.k} x ${codes.t} codes, the manifest implies ${K} x ${frames}`);
  }
  // The largest id in every codebook: a decoder with fewer entries than `cardinality` fails here.
  const top = { codes: new Int32Array(K * frames).fill(cardinality - 1), k: K, t: frames };
  const audio = await probe(m.files[m.codec.decoder].path, `on token ${cardinality - 1} in ${K} codebooks`, () => codec.decode(top));
  if (audio.length !== frames * hopLength || audio.some((v) => !Number.isFinite(v))) {
    throw new StudioError('MODEL_INTERFACE', `${m.files[m.codec.decoder].path} did not give ${hopLength} finite samples per frame`);
  }
  if (t5 && m.text) {
    const c = await probe(m.files[m.text.encoder].path, 'on one token', () => t5.encode([1]));
    if (c.dims.d !== m.text.hiddenSize) {
      throw new StudioError('MODEL_INTERFACE', `${m.files[m.text.encoder].path} gives ${c.dims.d}-wide states, the manifest says ${m.text.hiddenSize}`);
    }
  }
}
