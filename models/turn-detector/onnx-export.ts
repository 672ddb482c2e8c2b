/**
 * Writes the turn detector as an ONNX model: a hand-rolled protobuf encoder for the subset of
 * onnx.proto we need (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto with
 * raw_data, ValueInfoProto with tensor types and symbolic shapes), opset 17.
 *
 * Graph (batch B, N feature ids per row, 0 = padding):
 *
 *   feature_ids int64[B, N] ─Gather(embedding)→ [B, N, D] ─ReduceSum(axis 1)→ [B, D]
 *     ─Add(b1)─Relu─MatMul(W2)─Add(b2)─Relu─MatMul(W3)─Add(b3)─Sigmoid→ probability float[B, 1]
 */
import type { Model } from './model.ts';

// ---------------------------------------------------------------------------------------------
// Protobuf wire format

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

// onnx.proto field numbers and enums.
const DT_FLOAT = 1;
const DT_INT64 = 7;
const ATTR_INT = 2;

interface Tensor {
  name: string;
  dims: number[];
  type: typeof DT_FLOAT | typeof DT_INT64;
  data: Float32Array | BigInt64Array;
}

function tensorProto(w: Writer, t: Tensor): void {
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, t.type); // data_type
  w.string(8, t.name); // name
  // raw_data: little-endian bytes.
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  w.bytes(9, bytes);
}

type Dim = number | string;

function valueInfo(w: Writer, name: string, elemType: number, shape: Dim[]): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, elemType);
      tensor.message(2, (s) => {
        for (const d of shape) {
          s.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else dim.string(2, d);
          });
        }
      });
    }),
  );
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, number>;
}

function nodeProto(w: Writer, n: Node): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const [name, value] of Object.entries(n.attrs ?? {})) {
    w.message(5, (a) => {
      a.string(1, name);
      a.int(3, value);
      a.int(20, ATTR_INT);
    });
  }
}

/** Names of the graph's input and output. */
export const ONNX_INPUT = 'feature_ids';
export const ONNX_OUTPUT = 'probability';
export const ONNX_OPSET = 17;

/**
 * Serializes a trained model to ONNX bytes.
 *
 * @example
 * ```ts
 * writeFileSync('model.onnx', exportOnnx(model, { producerVersion: '1' }));
 * ```
 */
export function exportOnnx(
  m: Model,
  meta: { producerVersion?: string; doc?: string; metadata?: Record<string, string> } = {},
): Uint8Array {
  const initializers: Tensor[] = [
    { name: 'embedding', dims: [m.buckets, m.dim], type: DT_FLOAT, data: m.emb },
    { name: 'b1', dims: [m.dim], type: DT_FLOAT, data: m.b1 },
    { name: 'w2', dims: [m.dim, m.hidden], type: DT_FLOAT, data: m.w2 },
    { name: 'b2', dims: [m.hidden], type: DT_FLOAT, data: m.b2 },
    { name: 'w3', dims: [m.hidden, 1], type: DT_FLOAT, data: m.w3 },
    { name: 'b3', dims: [1], type: DT_FLOAT, data: m.b3 },
    { name: 'sum_axes', dims: [1], type: DT_INT64, data: BigInt64Array.from([1n]) },
  ];
  const nodes: Node[] = [
    {
      op: 'Gather',
      inputs: ['embedding', ONNX_INPUT],
      outputs: ['rows'],
      name: 'lookup',
      attrs: { axis: 0 },
    },
    {
      op: 'ReduceSum',
      inputs: ['rows', 'sum_axes'],
      outputs: ['bag'],
      name: 'bag',
      attrs: { keepdims: 0 },
    },
    { op: 'Add', inputs: ['bag', 'b1'], outputs: ['z1'], name: 'add1' },
    { op: 'Relu', inputs: ['z1'], outputs: ['h1'], name: 'relu1' },
    { op: 'MatMul', inputs: ['h1', 'w2'], outputs: ['m2'], name: 'matmul2' },
    { op: 'Add', inputs: ['m2', 'b2'], outputs: ['z2'], name: 'add2' },
    { op: 'Relu', inputs: ['z2'], outputs: ['h2'], name: 'relu2' },
    { op: 'MatMul', inputs: ['h2', 'w3'], outputs: ['m3'], name: 'matmul3' },
    { op: 'Add', inputs: ['m3', 'b3'], outputs: ['logit'], name: 'add3' },
    { op: 'Sigmoid', inputs: ['logit'], outputs: [ONNX_OUTPUT], name: 'sigmoid' },
  ];
  const w = new Writer();
  w.int(1, 8); // ir_version 8 (opset 17 era)
  w.string(2, 'voicechart'); // producer_name
  w.string(3, meta.producerVersion ?? '1'); // producer_version
  w.string(4, 'dev.voicechart'); // domain
  w.int(5, 1); // model_version
  if (meta.doc) w.string(6, meta.doc); // doc_string
  w.message(7, (g) => {
    for (const n of nodes) g.message(1, (x) => nodeProto(x, n));
    g.string(2, 'turn_detector');
    for (const t of initializers) g.message(5, (x) => tensorProto(x, t));
    g.message(11, (x) => valueInfo(x, ONNX_INPUT, DT_INT64, ['batch', 'features']));
    g.message(12, (x) => valueInfo(x, ONNX_OUTPUT, DT_FLOAT, ['batch', 1]));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, ONNX_OPSET);
  }); // opset_import
  for (const [key, value] of Object.entries(meta.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
