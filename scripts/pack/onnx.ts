import onnxProto from 'onnx-proto';

import { toHalf } from '../../src/util/half.ts';

export { fromHalf, toHalf } from '../../src/util/half.ts';

const { onnx } = onnxProto;
const A = onnx.AttributeProto.AttributeType;

type Attr = number | number[] | string | { tensor: ReturnType<typeof onnx.TensorProto.create> };
export type Dim = number | string;

const FLOAT = 1;
const INT64 = 7;
const FLOAT16 = 10;
const INT32 = 6;

/**
 * A tiny ONNX graph builder over onnx-proto: initializers, nodes with generated output names,
 * typed inputs/outputs. Deterministic: the same calls give the same bytes.
 */
export class GraphBuilder {
  private nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  private inits: ReturnType<typeof onnx.TensorProto.create>[] = [];
  private inputs: ReturnType<typeof onnx.ValueInfoProto.create>[] = [];
  private outputs: ReturnType<typeof onnx.ValueInfoProto.create>[] = [];
  private counter = 0;
  /** Every value name given so far: ONNX needs them unique (ORT warns and keeps the last otherwise). */
  private names = new Set<string>();

  constructor(private readonly name: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`GraphBuilder ${this.name}: the name ${name} is already taken`);
    this.names.add(name);
    return name;
  }

  f32(name: string, dims: number[], data: ArrayLike<number>): string {
    const arr = Float32Array.from(data);
    if (arr.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${arr.length} values for dims ${dims}`);
    this.inits.push(onnx.TensorProto.create({ name: this.claim(name), dims, dataType: FLOAT, rawData: new Uint8Array(arr.buffer) }));
    return name;
  }

  /**
   * A float32 constant stored as float16 (half the bytes) and widened by a Cast node, so the
   * graph computes in float32. Returns the name of the float32 value.
   */
  f16(name: string, dims: number[], data: ArrayLike<number>): string {
    const half = Uint16Array.from(Array.from(data, toHalf));
    if (half.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${half.length} values for dims ${dims}`);
    this.inits.push(onnx.TensorProto.create({ name: this.claim(`${name}_f16`), dims, dataType: FLOAT16, rawData: new Uint8Array(half.buffer) }));
    return this.o('Cast', [`${name}_f16`], { to: FLOAT }, name);
  }

  i32(name: string, dims: number[], data: ArrayLike<number>): string {
    const arr = Int32Array.from(data);
    this.inits.push(onnx.TensorProto.create({ name: this.claim(name), dims, dataType: INT32, rawData: new Uint8Array(arr.buffer) }));
    return name;
  }

  i64(name: string, dims: number[], data: ArrayLike<number>): string {
    const arr = BigInt64Array.from(Array.from(data, (v) => BigInt(v)));
    this.inits.push(onnx.TensorProto.create({ name: this.claim(name), dims, dataType: INT64, rawData: new Uint8Array(arr.buffer) }));
    return name;
  }

  /** Adds a node; returns its output names (generated unless given). */
  op(opType: string, input: string[], attrs: Record<string, Attr> = {}, outputs = 1, names?: string[]): string[] {
    const output = (names ?? Array.from({ length: outputs }, () => `${opType.toLowerCase()}_${this.counter++}`)).map((n) => this.claim(n));
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
      if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
      return { name, type: A.TENSOR, t: v.tensor };
    });
    this.nodes.push(onnx.NodeProto.create({ opType, input, output, attribute, name: output[0] }));
    return output;
  }

  /** Single-output shorthand. */
  o(opType: string, input: string[], attrs: Record<string, Attr> = {}, name?: string): string {
    return this.op(opType, input, attrs, 1, name ? [name] : undefined)[0];
  }

  input(name: string, elemType: 'float32' | 'int64', dims: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  output(name: string, elemType: 'float32' | 'int64', dims: Dim[] | null): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Serialises the model (opset 20, IR 9). */
  build(docString: string): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs,
    });
    return onnx.ModelProto.encode(onnx.ModelProto.create({
      irVersion: 9, producerName: 'musicgen-studio build-pack', docString,
      opsetImport: [{ domain: '', version: 20 }], graph,
    })).finish();
  }
}

/** dims null: shape left unspecified. */
function valueInfo(name: string, elemType: 'float32' | 'int64', dims: Dim[] | null) {
  const elem = elemType === 'float32' ? FLOAT : INT64;
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: dims === null ? { elemType: elem } : { elemType: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}
