import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { createNodeOrtSession } from './ortSessionNode';
import { float32, int64, outputOf } from './sessionRunner';

const { onnx } = onnxProto;
const FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9;

const io = (name: string, elemType: number, dims: (number | string)[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });

/** x[B,3] + 1 -> y; ids[N] -> ids (int64) and ids32 (int32); `withBool` adds x > 0 -> pos (bool). */
function tinyGraph(withBool = false): Uint8Array {
  const one = onnx.TensorProto.create({ name: 'one', dims: [1], dataType: FLOAT, rawData: new Uint8Array(new Float32Array([1]).buffer) });
  const zero = onnx.TensorProto.create({ name: 'zero', dims: [1], dataType: FLOAT, rawData: new Uint8Array(new Float32Array([0]).buffer) });
  const node = [
    onnx.NodeProto.create({ opType: 'Add', input: ['x', 'one'], output: ['y'] }),
    onnx.NodeProto.create({ opType: 'Identity', input: ['ids'], output: ['ids_out'] }),
    onnx.NodeProto.create({ opType: 'Cast', input: ['ids'], output: ['ids32'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: INT32 }] }),
  ];
  const output = [io('y', FLOAT, ['B', 3]), io('ids_out', INT64, ['N']), io('ids32', INT32, ['N'])];
  if (withBool) {
    node.push(onnx.NodeProto.create({ opType: 'Greater', input: ['x', 'zero'], output: ['pos'] }));
    output.push(io('pos', BOOL, ['B', 3]));
  }
  const initializer = withBool ? [one, zero] : [one];
  const graph = onnx.GraphProto.create({ name: 'tiny', node, initializer, input: [io('x', FLOAT, ['B', 3]), io('ids', INT64, ['N'])], output });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 9, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

describe('createNodeOrtSession (onnxruntime-node)', () => {
  it('runs a graph with float32 and int64 inputs and float32, int64, int32 outputs', async () => {
    const runner = await createNodeOrtSession(tinyGraph());
    expect(runner.inputNames).toEqual(['x', 'ids']);
    expect(runner.outputNames).toEqual(['y', 'ids_out', 'ids32']);
    const feeds = (k: number) => ({ x: float32(new Float32Array([0, 1, 2, 3, 4, k]), [2, 3]), ids: int64(new BigInt64Array([2047n, BigInt(k)]), [2]) });
    const outs = await Promise.all([1, 2, 3].map((k) => runner.run(feeds(k))));
    outs.forEach((out, i) => {
      expect(outputOf(out, 'y', 'float32')).toEqual({ type: 'float32', data: new Float32Array([1, 2, 3, 4, 5, i + 2]), dims: [2, 3] });
      expect(outputOf(out, 'ids_out', 'int64').data).toEqual(new BigInt64Array([2047n, BigInt(i + 1)]));
      expect(outputOf(out, 'ids32', 'int32').data).toEqual(new Int32Array([2047, i + 1]));
    });
    await expect(runner.run({ x: feeds(1).x })).rejects.toMatchObject({ code: 'MODEL_INTERFACE' });
    await runner.release();
  });

  it('refuses an output type the studio does not read', async () => {
    const runner = await createNodeOrtSession(tinyGraph(true));
    const err = await runner
      .run({ x: float32(new Float32Array(3), [1, 3]), ids: int64(new BigInt64Array(1), [1]) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INTERFACE', detail: expect.stringContaining('"pos" is bool') });
    await runner.release();
  });
});
