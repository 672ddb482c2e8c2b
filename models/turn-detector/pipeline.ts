/**
 * `npm run train:turn`: the whole turn-detector pipeline, seeded and reproducible.
 *
 *   1. generate the synthetic dialogues (train / dev / test, held out by template and domain)
 *   2. extract the hashed features (src/providers/local/turn-features.ts)
 *   3. train the embedding-bag MLP (progress bar on stderr), keeping the best epoch on dev
 *   4. evaluate on test, overall and per category
 *   5. export model.onnx + config.json + metrics.json into models/turn-detector/
 *   6. load the exported file with onnxruntime-node and check it gives the same probabilities
 *
 *   node models/turn-detector/pipeline.ts [--out dir] [--seed s] [--scale x] [--epochs n]
 *                                         [--data-out dir]
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CutoffPoint,
  type EvalFigures,
  evaluate,
  formatReport,
} from '../../src/cli/turn-detector-command.ts';
import { extractFeatureIds, FEATURE_VERSION } from '../../src/providers/local/turn-features.ts';
import {
  CATEGORIES,
  type Example,
  generateDataset,
  TARGET_CATEGORIES,
  writeJsonl,
} from './data.ts';
import { predict } from './model.ts';
import { exportOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from './onnx-export.ts';
import { SPLITS } from './pools.ts';
import { buildFeatureSet, DEFAULT_TRAIN_OPTIONS, predictSet, train } from './train.ts';

const HERE = import.meta.dirname;

function bar(label: string, fraction: number, extra = ''): void {
  const width = 30;
  const filled = Math.round(fraction * width);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * fraction).toFixed(0).padStart(3)}% ${extra}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else if (fraction >= 1) process.stderr.write(`${line}\n`);
}

function endBar(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}

function byCategory(
  examples: readonly Example[],
  scores: ArrayLike<number>,
): Map<string, EvalFigures> {
  const out = new Map<string, EvalFigures>();
  for (const c of CATEGORIES) {
    const idx: number[] = [];
    examples.forEach((e, i) => {
      if (e.category === c) idx.push(i);
    });
    if (idx.length === 0) continue;
    out.set(
      c,
      evaluate(
        idx.map((i) => scores[i]!),
        idx.map((i) => examples[i]!.label),
      ),
    );
  }
  return out;
}

const round = (x: number, d = 4) => Number(x.toFixed(d));
const point = (p: CutoffPoint) => ({
  threshold: round(p.threshold),
  recall: round(p.recall),
  falseCutoffRate: round(p.falseCutoffRate),
});
const figures = (f: EvalFigures) => ({
  n: f.n,
  complete: f.complete,
  incomplete: f.incomplete,
  accuracy: round(f.accuracy),
  auc: round(f.auc),
  logLoss: round(f.logLoss),
  at95: point(f.at95),
  at99: point(f.at99),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: HERE },
      seed: { type: 'string', default: DEFAULT_TRAIN_OPTIONS.seed },
      scale: { type: 'string', default: '1' },
      epochs: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.epochs) },
      'data-out': { type: 'string' },
      'split-seed': { type: 'string', default: 'fixed' },
      // Experiment knobs (defaults: DEFAULT_TRAIN_OPTIONS).
      dropout: { type: 'string' },
      lr: { type: 'string' },
      dim: { type: 'string' },
      hidden: { type: 'string' },
      buckets: { type: 'string' },
    },
  });
  const started = performance.now();
  const seed = values.seed;
  const t0 = performance.now();
  const data = generateDataset({
    seed,
    scale: Number(values.scale),
    splitSeed: values['split-seed'],
  });
  const genMs = performance.now() - t0;
  const sizes = Object.fromEntries(
    SPLITS.map((s) => {
      const xs = data[s];
      return [
        s,
        {
          examples: xs.length,
          complete: xs.filter((e) => e.label === 1).length,
          templates: new Set(xs.map((e) => e.template)).size,
          domains: [...new Set(xs.map((e) => e.domain))].sort(),
        },
      ];
    }),
  );
  console.error(
    `data: ${SPLITS.map((s) => `${s} ${data[s].length}`).join(', ')} examples (${(genMs / 1000).toFixed(1)} s; ${data.conflicts} conflicting dropped)`,
  );
  if (values['data-out']) {
    mkdirSync(values['data-out'], { recursive: true });
    for (const s of SPLITS) writeJsonl(join(values['data-out'], `${s}.jsonl`), data[s]);
    console.error(`wrote the splits to ${values['data-out']}`);
  }

  const d = DEFAULT_TRAIN_OPTIONS;
  const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  const opts = {
    ...d,
    seed,
    epochs: Number(values.epochs),
    featureDropout: num(values.dropout, d.featureDropout),
    learningRate: num(values.lr, d.learningRate),
    shape: {
      buckets: num(values.buckets, d.shape.buckets),
      dim: num(values.dim, d.shape.dim),
      hidden: num(values.hidden, d.shape.hidden),
    },
  };
  const buckets = opts.shape.buckets;
  const extract = (e: Pick<Example, 'context' | 'text'>) => extractFeatureIds(e, buckets);
  const t1 = performance.now();
  const sets = {
    train: buildFeatureSet(data.train, extract, (d, n) => bar('features', d / n, `${d}/${n}`)),
    dev: buildFeatureSet(data.dev, extract),
    test: buildFeatureSet(data.test, extract),
  };
  endBar();
  const featMs = performance.now() - t1;
  console.error(
    `features: ${(sets.train.ids.length / data.train.length).toFixed(0)} ids per example (${(featMs / 1000).toFixed(1)} s)`,
  );

  const t2 = performance.now();
  let epochStart = performance.now();
  const { model, bestEpoch } = train(sets.train, {
    ...opts,
    onProgress: (epoch, fraction, loss) =>
      bar(`epoch ${epoch}/${opts.epochs}`, fraction, `loss ${loss.toFixed(4)}`),
    onEpoch: (epoch, m, loss) => {
      endBar();
      const dev = evaluate(predictSet(m, sets.dev), sets.dev.labels);
      console.error(
        `epoch ${epoch}: train loss ${loss.toFixed(4)}, dev loss ${dev.logLoss.toFixed(4)}, AUC ${dev.auc.toFixed(4)}, false cut-offs at 95% recall ${(100 * dev.at95.falseCutoffRate).toFixed(1)}% (${((performance.now() - epochStart) / 1000).toFixed(1)} s)`,
      );
      epochStart = performance.now();
      return -dev.logLoss;
    },
  });
  const trainMs = performance.now() - t2;
  console.error(`kept epoch ${bestEpoch} (lowest dev log-loss)`);

  // Evaluation (TypeScript forward pass).
  const devScores = predictSet(model, sets.dev);
  const testScores = predictSet(model, sets.test);
  const dev = evaluate(devScores, sets.dev.labels);
  const devCats = byCategory(data.dev, devScores);

  // Export.
  mkdirSync(values.out, { recursive: true });
  const modelPath = join(values.out, 'model.onnx');
  const bytes = exportOnnx(model, {
    producerVersion: String(FEATURE_VERSION),
    doc: 'voicechart semantic turn detector: hashed text features → embedding bag → MLP → P(turn complete). See README.md.',
    metadata: { featureVersion: String(FEATURE_VERSION), hashBuckets: String(buckets), seed },
  });
  writeFileSync(modelPath, bytes);
  const config = {
    featureVersion: FEATURE_VERSION,
    hashBuckets: buckets,
    embeddingDim: opts.shape.dim,
    hidden: opts.shape.hidden,
    input: ONNX_INPUT,
    output: ONNX_OUTPUT,
    opset: ONNX_OPSET,
    seed,
    language: 'en',
    // Informational (the session maps p to a delay itself): dev-split operating points.
    thresholds: { recall95: round(dev.at95.threshold), recall99: round(dev.at99.threshold) },
  };
  writeFileSync(join(values.out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  // Check the exported file with onnxruntime-node against the TypeScript forward pass.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const ortScores = new Float64Array(data.test.length);
  const batch = 512;
  for (let i = 0; i < data.test.length; i += batch) {
    const end = Math.min(data.test.length, i + batch);
    let width = 1;
    for (let k = i; k < end; k++)
      width = Math.max(width, sets.test.offsets[k + 1]! - sets.test.offsets[k]!);
    const ids = new BigInt64Array((end - i) * width);
    for (let k = i; k < end; k++) {
      const from = sets.test.offsets[k]!;
      const to = sets.test.offsets[k + 1]!;
      for (let j = from; j < to; j++) ids[(k - i) * width + (j - from)] = BigInt(sets.test.ids[j]!);
    }
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('int64', ids, [end - i, width]) });
    const probs = out[ONNX_OUTPUT]!.data as Float32Array;
    for (let k = i; k < end; k++) ortScores[k] = probs[k - i]!;
  }
  await session.release();
  let maxDiff = 0;
  for (let i = 0; i < ortScores.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(ortScores[i]! - testScores[i]!));
  if (maxDiff > 1e-5) throw new Error(`ONNX and TypeScript probabilities differ by ${maxDiff}`);
  // Test figures are those of the shipped file as onnxruntime-node runs it (float32: scores
  // that saturate at 0 or 1 tie, which the float64 TypeScript pass would still order), so
  // `voicechart turn-detector eval` on the test split prints the same numbers.
  const test = evaluate(ortScores, sets.test.labels);
  const testCats = byCategory(data.test, ortScores);
  const tsTest = evaluate(testScores, sets.test.labels);

  const sizeBytes = statSync(modelPath).size;
  const metrics = {
    featureVersion: FEATURE_VERSION,
    seed,
    model: { bytes: sizeBytes, buckets, dim: opts.shape.dim, hidden: opts.shape.hidden, bestEpoch },
    splits: sizes,
    conflictsDropped: data.conflicts,
    dev: {
      overall: figures(dev),
      perCategory: Object.fromEntries([...devCats].map(([k, v]) => [k, figures(v)])),
    },
    test: {
      overall: figures(test),
      perCategory: Object.fromEntries([...testCats].map(([k, v]) => [k, figures(v)])),
    },
    onnxMaxAbsDiff: maxDiff > 0 ? Number(maxDiff.toExponential(2)) : 0,
  };
  writeFileSync(join(values.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);

  console.log('\nheld-out test split (templates and domains unseen in training):');
  console.log(formatReport(test, testCats));
  const misses = TARGET_CATEGORIES.filter((c) => {
    const f = testCats.get(c);
    return !f || !(f.auc >= 0.98 && f.at95.falseCutoffRate <= 0.05);
  });
  console.log(
    `\ntargets (AUC >= 0.98, false cut-offs <= 5% at 95% recall): overall ${test.auc >= 0.98 && test.at95.falseCutoffRate <= 0.05 ? 'met' : 'MISSED'}; per category ${misses.length === 0 ? 'met' : `MISSED for ${misses.join(', ')}`}`,
  );
  console.log(
    `ONNX check: onnxruntime-node gives the TypeScript probabilities within ${maxDiff.toExponential(1)} (TypeScript float64 pass: AUC ${tsTest.auc.toFixed(4)})`,
  );
  console.log(
    `wrote ${modelPath} (${(sizeBytes / 1e6).toFixed(2)} MB), config.json, metrics.json in ${values.out}`,
  );
  console.log(
    `time: data ${(genMs / 1000).toFixed(1)} s, features ${(featMs / 1000).toFixed(1)} s, training ${(trainMs / 1000).toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // Sanity examples.
  const phoneQ = [{ role: 'assistant', content: "What's the best phone number to reach you?" }];
  for (const [ctx, text] of [
    [phoneQ, 'my number is five five five'],
    [phoneQ, 'my number is five five five two one two four four three seven'],
    [[{ role: 'assistant', content: 'Is that correct?' }], "yes that's right"],
    [[], 'yeah'],
    [[], 'i want to uh'],
  ] as const) {
    const p = predict(model, extractFeatureIds({ context: ctx, text }, buckets));
    console.log(`  p = ${p.toFixed(3)}  ${ctx[0]?.content ?? '(no context)'}  >>  ${text}`);
  }
}

await main();
