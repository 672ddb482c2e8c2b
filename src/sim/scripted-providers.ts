/**
 * Providers the simulator drives from the caller's script instead of from audio: a VAD that
 * reports the caller's sound with a start latency and a minimum silence (back-dated like a
 * real one), an STT oracle that transcribes exactly what the script says with interim results
 * and a final latency, a heuristic turn detector, and an LLM with scripted replies, tool calls,
 * latencies, jitter, spikes and errors that counts what it streamed.
 */

import { AsyncQueue } from '../providers/async-queue.ts';
import type { Llm, LlmChatRequest, LlmChunk } from '../providers/llm.ts';
import type { Stt, SttEvent, SttStream } from '../providers/stt.ts';
import type { Vad, VadEvent, VadStream } from '../providers/vad.ts';
import type { SessionClock } from '../session/clock.ts';
import type { ChatMessage } from '../text/chat-context.ts';
import type { CallerSegment, CallerSimulator } from './caller.ts';

/** The scripted VAD notices a change of sound one analysis window late, like a real one. */
const WINDOW_MS = 32;

const noop = {
  updateOptions() {},
  async prewarm() {},
  async close() {},
};

export interface ScriptedVadOptions {
  clock: SessionClock;
  caller: CallerSimulator;
  /** speechStarted is reported this long after the sound starts. Default 100. */
  startLatencyMs?: number;
  /** speechEnded after this much silence, back-dated to the end of the sound. Default 550. */
  minSilenceMs?: number;
}

/** VAD over the caller's script: every sound (speech or noise) is voice activity. */
export class ScriptedVad implements Vad {
  readonly label = 'scripted-vad';
  readonly capabilities = { sampleRate: 16000, windowMs: 32 };
  readonly updateOptions = noop.updateOptions;
  readonly prewarm = noop.prewarm;
  readonly close = noop.close;
  private readonly opts: ScriptedVadOptions;

  constructor(opts: ScriptedVadOptions) {
    this.opts = opts;
  }

  stream(): VadStream {
    const { clock } = this.opts;
    const startLatency = this.opts.startLatencyMs ?? 100;
    const minSilence = this.opts.minSilenceMs ?? 550;
    const queue = new AsyncQueue<VadEvent>();
    let speaking = false;
    let startedAt = 0;
    let sounding = 0;
    let endTimer: unknown = null;
    let startTimer: unknown = null;
    let closed = false;
    const inference = (atMs: number, silenceDurationMs: number): VadEvent => ({
      type: 'inference',
      atMs,
      probability: silenceDurationMs > 0 ? 0.05 : 0.95,
      speaking: true,
      speechDurationMs: atMs - startedAt,
      silenceDurationMs,
    });
    this.opts.caller.listen({
      segmentStarted: (s) => {
        if (closed) return;
        sounding++;
        if (endTimer !== null) {
          clock.clearTimeout(endTimer);
          endTimer = null;
        }
        if (speaking) {
          // Sound again inside the same speech: noticed one window later.
          const resumedAt = s.startMs;
          clock.setTimeout(() => {
            if (!closed && speaking && sounding > 0)
              queue.push(inference(resumedAt + WINDOW_MS, 0));
          }, WINDOW_MS);
          return;
        }
        if (startTimer !== null) return;
        const atMs = s.startMs;
        startTimer = clock.setTimeout(() => {
          startTimer = null;
          if (closed) return;
          speaking = true;
          startedAt = atMs;
          queue.push({ type: 'speechStarted', atMs });
        }, startLatency);
      },
      segmentEnded: (s) => {
        if (closed) return;
        sounding--;
        if (sounding > 0) return;
        const endedAt = s.endMs;
        // Within speech the silence is noticed after two quiet windows (the hangover runs on).
        clock.setTimeout(() => {
          if (!closed && speaking && sounding === 0) {
            queue.push(inference(endedAt + 2 * WINDOW_MS, 2 * WINDOW_MS));
          }
        }, 2 * WINDOW_MS);
        endTimer = clock.setTimeout(() => {
          endTimer = null;
          if (closed || sounding > 0) return;
          if (startTimer !== null) {
            // The sound was shorter than the start latency plus silence: still report it.
            clock.clearTimeout(startTimer);
            startTimer = null;
            speaking = true;
            startedAt = s.startMs;
            queue.push({ type: 'speechStarted', atMs: s.startMs });
          }
          if (!speaking) return;
          speaking = false;
          queue.push({ type: 'speechEnded', atMs: endedAt, speechDurationMs: endedAt - startedAt });
        }, minSilence);
      },
    });
    return {
      pushFrame: () => {},
      endInput: () => queue.end(),
      close: () => {
        closed = true;
        queue.close();
      },
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }
}

export interface ScriptedSttOptions {
  clock: SessionClock;
  caller: CallerSimulator;
  /** Final transcript this long after each speech segment ends. Default 200. */
  finalLatencyMs?: number;
  /** Interim transcripts this often while speaking (0: none). Default 300. */
  interimIntervalMs?: number;
}

/** An STT oracle: transcribes the caller's speech segments exactly; noises give no text. */
export class ScriptedStt implements Stt {
  readonly label = 'scripted-stt';
  readonly capabilities = { streaming: true, interimResults: true, wordTimestamps: true };
  readonly updateOptions = noop.updateOptions;
  readonly prewarm = noop.prewarm;
  readonly close = noop.close;
  private readonly opts: ScriptedSttOptions;

