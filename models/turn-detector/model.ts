/**
 * The turn detector's network, in plain TypeScript: an embedding bag over hashed feature ids
 * followed by a small MLP.
 *
 *   h1 = relu(Σ E[id] + b1)      E: buckets × dim (row 0, the padding id, stays zero)
 *   h2 = relu(h1 · W2 + b2)      W2: dim × hidden
 *   p  = sigmoid(h2 · w3 + b3)   w3: hidden × 1
 *
 * Weights are float32 (what the ONNX file stores); the arithmetic here is float64, so ORT's
 * float32 results agree to ~1e-6.
 */
import type { Rng } from './rng.ts';

export interface ModelShape {
  buckets: number;
  dim: number;
  hidden: number;
}

export interface Model extends ModelShape {
  emb: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  w3: Float32Array;
  b3: Float32Array;
}

export function initModel(shape: ModelShape, rng: Rng): Model {
  const { buckets, dim, hidden } = shape;
  const emb = new Float32Array(buckets * dim);
  const embScale = 0.02;
  for (let i = dim; i < emb.length; i++) emb[i] = rng.normal() * embScale;
  const w2 = new Float32Array(dim * hidden);
  const s2 = Math.sqrt(2 / dim);
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() * s2;
  const w3 = new Float32Array(hidden);
  const s3 = Math.sqrt(1 / hidden);
  for (let i = 0; i < w3.length; i++) w3[i] = rng.normal() * s3;
  const b1 = new Float32Array(dim).fill(0.01);
  const b2 = new Float32Array(hidden).fill(0.01);
  return { ...shape, emb, b1, w2, b2, w3, b3: new Float32Array(1) };
}

/** Intermediate values of a forward pass (reused buffers). */
export interface Activations {
  h1: Float64Array;
  h2: Float64Array;
  logit: number;
  p: number;
}

export function makeActivations(shape: ModelShape): Activations {
  return { h1: new Float64Array(shape.dim), h2: new Float64Array(shape.hidden), logit: 0, p: 0 };
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Forward pass over a set of feature ids (`ids[from..to)`); fills `act` and returns P(complete). */
export function forward(
  m: Model,
  ids: Int32Array,
  act: Activations,
  from = 0,
  to = ids.length,
  mask?: Uint8Array,
): number {
  const { dim, hidden, emb } = m;
  const h1 = act.h1;
  for (let j = 0; j < dim; j++) h1[j] = m.b1[j]!;
  for (let k = from; k < to; k++) {
    if (mask && mask[k - from] === 0) continue;
    const row = ids[k]! * dim;
    for (let j = 0; j < dim; j++) h1[j] = h1[j]! + emb[row + j]!;
  }
  for (let j = 0; j < dim; j++) if (h1[j]! < 0) h1[j] = 0;
  const h2 = act.h2;
  for (let o = 0; o < hidden; o++) h2[o] = m.b2[o]!;
  for (let j = 0; j < dim; j++) {
    const x = h1[j]!;
    if (x === 0) continue;
    const base = j * hidden;
    for (let o = 0; o < hidden; o++) h2[o] = h2[o]! + x * m.w2[base + o]!;
  }
  let logit = m.b3[0]!;
  for (let o = 0; o < hidden; o++) {
    if (h2[o]! < 0) h2[o] = 0;
    logit += h2[o]! * m.w3[o]!;
  }
  act.logit = logit;
  act.p = sigmoid(logit);
  return act.p;
}

/** P(complete) for one set of feature ids. */
export function predict(m: Model, ids: Int32Array): number {
  return forward(m, ids, makeActivations(m));
}

/** A deep copy (for keeping the best epoch). */
export function cloneModel(m: Model): Model {
  return {
    buckets: m.buckets,
    dim: m.dim,
    hidden: m.hidden,
    emb: m.emb.slice(),
    b1: m.b1.slice(),
    w2: m.w2.slice(),
    b2: m.b2.slice(),
    w3: m.w3.slice(),
    b3: m.b3.slice(),
  };
}
