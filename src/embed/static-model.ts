import { readFileSync } from 'node:fs';
import type { SessionOutput } from './session.js';
import type { BatchInputs } from './tokenize.js';

/**
 * A fast path for static-embedding models such as the built-in one: a graph that only looks up
 * one int8 row per token, sums the rows of the real tokens and divides by the sum's L2 norm.
 *
 * onnxruntime runs that graph in about 40 µs on a warm loop and 100+ µs inside a serving process
 * (measured with tools/bench-call-path.ts: `ortRun` of one short text), almost all of it fixed
 * per-run cost; the arithmetic is a few thousand additions. Here it is done in plain JavaScript,
 * for small batches only (the embedder's STATIC_FAST_MAX_TOKENS): for 32-row batches
 * onnxruntime's vectorised gather and sum is faster than this scalar loop. The graph is recognised node by node (ops, wiring, attributes, initializer types and shapes);
 * anything else returns null and onnxruntime runs the model as before.
 *
 * Results equal onnxruntime's: int8 values summed as float32 are exact integers in any order
 * (|sum| ≤ 127 × maxTokens < 2²⁴), so the sums are identical (here in an Int32Array); the norm is computed in float64,
 * which can move a component of the output by an ulp — and the embedder normalises every vector
 * again anyway. test/embed-static.test.ts holds the two paths to each other.
 */

export interface StaticModel {
  /** vocab × dim int8 rows, row t for token id t. */
  readonly rows: Int8Array;
  readonly vocab: number;
  readonly dim: number;
  readonly eps: number;
}

// ---------------------------------------------------------------- a minimal protobuf reader

interface Field {
  no: number;
  wire: number;
  /** Varint value (wire 0), or undefined. */
  value?: bigint;
  /** Length-delimited payload (wire 2), a view into the file. */
  bytes?: Uint8Array;
}

/** The varint at `at` in `buf` and the offset after it. */
function varintAt(buf: Uint8Array, at: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= buf.length) throw new Error('truncated varint');
    const b = buf[at++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: result, next: at };
    shift += 7n;
    if (shift > 70n) throw new Error('varint too long');
  }
}

function* fields(buf: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    const { value, next } = varintAt(buf, at);
    at = next;
    return value;
  };
  while (at < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (at + len > buf.length) throw new Error('truncated field');
      yield { no, wire, bytes: buf.subarray(at, at + len) };
      at += len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  domain: string;
  attrs: Map<string, { i?: bigint; ints: bigint[] }>;
}

interface Tensor {
  dims: number[];
  type: number;
  raw: Uint8Array | undefined;
  /** Data stored outside raw_data (typed repeated fields, external data): not read here. */
  other: boolean;
}

function parseNode(buf: Uint8Array): Node {
  const node: Node = { op: '', inputs: [], outputs: [], domain: '', attrs: new Map() };
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) node.inputs.push(text(f.bytes));
    else if (f.no === 2 && f.bytes) node.outputs.push(text(f.bytes));
    else if (f.no === 4 && f.bytes) node.op = text(f.bytes);
    else if (f.no === 7 && f.bytes) node.domain = text(f.bytes);
    else if (f.no === 5 && f.bytes) {
      let name = '';
      const attr: { i?: bigint; ints: bigint[] } = { ints: [] };
      for (const a of fields(f.bytes)) {
        if (a.no === 1 && a.bytes) name = text(a.bytes);
        else if (a.no === 3 && a.value !== undefined) attr.i = a.value;
        else if (a.no === 8 && a.value !== undefined) attr.ints.push(a.value);
        else if (a.no === 8 && a.bytes) for (const v of packed(a.bytes)) attr.ints.push(v);
      }
      node.attrs.set(name, attr);
    }
  }
  return node;
}

/** A packed repeated varint field: a run of varints. */
function packed(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let at = 0; at < buf.length; ) {
    const { value, next } = varintAt(buf, at);
    out.push(value);
    at = next;
  }
  return out;
}

function parseTensor(buf: Uint8Array): { name: string; tensor: Tensor } {
  let name = '';
  const tensor: Tensor = { dims: [], type: 0, raw: undefined, other: false };
  for (const f of fields(buf)) {
    if (f.no === 1 && f.value !== undefined) tensor.dims.push(Number(f.value));
    else if (f.no === 1 && f.bytes) for (const v of packed(f.bytes)) tensor.dims.push(Number(v));
    else if (f.no === 2 && f.value !== undefined) tensor.type = Number(f.value);
    else if (f.no === 8 && f.bytes) name = text(f.bytes);
    else if (f.no === 9 && f.bytes) tensor.raw = f.bytes;
    else if ([4, 5, 6, 7, 10, 11, 13, 14].includes(f.no)) tensor.other = true;
  }
  return { name, tensor };
}

const INT8 = 3;
const FLOAT = 1;
const INT64 = 7;

/**
 * Reads a model file and returns its static-embedding form, or null when the graph is anything
 * but exactly the pattern this file computes (or cannot be read).
 */
export function readStaticModel(path: string): StaticModel | null {
  try {
    return matchStatic(new Uint8Array(readFileSync(path)));
  } catch {
    return null;
  }
}