  constructor(opts: ScriptedSttOptions) {
    this.opts = opts;
  }

  async recognize(): Promise<{ text: string }> {
    throw new Error('ScriptedStt transcribes streams only');
  }

  stream(): SttStream {
    const { clock } = this.opts;
    const finalLatency = this.opts.finalLatencyMs ?? 200;
    const interval = this.opts.interimIntervalMs ?? 300;
    const queue = new AsyncQueue<SttEvent>();
    let closed = false;
    const heard = (s: CallerSegment, until: number) =>
      s.words
        .filter((w) => w.endMs <= until)
        .map((w) => w.word)
        .join(' ');
    this.opts.caller.listen({
      segmentStarted: (s) => {
        if (closed || s.kind !== 'speech') return;
        queue.push({ type: 'speechStarted', atMs: s.startMs });
        if (interval <= 0) return;
        const tick = () => {
          if (closed || clock.now() >= s.endMs) return;
          const text = heard(s, clock.now());
          if (text) queue.push({ type: 'interim', text });
          clock.setTimeout(tick, interval);
        };
        clock.setTimeout(tick, interval);
      },
      segmentEnded: (s) => {
        if (closed || s.kind !== 'speech') return;
        const final = () => {
          if (closed) return;
          queue.push({
            type: 'final',
            text: s.text,
            confidence: 1,
            words: s.words.map((w) => ({ word: w.word, startMs: w.startMs, endMs: w.endMs })),
            startMs: s.startMs,
            endMs: s.endMs,
          });
          queue.push({ type: 'speechEnded' });
        };
        if (finalLatency <= 0) final();
        else clock.setTimeout(final, finalLatency);
      },
    });
    return {
      pushFrame: () => {},
      flush: () => {},
      endInput: () => queue.end(),
      close: () => {
        closed = true;
        queue.close();
      },
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }
}

const INCOMPLETE_ENDINGS = new Set(
  (
    'and or but so because if then that which who to for of in on at with from by about into ' +
    'the a an my your our their his her its is are was were be am um uh er like ' +
    'zero oh one two three four five six seven eight nine ten at dot dash'
  ).split(' '),
);

/**
 * A crude end-of-turn probability from text alone: low after fillers, conjunctions,
 * prepositions, articles and digits (a number or an address is probably going on), high
 * otherwise. Stands in for a trained turn detector in simulations.
 */
export function heuristicTurnProbability(transcript: string): number {
  const words = transcript
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .trim()
    .split(/\s+/);
  const last = words.at(-1) ?? '';
  if (last === '') return 0.5;
  if (/^\d+$/.test(last) || INCOMPLETE_ENDINGS.has(last)) return 0.05;
  return 0.9;
}

/** A scripted tool call of {@link SimulatedLlm}. */
export interface SimulatedToolCall {
  /** The user turn (1-based) whose reply calls the tool. */
  atReply: number;
  name: string;
  args?: Record<string, unknown>;
}

export interface SimulatedLlmOptions {
  clock: SessionClock;
  /** Reply to user turn k is replies[k-1] (the last repeats); without replies, an echo. */
  replies?: readonly string[];
  toolCalls?: readonly SimulatedToolCall[];
  ttftMs?: number;
  tokensPerSecond?: number;
  jitterMs?: number;
  /** Fail request n (1-based, counting every request). */
  errorAtRequest?: number;
  errorAfterTokens?: number;
  spike?: { request: number; ms: number };
  seed?: number;
}

/** What one request did. */
export interface SimulatedLlmRequest {
  readonly n: number;
  /** The user turn it answers (user messages in its context). */
  readonly turn: number;
  tokens: number;
  outcome: 'streaming' | 'completed' | 'aborted' | 'failed';
  readonly text: string;
}

/** A small seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const countUserTurns = (messages: readonly ChatMessage[]) =>
  messages.filter((m) => m.role === 'user').length;

/** Tokens as the simulated LLM streams them: a word with its trailing space. */
export const tokenize = (text: string): string[] => text.match(/\S+\s*/g) ?? [];

/** LLM with scripted replies: the simulator's configurable model. */
export class SimulatedLlm implements Llm {
  readonly label = 'simulated-llm';
  readonly capabilities = { streaming: true as const, toolCalls: true };
  readonly updateOptions = noop.updateOptions;
  readonly prewarm = noop.prewarm;
  readonly close = noop.close;
  readonly requests: SimulatedLlmRequest[] = [];
  private readonly opts: SimulatedLlmOptions;
  private readonly random: () => number;

