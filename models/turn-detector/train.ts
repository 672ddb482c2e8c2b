/**
 * Training of the turn detector in plain TypeScript: log-loss, Adam (sparse, "lazy" updates of
 * the embedding rows a batch touched), feature dropout, seeded shuffling. Deterministic: the
 * same seed and data give the same weights bit for bit.
 */
import type { Example } from './data.ts';
import {
  type Activations,
  cloneModel,
  forward,
  initModel,
  type Model,
  type ModelShape,
  makeActivations,
} from './model.ts';
import { makeRng } from './rng.ts';

/** Hashed features of a set of examples, flattened: row i is ids[offsets[i]..offsets[i+1]). */
export interface FeatureSet {
  ids: Int32Array;
  offsets: Int32Array;
  labels: Uint8Array;
}

export function buildFeatureSet(
  examples: readonly Pick<Example, 'context' | 'text' | 'label'>[],
  extract: (e: Pick<Example, 'context' | 'text'>) => Int32Array,
  onProgress?: (done: number, total: number) => void,
): FeatureSet {
  const rows: Int32Array[] = [];
  let total = 0;
  examples.forEach((e, i) => {
    const r = extract(e);
    rows.push(r);
    total += r.length;
    if (onProgress && (i % 2000 === 0 || i === examples.length - 1))
      onProgress(i + 1, examples.length);
  });
  const ids = new Int32Array(total);
  const offsets = new Int32Array(rows.length + 1);
  let at = 0;
  rows.forEach((r, i) => {
    ids.set(r, at);
    at += r.length;
    offsets[i + 1] = at;
  });
  return { ids, offsets, labels: Uint8Array.from(examples, (e) => e.label) };
}

export interface TrainOptions {
  shape: ModelShape;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Learning rate of the last epoch as a share of the first (linear decay). */
  finalLearningRate: number;
  /** Share of feature ids dropped per training example. */
  featureDropout: number;
  seed: string;
  /** Called every few batches with progress in [0, 1] and the running loss. */
  onProgress?: (epoch: number, fraction: number, loss: number) => void;
  /** Called after each epoch; return a score to keep the best epoch (higher is better). */
  onEpoch?: (epoch: number, model: Model, trainLoss: number) => number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  shape: { buckets: 1 << 15, dim: 48, hidden: 32 },
  epochs: 3,
  batchSize: 64,
  learningRate: 2e-3,
  finalLearningRate: 0.2,
  featureDropout: 0.4,
  seed: 'turn-v1',
};

/** Adam moments of one parameter array. */
interface Moments {
  m: Float32Array;
  v: Float32Array;
}

