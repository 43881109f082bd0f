// Node only (tests and scripts): the SessionRunner over onnxruntime-node. Browser code never imports this.
import * as ort from 'onnxruntime-node';
import { wrapOrtSession } from './ortWrap';
import type { SessionRunner, TensorData } from './sessionRunner';

function toOrt(t: TensorData): ort.Tensor {
  switch (t.type) {
    case 'float32':
      return new ort.Tensor('float32', t.data, t.dims);
    case 'int64':
      return new ort.Tensor('int64', t.data, t.dims);
    case 'int32':
      return new ort.Tensor('int32', t.data, t.dims);
  }
}

/** One intra-op thread by default, like the browser's `cpu` backend, so goldens match across runs. */
export async function createNodeOrtSession(bytes: Uint8Array, opts: { threads?: number } = {}): Promise<SessionRunner> {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
  });
  return wrapOrtSession(session, toOrt);
}
