import onnxProto from 'onnx-proto';

/**
 * A tiny ONNX graph builder over the `onnx-proto` (protobufjs) classes: just enough to write
 * inference graphs with initializers, so test models can be generated from JS without Python.
 */

const { onnx } = onnxProto;

export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

type AttrValue = number | number[] | string | { float: number };

/** A symbolic or fixed tensor dimension for graph inputs and outputs. */
export type Dim = number | string;

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  /** A fresh, readable value name; the prefix keeps dumps of the graph navigable. */
  name(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, elemType: DataTypeCode, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: DataTypeCode, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Adds an initializer whose bytes are the little-endian contents of `data` (no copy). */
  initializer(
    name: string,
    elemType: DataTypeCode,
    dims: readonly number[],
    data: ArrayBufferView,
  ): string {
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dataType: elemType, dims: [...dims], rawData: raw });
    return name;
  }

  /** A shared scalar/vector constant initializer, deduplicated by value. */
  constFloat(values: readonly number[], dims: readonly number[] = []): string {
    return this.cachedConst('f', DataType.FLOAT, dims, Float32Array.from(values), values);
  }

  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.cachedConst('i64', DataType.INT64, dims, data, values);
  }

  private cachedConst(
    tag: string,
    elemType: DataTypeCode,
    dims: readonly number[],
    data: ArrayBufferView,
    values: readonly number[],
  ): string {
    const key = `${tag}:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    const name = this.name(`const_${tag}`);
    this.initializer(name, elemType, dims, data);
    this.constCache.set(key, name);
    return name;
  }

  /** Appends a node and returns its output names (fresh names unless given). */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputCount = 1,
    outputNames?: readonly string[],
  ): string[] {
    const outputs =
      outputNames !== undefined
        ? [...outputNames]
        : Array.from({ length: outputCount }, () => this.name(opType.toLowerCase()));
    const attribute = Object.entries(attrs).map(([key, value]) => attribute_(key, value));
    this.nodes.push({ opType, input: [...inputs], output: outputs, attribute, name: outputs[0] });
    return outputs;
  }

  /** Single-output convenience over `node`. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs)[0]!;
  }

  /** Serialises the model (IR 8, default domain at the given opset). */
  encode(graphName: string, opset: number, producer: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: producer,
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(
  name: string,
  elemType: DataTypeCode,
  dims: readonly Dim[],
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

const AttrType = onnx.AttributeProto.AttributeType;

function attribute_(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  if (typeof value === 'string') {
    return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttrType.FLOAT, f: value.float };
  return { name, type: AttrType.INT, i: value };
}
