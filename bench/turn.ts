/**
 * npm run bench:turn — cost of our semantic turn detector (models/turn-detector/):
 *
 * 1. size on disk of the model and its config;
 * 2. latency of one prediction (feature extraction + ONNX Runtime, batch of one, one intra-op
 *    thread), p50 / p95 over a few thousand predictions on varied turns, and the feature
 *    extraction alone; the npm script pins the process to one core with taskset when it exists;
 * 3. resident memory added by ONNX Runtime's environment and by the model itself.
 *
 * Prints a comparison with the figures LiveKit publishes for its Qwen2.5-0.5B turn detector (we
 * neither ship nor run it). Asserts nothing (timings depend on the machine).
 */
import { statSync } from 'node:fs';
import { initModel } from '../models/turn-detector/model.ts';
import { exportOnnx } from '../models/turn-detector/onnx-export.ts';
import { makeRng } from '../models/turn-detector/rng.ts';
import {
  DEFAULT_TURN_CONFIG_PATH,
  DEFAULT_TURN_MODEL_PATH,
  OnnxTurnDetector,
} from '../src/providers/local/onnx-turn-detector.ts';
import { extractFeatureIds } from '../src/providers/local/turn-features.ts';
import type { ChatMessage } from '../src/text/chat-context.ts';

const ask = (content: string): ChatMessage[] => [{ id: 'a1', role: 'assistant', content }];
const TURNS: Array<[ChatMessage[], string]> = [
  [ask("What's the best phone number to reach you?"), 'my number is five five five'],
  [
    ask("What's the best phone number to reach you?"),
    'my number is five five five two one two four four three seven',
  ],
  [ask("What's your email address?"), 'john dot smith at gmail dot'],
  [ask("What's your email address?"), 'john dot smith at gmail dot com'],
  [ask('Is that correct?'), "yes that's right"],
  [ask('What would you like to order?'), 'i need eggs milk and'],
  [ask('How can I help you today?'), "i'd like to book a table for four people tomorrow at seven"],
  [ask('How can I help you today?'), 'i want to uh'],
  [ask("What's the shipping address?"), 'fourteen twenty eight maple street apartment'],
  [ask('Can you spell your last name?'), 'smith s m i t h'],
  [[], 'yeah'],
  [
    ask('Thanks for calling. What seems to be the problem with your internet today?'),
    'so basically my internet keeps dropping every few minutes and i already restarted the router twice but it did not help at all',
  ],
];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const modelBytes = statSync(DEFAULT_TURN_MODEL_PATH).size;
  const configBytes = statSync(DEFAULT_TURN_CONFIG_PATH).size;
  console.log(
    `size on disk: model.onnx ${mb(modelBytes)} + config.json ${(configBytes / 1e3).toFixed(1)} kB = ${mb(modelBytes + configBytes)} (no tokenizer or vocabulary: features are hashed)`,
  );

  // Memory: first ONNX Runtime's own environment (a session of a tiny model of the same
  // graph; a real stack shares it with Silero VAD), then the turn model on top of it.
  const ort = await import('onnxruntime-node');
  const settle = () => {
    (globalThis as { gc?: () => void }).gc?.();
  };
  settle();
  const rssStart = process.memoryUsage().rss;
  const tiny = await ort.InferenceSession.create(
    exportOnnx(initModel({ buckets: 16, dim: 4, hidden: 2 }, makeRng('bench'))),
    { intraOpNumThreads: 1, interOpNumThreads: 1 },
  );
  settle();
  const rssBefore = process.memoryUsage().rss;
  const detector = await OnnxTurnDetector.load();
  settle();
  const rssAfter = process.memoryUsage().rss;

  const n = 3000;
  const times: number[] = [];
  const featureTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const [messages, transcript] = TURNS[i % TURNS.length]!;
    await detector.predictEndOfTurn({ messages, transcript });
  }
  for (let i = 0; i < n; i++) {
    const [messages, transcript] = TURNS[i % TURNS.length]!;
    const t0 = performance.now();
    await detector.predictEndOfTurn({ messages, transcript });
    times.push(performance.now() - t0);
    const t1 = performance.now();
    extractFeatureIds({ context: messages, text: transcript }, 32768);
    featureTimes.push(performance.now() - t1);
  }
  settle();
  const rssRunning = process.memoryUsage().rss;
  times.sort((a, b) => a - b);
  featureTimes.sort((a, b) => a - b);
  const p50 = percentile(times, 0.5);
  const p95 = percentile(times, 0.95);
  console.log(
    `latency of one prediction (features + ONNX Runtime, 1 thread), ${n} runs: p50 ${p50.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms, max ${times[times.length - 1]!.toFixed(3)} ms`,
  );
  console.log(
    `  of which feature extraction: p50 ${percentile(featureTimes, 0.5).toFixed(3)} ms, p95 ${percentile(featureTimes, 0.95).toFixed(3)} ms`,
  );
  console.log(
    `memory: ONNX Runtime environment +${mb(rssBefore - rssStart)} RSS (shared with Silero VAD); the turn model +${mb(rssAfter - rssBefore)} after loading, +${mb(rssRunning - rssBefore)} after ${n} predictions; process RSS ${mb(rssRunning)}`,
  );
  console.log(
    `\ncompared with LiveKit's turn detector (Qwen2.5-0.5B; their published figures, not run here): 281 MB on disk, ~25 ms per inference, ~400 MB RAM`,
  );
  console.log(
    `ours: ${mb(modelBytes + configBytes)} on disk (${(281e6 / (modelBytes + configBytes)).toFixed(0)}x smaller), ${p50.toFixed(2)} ms p50 (${(25 / p50).toFixed(0)}x faster), +${mb(rssAfter - rssBefore)} RSS for the model (+${mb(rssAfter - rssStart)} with the runtime)`,
  );
  await detector.close();
  await tiny.release();
}

await main();
