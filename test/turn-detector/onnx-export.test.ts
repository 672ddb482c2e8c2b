/**
 * The hand-written ONNX export: onnxruntime-node loads the bytes and gives the TypeScript
 * forward pass's probabilities (within 1e-5), padding included; plus a seconds-long training
 * smoke test on a tiny generated dataset (learns, and is reproducible bit for bit).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../models/turn-detector/data.ts';
import { initModel, type Model, predict } from '../../models/turn-detector/model.ts';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../../models/turn-detector/onnx-export.ts';
import { makeRng } from '../../models/turn-detector/rng.ts';
import { buildFeatureSet, predictSet, train } from '../../models/turn-detector/train.ts';
import { evaluate } from '../../src/cli/turn-detector-command.ts';
import { OnnxTurnDetector } from '../../src/providers/local/onnx-turn-detector.ts';
import { extractFeatureIds, FEATURE_VERSION } from '../../src/providers/local/turn-features.ts';

const dir = mkdtempSync(join(tmpdir(), 'voicechart-turn-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A random model with non-trivial weights (so every layer matters). */
function randomModel(): Model {
  const rng = makeRng('onnx-test');
  const m = initModel({ buckets: 97, dim: 8, hidden: 5 }, rng);
  for (let i = m.dim; i < m.emb.length; i++) m.emb[i] = rng.normal() * 0.5;
  for (const a of [m.b1, m.b2, m.w3, m.b3])
    for (let i = 0; i < a.length; i++) a[i] = rng.normal() * 0.3;
  return m;
}

describe('ONNX export', () => {
  it('loads in onnxruntime-node and matches the TypeScript forward pass within 1e-5', async () => {
    const m = randomModel();
    const path = join(dir, 'random.onnx');
    writeFileSync(path, exportOnnx(m, { metadata: { featureVersion: '1' } }));
    const session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    try {
      expect(session.inputNames).toEqual([ONNX_INPUT]);
      expect(session.outputNames).toEqual([ONNX_OUTPUT]);
      const rng = makeRng('rows');
      const rows = Array.from({ length: 40 }, (_, i) =>
        Int32Array.from({ length: 1 + (i % 13) }, () => 1 + rng.int(m.buckets - 1)),
      );
      // One batch, padded with id 0 (a zero embedding) to the longest row.
      const width = Math.max(...rows.map((r) => r.length));
      const data = new BigInt64Array(rows.length * width);
      rows.forEach((r, i) => {
        r.forEach((id, k) => {
          data[i * width + k] = BigInt(id);
        });
      });
      const out = await session.run({
        [ONNX_INPUT]: new ort.Tensor('int64', data, [rows.length, width]),
      });
      const probs = out[ONNX_OUTPUT]!;
      expect(probs.dims).toEqual([rows.length, 1]);
      const values = probs.data as Float32Array;
      let spread = 0;
      rows.forEach((r, i) => {
        const expected = predict(m, r);
        expect(Math.abs(values[i]! - expected)).toBeLessThan(1e-5);
        spread = Math.max(spread, Math.abs(expected - 0.5));
      });
      expect(spread).toBeGreaterThan(0.05); // the check is not vacuous
    } finally {
      await session.release();
    }
  });

  it('trains on a tiny dataset in seconds, reproducibly, and the provider runs the export', async () => {
    const data = generateDataset({ seed: 'smoke', scale: 0.02 });
    expect(data.train.length).toBeGreaterThan(1500);
    expect(data.test.length).toBeGreaterThan(200);
    const buckets = 1 << 12;
    const extract = (e: Parameters<typeof extractFeatureIds>[0]) => extractFeatureIds(e, buckets);
    const sets = {
      train: buildFeatureSet(data.train, extract),
      test: buildFeatureSet(data.test, extract),
    };
    const opts = {
      shape: { buckets, dim: 8, hidden: 8 },
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
      finalLearningRate: 0.2,
      featureDropout: 0.2,
      seed: 'smoke',
    };
    const a = train(sets.train, opts).model;
    const b = train(sets.train, opts).model;
    expect(Buffer.from(a.emb.buffer).equals(Buffer.from(b.emb.buffer))).toBe(true);
    expect([...a.w3]).toEqual([...b.w3]);
    const figures = evaluate(predictSet(a, sets.test), sets.test.labels);
    expect(figures.auc).toBeGreaterThan(0.85);

    // The provider loads it through config.json and agrees with the TypeScript model.
    const modelPath = join(dir, 'smoke.onnx');
    writeFileSync(modelPath, exportOnnx(a));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        featureVersion: FEATURE_VERSION,
        hashBuckets: buckets,
        input: ONNX_INPUT,
        output: ONNX_OUTPUT,
      }),
    );
    const detector = await OnnxTurnDetector.load({ modelPath });
    try {
      const inputs = data.test.slice(0, 50);
      const probs = await detector.predictMany(inputs);
      inputs.forEach((e, i) => {
        expect(Math.abs(probs[i]! - predict(a, extract(e)))).toBeLessThan(1e-5);
      });
    } finally {
      await detector.close();
    }
  });
});
