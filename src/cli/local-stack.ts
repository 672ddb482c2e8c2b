/**
 * The embedded offline voice stack `voicechart run` uses by default: RNNoise, Silero VAD,
 * pocketsphinx STT, our end-of-turn model, Flite TTS (sentence by sentence), and the rule-based
 * dialogue engine with a
 * demo weather tool, or an OpenAI-compatible LLM when OPENAI_BASE_URL is set.
 */

import type { Llm } from '../providers/llm.ts';
import { FliteTts, type FliteVoice } from '../providers/local/flite-tts.ts';
import { OnnxTurnDetector } from '../providers/local/onnx-turn-detector.ts';
import { PocketsphinxStt } from '../providers/local/pocketsphinx-stt.ts';
import { RnnoiseCanceller } from '../providers/local/rnnoise.ts';
import { demoWeatherTool, RuleBasedLlm } from '../providers/local/rule-based-llm.ts';
import { SileroVad } from '../providers/local/silero-vad.ts';
import { OpenAiLlm } from '../providers/openai/openai-llm.ts';
import { StreamTts } from '../providers/stream-tts.ts';
import type { RunProviders } from './run.ts';

export interface LocalStackOptions {
  /** Flite voice. Default 'slt'. */
  voice?: FliteVoice;
  /** Turn noise cancellation off. */
  noNoiseCancellation?: boolean;
  /** Endpoint on the minimum delay only, without our end-of-turn model. */
  noTurnDetector?: boolean;
  /** Use this LLM instead of the environment's choice. */
  llm?: Llm;
  /** Environment to read OPENAI_BASE_URL etc. from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface LocalStack {
  readonly providers: RunProviders;
  /** One line naming each provider, for the CLI banner. */
  readonly description: string;
  close(): Promise<void>;
}

function chooseLlm(opts: LocalStackOptions): Llm {
  if (opts.llm) return opts.llm;
  const env = opts.env ?? process.env;
  if (env.OPENAI_BASE_URL?.trim()) return OpenAiLlm.fromEnv();
  return new RuleBasedLlm();
}

/**
 * Loads every model (in parallel) so the first turn is not slowed by a cold start.
 *
 * @example
 * ```ts
 * const stack = await createLocalStack();
 * const result = await runConversation({ input: 'hello.wav', outDir: 'out', providers: stack.providers });
 * await stack.close();
 * ```
 */
export async function createLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const vad = new SileroVad();
  const stt = new PocketsphinxStt();
  const flite = new FliteTts({ voice: opts.voice ?? 'slt' });
  const tts = new StreamTts(flite);
  const llm = chooseLlm(opts);
  const noiseCanceller = opts.noNoiseCancellation ? null : new RnnoiseCanceller();
  const turnDetector = opts.noTurnDetector ? null : new OnnxTurnDetector();
  const all = [
    vad,
    stt,
    tts,
    llm,
    ...(noiseCanceller ? [noiseCanceller] : []),
    ...(turnDetector ? [turnDetector] : []),
  ];
  try {
    await Promise.all(all.map((p) => p.prewarm()));
  } catch (error) {
    await Promise.allSettled(all.map((p) => p.close()));
    throw error;
  }
  const description = all.map((p) => p.label).join(', ');
  return {
    providers: { vad, stt, tts, llm, noiseCanceller, turnDetector, tools: [demoWeatherTool] },
    description,
    close: async () => {
      await Promise.allSettled(all.map((p) => p.close()));
    },
  };
}
