/**
 * The shipped model (models/turn-detector/): it loads through the provider from the package
 * paths, is small, gets a fixed hand-written labelled set right (cut-off phone number → long
 * wait, "yes that's right" → short wait), and its recorded held-out figures meet the targets.
 * Also the provider's errors (missing model, stale config) and abort handling.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTurnLines } from '../../src/cli/turn-detector-command.ts';
import { endpointingDelayFor, resolveSessionConfig } from '../../src/machines/session-config.ts';
import { ProviderError } from '../../src/providers/errors.ts';
import {
  DEFAULT_TURN_CONFIG_PATH,
  DEFAULT_TURN_MODEL_PATH,
  OnnxTurnDetector,
} from '../../src/providers/local/onnx-turn-detector.ts';
import { FEATURE_VERSION } from '../../src/providers/local/turn-features.ts';
import type { ChatMessage } from '../../src/text/chat-context.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'labelled.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'voicechart-turn-model-'));
let detector: OnnxTurnDetector;

beforeAll(async () => {
  detector = await OnnxTurnDetector.load();
});
afterAll(async () => {
  await detector.close();
  rmSync(dir, { recursive: true, force: true });
});

const phoneQuestion: ChatMessage[] = [
  { id: 's', role: 'system', content: 'You are a helpful assistant.' },
  { id: 'a1', role: 'assistant', content: "What's the best phone number to reach you?" },
];

describe('the shipped turn detector', () => {
  it('lives in models/turn-detector, resolved from src/ and from dist/ alike', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    expect(DEFAULT_TURN_MODEL_PATH).toBe(join(root, 'models', 'turn-detector', 'model.onnx'));
    expect(DEFAULT_TURN_CONFIG_PATH).toBe(join(root, 'models', 'turn-detector', 'config.json'));
    // The provider resolves ../../../models from its own file; dist/ has the same depth.
    const fromDist = new URL(
      '../../../models/turn-detector/model.onnx',
      pathToFileURL(join(root, 'dist', 'providers', 'local', 'onnx-turn-detector.js')),
    );
    expect(fileURLToPath(fromDist)).toBe(DEFAULT_TURN_MODEL_PATH);
  });

  it('is at most 10 MB with its config, for the feature version of this code', () => {
    const size = statSync(DEFAULT_TURN_MODEL_PATH).size + statSync(DEFAULT_TURN_CONFIG_PATH).size;
    expect(size).toBeLessThanOrEqual(10e6);
    const config = JSON.parse(readFileSync(DEFAULT_TURN_CONFIG_PATH, 'utf8'));
    expect(config.featureVersion).toBe(FEATURE_VERSION);
    expect(detector.capabilities.languages).toEqual(['en']);
  });

  it('gets every turn of the fixed labelled set on the right side of 0.5', async () => {
    const lines = parseTurnLines(readFileSync(FIXTURE, 'utf8'), FIXTURE, true);
    const probs = await detector.predictMany(lines);
    const wrong = lines.filter((l, i) => (probs[i]! >= 0.5 ? 1 : 0) !== l.label).map((l) => l.id);
    expect(wrong).toEqual([]);
  });

  it('waits long after a cut-off phone number and answers a plain confirmation quickly', async () => {
    const config = resolveSessionConfig({});
    const partial = await detector.predictEndOfTurn({
      messages: phoneQuestion,
      transcript: 'my number is five five five',
    });
    const full = await detector.predictEndOfTurn({
      messages: phoneQuestion,
      transcript: 'my number is five five five two one two four four three seven',
    });
    const yes = await detector.predictEndOfTurn({
      messages: [
        { id: 'a2', role: 'assistant', content: 'So that is 555-212-4437, is that correct?' },
      ],
      transcript: "yes that's right",
    });
    expect(partial).toBeLessThan(0.1);
    expect(full).toBeGreaterThan(0.9);
    expect(yes).toBeGreaterThan(0.9);
    expect(endpointingDelayFor(config, partial)).toBeGreaterThan(2500);
    expect(endpointingDelayFor(config, yes)).toBeLessThan(600);
  });

  it('rejects with the abort reason when the request is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('barge-in'));
    await expect(
      detector.predictEndOfTurn({ messages: [], transcript: 'yeah', signal: controller.signal }),
    ).rejects.toThrow('barge-in');
  });

  it('recorded held-out test figures that meet the targets (metrics.json)', () => {
    const metrics = JSON.parse(
      readFileSync(join(DEFAULT_TURN_MODEL_PATH, '..', 'metrics.json'), 'utf8'),
    );
    const test = metrics.test;
    expect(test.overall.auc).toBeGreaterThanOrEqual(0.98);
    expect(test.overall.at95.falseCutoffRate).toBeLessThanOrEqual(0.05);
    for (const c of [
      'phone',
      'email',
      'address',
      'card_account',
      'date_time',
      'spelled_name',
      'list',
      'hesitation',
    ]) {
      expect(test.perCategory[c].auc, c).toBeGreaterThanOrEqual(0.98);
      expect(test.perCategory[c].at95.falseCutoffRate, c).toBeLessThanOrEqual(0.05);
    }
    expect(metrics.onnxMaxAbsDiff).toBeLessThan(1e-5);
  });
});

describe('OnnxTurnDetector errors', () => {
  it('says how to build the model when the file is missing', async () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        featureVersion: FEATURE_VERSION,
        hashBuckets: 64,
        input: 'feature_ids',
        output: 'probability',
      }),
    );
    const missing = new OnnxTurnDetector({ modelPath: join(dir, 'model.onnx') });
    const err = await missing.prewarm().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(
      /model file .*model\.onnx is missing; run `npm run train:turn`/,
    );
    await missing.close();
  });

  it('refuses a model trained on another feature version', async () => {
    const stale = join(dir, 'stale');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(stale);
    writeFileSync(
      join(stale, 'config.json'),
      JSON.stringify({
        featureVersion: FEATURE_VERSION + 1,
        hashBuckets: 64,
        input: 'feature_ids',
        output: 'probability',
      }),
    );
    const d = new OnnxTurnDetector({ modelPath: join(stale, 'model.onnx') });
    await expect(d.predictEndOfTurn({ messages: [], transcript: 'yes' })).rejects.toThrow(
      /feature version/,
    );
    await d.close();
  });

  it('rejects updates of options it does not have, and use after close', async () => {
    const d = new OnnxTurnDetector();
    expect(() => d.updateOptions({ threshold: 0.5 } as never)).toThrow(/unknown option threshold/);
    await d.close();
    await expect(d.prewarm()).rejects.toThrow(/closed/);
  });
});
