/**
 * The RVQ codebooks back out of a codec encoder graph built by codecGraphs.ts (its float16
 * initializers vq{k}_codebook_f16), so a graph can be rebuilt with other options without training
 * the quantizers again (pretraining tokenized its early stages with the full-resolution gain stage).
 */
import onnxProto from 'onnx-proto';
import { fromHalf } from '../../src/util/half.ts';
import type { Codebooks } from './codecGraphs.ts';

const { onnx } = onnxProto;
const FLOAT16 = 10;

export function readCodebooks(encoderOnnx: Uint8Array): { codebooks: Codebooks; dims: number; scale?: Float32Array } {
  const inits = onnx.ModelProto.decode(encoderOnnx).graph?.initializer ?? [];
  const codebooks: Codebooks = [];
  let dims = 0;
  for (let k = 0; ; k++) {
    const t = inits.find((x) => x.name === `vq${k}_codebook_f16`);
    if (!t) break;
    if (t.dataType !== FLOAT16 || !t.rawData || t.dims?.length !== 2) throw new Error(`vq${k}_codebook_f16 is not a float16 matrix`);
    const raw = t.rawData;
    const half = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    dims = Number(t.dims[1]);
    codebooks.push(Float32Array.from(half, fromHalf));
  }
  if (!codebooks.length) throw new Error('no vq0_codebook_f16 in this graph: not a bundled codec encoder');
  const s = inits.find((x) => x.name === 'band_scale')?.rawData;
  const scale = s ? new Float32Array(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength)) : undefined;
  return { codebooks, dims, scale };
}