  constructor(opts: SimulatedLlmOptions) {
    this.opts = opts;
    this.random = seededRandom(opts.seed ?? 1);
  }

  private replyFor(turn: number, messages: readonly ChatMessage[]): string {
    const replies = this.opts.replies;
    if (replies && replies.length > 0) return replies[Math.min(turn, replies.length) - 1] ?? '';
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    return `You said: ${lastUser?.content ?? ''}`;
  }

  chat(req: LlmChatRequest): AsyncIterable<LlmChunk> {
    const { clock } = this.opts;
    const n = this.requests.length + 1;
    const turn = Math.max(1, countUserTurns(req.messages));
    const afterTool = req.messages.at(-1)?.role === 'tool';
    const call = afterTool
      ? undefined
      : this.opts.toolCalls?.find(
          (c) => c.atReply === turn && (req.tools ?? []).some((t) => t.name === c.name),
        );
    const text = call ? '' : this.replyFor(turn, req.messages);
    const record: SimulatedLlmRequest = { n, turn, tokens: 0, outcome: 'streaming', text };
    this.requests.push(record);
    const queue = new AsyncQueue<LlmChunk>();
    const tokens = tokenize(text);
    const interval = 1000 / (this.opts.tokensPerSecond ?? 40);
    const jitter = (this.opts.jitterMs ?? 0) * this.random();
    const spike = this.opts.spike?.request === n ? this.opts.spike.ms : 0;
    const failAt = this.opts.errorAtRequest === n ? (this.opts.errorAfterTokens ?? 0) : -1;
    let timer: unknown = null;
    const onAbort = () => {
      if (timer !== null) clock.clearTimeout(timer);
      if (record.outcome === 'streaming') record.outcome = 'aborted';
      queue.fail(req.signal?.reason ?? new Error('aborted'));
    };
    if (req.signal?.aborted) {
      record.outcome = 'aborted';
      queue.fail(req.signal.reason);
      return queue;
    }
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const emit = (i: number) => {
      timer = null;
      if (req.signal?.aborted) return;
      if (i === failAt) {
        record.outcome = 'failed';
        req.signal?.removeEventListener('abort', onAbort);
        queue.fail(new Error(`simulated LLM error at request ${n}`));
        return;
      }
      if (i < tokens.length) {
        queue.push({ type: 'delta', text: tokens[i]! });
        record.tokens++;
        timer = clock.setTimeout(() => emit(i + 1), interval);
        return;
      }
      if (call) {
        queue.push({
          type: 'toolCall',
          call: {
            id: `sim_call_${n}`,
            name: call.name,
            arguments: JSON.stringify(call.args ?? {}),
          },
        });
      }
      queue.push({ type: 'done', finishReason: call ? 'tool_calls' : 'stop' });
      record.outcome = 'completed';
      req.signal?.removeEventListener('abort', onAbort);
      queue.end();
    };
    timer = clock.setTimeout(() => emit(0), (this.opts.ttftMs ?? 300) + jitter + spike);
    return queue;
  }
}