const moments = (n: number): Moments => ({ m: new Float32Array(n), v: new Float32Array(n) });

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** Trains a model; returns the epoch with the best `onEpoch` score (the last without one). */
export function train(data: FeatureSet, opts: TrainOptions): { model: Model; bestEpoch: number } {
  const rng = makeRng(`${opts.seed}/train`);
  const model = initModel(opts.shape, rng.fork('init'));
  const { dim, hidden, buckets } = model;
  const n = data.labels.length;

  const gEmb = new Float32Array(buckets * dim);
  const touched = new Uint8Array(buckets);
  const touchedRows: number[] = [];
  const gb1 = new Float64Array(dim);
  const gw2 = new Float64Array(dim * hidden);
  const gb2 = new Float64Array(hidden);
  const gw3 = new Float64Array(hidden);
  const gb3 = new Float64Array(1);
  const mEmb = moments(buckets * dim);
  const mb1 = moments(dim);
  const mw2 = moments(dim * hidden);
  const mb2 = moments(hidden);
  const mw3 = moments(hidden);
  const mb3 = moments(1);
  const dh1 = new Float64Array(dim);
  const dh2 = new Float64Array(hidden);
  const act: Activations = makeActivations(model);
  let mask = new Uint8Array(256);
  let step = 0;

  const adamDense = (p: Float32Array, g: Float64Array, mo: Moments, lr: number, scale: number) => {
    const c1 = 1 - BETA1 ** step;
    const c2 = 1 - BETA2 ** step;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * scale;
      const m = BETA1 * mo.m[i]! + (1 - BETA1) * gi;
      const v = BETA2 * mo.v[i]! + (1 - BETA2) * gi * gi;
      mo.m[i] = m;
      mo.v[i] = v;
      p[i] = p[i]! - (lr * (m / c1)) / (Math.sqrt(v / c2) + EPS);
      g[i] = 0;
    }
  };

  const applyStep = (lr: number, batch: number) => {
    step++;
    const scale = 1 / batch;
    const c1 = 1 - BETA1 ** step;
    const c2 = 1 - BETA2 ** step;
    const { emb } = model;
    for (const r of touchedRows) {
      const base = r * dim;
      for (let j = 0; j < dim; j++) {
        const k = base + j;
        const gi = gEmb[k]! * scale;
        const m = BETA1 * mEmb.m[k]! + (1 - BETA1) * gi;
        const v = BETA2 * mEmb.v[k]! + (1 - BETA2) * gi * gi;
        mEmb.m[k] = m;
        mEmb.v[k] = v;
        emb[k] = emb[k]! - (lr * (m / c1)) / (Math.sqrt(v / c2) + EPS);
        gEmb[k] = 0;
      }
      touched[r] = 0;
    }
    touchedRows.length = 0;
    adamDense(model.b1, gb1, mb1, lr, scale);
    adamDense(model.w2, gw2, mw2, lr, scale);
    adamDense(model.b2, gb2, mb2, lr, scale);
    adamDense(model.w3, gw3, mw3, lr, scale);
    adamDense(model.b3, gb3, mb3, lr, scale);
  };

  let best: Model | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestEpoch = opts.epochs;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const totalSteps = opts.epochs * Math.ceil(n / opts.batchSize);
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    // Fisher–Yates with the seeded generator.
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let lossSum = 0;
    let seen = 0;
    for (let start = 0; start < n; start += opts.batchSize) {
      const end = Math.min(n, start + opts.batchSize);
      for (let b = start; b < end; b++) {
        const ex = order[b]!;
        const from = data.offsets[ex]!;
        const to = data.offsets[ex + 1]!;
        const len = to - from;
        if (mask.length < len) mask = new Uint8Array(len * 2);
        for (let k = 0; k < len; k++) mask[k] = rng.next() < opts.featureDropout ? 0 : 1;
        const p = forward(model, data.ids, act, from, to, mask);
        const y = data.labels[ex]!;
        lossSum -= y === 1 ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12));
        seen++;
        const d = p - y;
        // Output layer.
        gb3[0]! += d;
        for (let o = 0; o < hidden; o++) {
          gw3[o]! += d * act.h2[o]!;
          dh2[o] = act.h2[o]! > 0 ? d * model.w3[o]! : 0;
        }
        // Hidden layer.
        for (let o = 0; o < hidden; o++) gb2[o]! += dh2[o]!;
        for (let j = 0; j < dim; j++) {
          const x = act.h1[j]!;
          let s = 0;
          const base = j * hidden;
          for (let o = 0; o < hidden; o++) {
            const g = dh2[o]!;
            if (x !== 0) gw2[base + o]! += x * g;
            s += model.w2[base + o]! * g;
          }
          dh1[j] = x > 0 ? s : 0;
        }
        // Embedding bag.
        for (let j = 0; j < dim; j++) gb1[j]! += dh1[j]!;
        for (let k = from; k < to; k++) {
          if (mask[k - from] === 0) continue;
          const id = data.ids[k]!;
          if (id === 0) continue;
          if (touched[id] === 0) {
            touched[id] = 1;
            touchedRows.push(id);
          }
          const base = id * dim;
          for (let j = 0; j < dim; j++) gEmb[base + j]! += dh1[j]!;
        }
      }
      const progress = step / totalSteps;
      const lr = opts.learningRate * (1 - (1 - opts.finalLearningRate) * progress);
      applyStep(lr, end - start);
      if (opts.onProgress && (step % 50 === 0 || end === n)) {
        opts.onProgress(epoch, end / n, lossSum / seen);
      }
    }
    const score = opts.onEpoch?.(epoch, model, lossSum / seen);
    if (score !== undefined && score > bestScore) {
      bestScore = score;
      best = cloneModel(model);
      bestEpoch = epoch;
    }
  }
  return { model: best ?? model, bestEpoch: best ? bestEpoch : opts.epochs };
}

/** P(complete) of every row of a feature set. */
export function predictSet(model: Model, data: FeatureSet): Float64Array {
  const act = makeActivations(model);
  const n = data.labels.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = forward(model, data.ids, act, data.offsets[i]!, data.offsets[i + 1]!);
  return out;
}