function matchStatic(file: Uint8Array): StaticModel | null {
  let graph: Uint8Array | undefined;
  for (const f of fields(file)) if (f.no === 7 && f.bytes) graph = f.bytes;
  if (!graph) return null;
  const nodes: Node[] = [];
  const inits = new Map<string, Tensor>();
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const f of fields(graph)) {
    if (!f.bytes) continue;
    if (f.no === 1) nodes.push(parseNode(f.bytes));
    else if (f.no === 5) {
      const { name, tensor } = parseTensor(f.bytes);
      inits.set(name, tensor);
    } else if (f.no === 11 || f.no === 12) {
      let name = '';
      for (const v of fields(f.bytes)) if (v.no === 1 && v.bytes) name = text(v.bytes);
      (f.no === 11 ? inputs : outputs).push(name);
    }
  }
  const ops = nodes.map((n) => n.op).join(',');
  if (ops !== 'Gather,Cast,Cast,Unsqueeze,MatMul,Squeeze,ReduceL2,Max,Div') return null;
  if (nodes.some((n) => n.domain !== '' && n.domain !== 'ai.onnx')) return null;
  const [gather, castRows, castMask, unsqueeze, matmul, squeeze, reduce, max, div] = nodes as [
    Node,
    Node,
    Node,
    Node,
    Node,
    Node,
    Node,
    Node,
    Node,
  ];
  const graphInputs = inputs.filter((n) => !inits.has(n));
  if (graphInputs.length !== 2 || outputs.length !== 1) return null;
  const ids = 'input_ids';
  const mask = 'attention_mask';
  if (!graphInputs.includes(ids) || !graphInputs.includes(mask)) return null;
  const table = inits.get(gather.inputs[0] ?? '');
  const axis = gather.attrs.get('axis')?.i ?? 0n;
  if (!table || table.type !== INT8 || table.dims.length !== 2 || !table.raw || table.other)
    return null;
  if (gather.inputs[1] !== ids || axis !== 0n) return null;
  const [vocab, dim] = table.dims as [number, number];
  if (table.raw.length !== vocab * dim) return null;
  const cast = (n: Node, from: string) =>
    n.inputs.length === 1 && n.inputs[0] === from && n.attrs.get('to')?.i === BigInt(FLOAT);
  if (!cast(castRows, gather.outputs[0]!) || !cast(castMask, mask)) return null;
  const axisOne = (name: string | undefined) => {
    const t = inits.get(name ?? '');
    if (!t || t.type !== INT64 || !t.raw || t.raw.length !== 8 || t.other) return false;
    return Buffer.from(t.raw).readBigInt64LE(0) === 1n;
  };
  if (unsqueeze.inputs[0] !== castMask.outputs[0] || !axisOne(unsqueeze.inputs[1])) return null;
  if (matmul.inputs[0] !== unsqueeze.outputs[0] || matmul.inputs[1] !== castRows.outputs[0])
    return null;
  if (squeeze.inputs[0] !== matmul.outputs[0] || !axisOne(squeeze.inputs[1])) return null;
  const axes = reduce.attrs.get('axes')?.ints ?? [];
  const keep = reduce.attrs.get('keepdims')?.i ?? 1n;
  if (reduce.inputs.length !== 1 || reduce.inputs[0] !== squeeze.outputs[0]) return null;
  if (axes.length !== 1 || (axes[0] !== 1n && axes[0] !== -1n) || keep !== 1n) return null;
  const epsT = inits.get(max.inputs[1] ?? '');
  if (max.inputs[0] !== reduce.outputs[0] || !epsT || epsT.type !== FLOAT || !epsT.raw) return null;
  if (epsT.raw.length !== 4 || epsT.other) return null;
  if (div.inputs[0] !== squeeze.outputs[0] || div.inputs[1] !== max.outputs[0]) return null;
  if (div.outputs[0] !== outputs[0]) return null;
  const eps = Buffer.from(epsT.raw).readFloatLE(0);
  const raw = table.raw;
  return {
    rows: new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    vocab,
    dim,
    eps,
  };
}

/** Runs a static model on a padded batch, with the session's output contract. */
export class StaticRunner {
  readonly outputName = 'sentence_embedding';
  runs = 0;
  private sums = new Float32Array(0);
  private acc = new Int32Array(0);

  constructor(private readonly model: StaticModel) {}

  run(batch: BatchInputs): SessionOutput {
    const { rows, vocab, dim, eps } = this.model;
    const n = batch.rows;
    const seq = batch.seq;
    if (this.sums.length < n * dim) this.sums = new Float32Array(n * dim);
    if (this.acc.length !== dim) this.acc = new Int32Array(dim);
    const out = this.sums.subarray(0, n * dim);
    const acc = this.acc;
    for (let r = 0; r < n; r++) {
      // Integer sums: exactly what float32 sums of int8 values give (they stay below 2^24).
      acc.fill(0);
      for (let j = 0; j < seq; j++) {
        const at = r * seq + j;
        if (batch.attentionMask[at] === 0n) continue;
        const id = Number(batch.inputIds[at]);
        // onnxruntime's Gather fails on an id out of range; so does this path.
        if (!(id >= 0 && id < vocab)) {
          throw new RangeError(`token id ${id} is outside the vocabulary`);
        }
        const base = id * dim;
        for (let k = 0; k < dim; k++) acc[k] = (acc[k] as number) + (rows[base + k] as number);
      }
      let sq = 0;
      for (let k = 0; k < dim; k++) sq += (acc[k] as number) * (acc[k] as number);
      const inv = 1 / Math.max(Math.sqrt(sq), eps);
      const o = r * dim;
      for (let k = 0; k < dim; k++) out[o + k] = (acc[k] as number) * inv;
    }
    this.runs++;
    return { data: out, dims: [n, dim] };
  }
}
