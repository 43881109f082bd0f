import { StudioError } from '../errors/StudioError';
import type { BackendName } from './backend';

/**
 * A runnable ONNX graph, as the codec and text encoder see it. Pure types and helpers: nothing here
 * imports onnxruntime, so src/codec depends on this file only, and Node tests implement it with
 * onnxruntime-node (ortSessionNode.ts) or a fake.
 */
export type TensorData =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] }
  | { type: 'int32'; data: Int32Array; dims: readonly number[] };

export type TensorType = TensorData['type'];
export type TensorOf<T extends TensorType> = Extract<TensorData, { type: T }>;
export type TensorMap = Record<string, TensorData>;

export interface SessionRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph on every output. Runs on one session never overlap; extra calls queue. */
  run(feeds: TensorMap): Promise<TensorMap>;
  /** Frees the session after queued runs finish; later runs reject. */
  release(): Promise<void>;
}

/** Makes a session for a graph's bytes on a backend (onnxruntime-web, the ORT worker, or onnxruntime-node in tests). */
export type CreateSession = (bytes: Uint8Array, backend: BackendName) => Promise<SessionRunner>;

const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function make<T extends TensorType>(type: T, data: TensorOf<T>['data'], dims: readonly number[]): TensorOf<T> {
  if (data.length !== size(dims)) throw new StudioError('INTERNAL', `a ${type} tensor has ${data.length} values for dims [${dims.join(', ')}]`);
  return { type, data, dims } as TensorOf<T>;
}

export const float32 = (data: Float32Array, dims: readonly number[]): TensorOf<'float32'> => make('float32', data, dims);
export const int64 = (data: BigInt64Array, dims: readonly number[]): TensorOf<'int64'> => make('int64', data, dims);
export const int32 = (data: Int32Array, dims: readonly number[]): TensorOf<'int32'> => make('int32', data, dims);

/** The output `name` of a run, checked to exist and to have `type`; MODEL_INTERFACE otherwise. */
export function outputOf<T extends TensorType>(outputs: TensorMap, name: string, type: T): TensorOf<T> {
  const t = Object.hasOwn(outputs, name) ? outputs[name] : undefined;
  if (!t) throw new StudioError('MODEL_INTERFACE', `the graph has no output "${name}" (it has: ${Object.keys(outputs).join(', ')})`);
  if (t.type !== type) throw new StudioError('MODEL_INTERFACE', `output "${name}" is ${t.type}, expected ${type}`);
  return t as TensorOf<T>;
}
