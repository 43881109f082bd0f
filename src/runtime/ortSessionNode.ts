// Node only (tests and scripts): the SessionRunner over onnxruntime-node. Browser code never imports this.
import * as ort from 'onnxruntime-node';
import { tensorMaker, wrapOrtSession, type OrtTensorClass } from './ortWrap';
import type { SessionRunner } from './sessionRunner';

// ort.Tensor's overloads take each element type separately; the studio's three fit one signature.
const toOrt = tensorMaker(ort.Tensor as unknown as OrtTensorClass<ort.Tensor>);

/** One intra-op thread by default, like the browser's `cpu` backend, so goldens match across runs. */
export async function createNodeOrtSession(bytes: Uint8Array, opts: { threads?: number } = {}): Promise<SessionRunner> {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
  });
  return wrapOrtSession(session, toOrt);
}
