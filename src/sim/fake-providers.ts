/**
 * Configurable fake providers for simulations, tests and benchmarks: real provider interfaces,
 * scripted behaviour, latencies and failures on the session clock. Zero latency means "answer
 * in the same tick" (no timer), so framework overhead can be measured on its own.
 */
import { AudioFrame } from '../audio/audio-frame.ts';
import { AsyncQueue } from '../providers/async-queue.ts';
import type { Llm, LlmChatRequest, LlmChunk } from '../providers/llm.ts';
import type { Stt, SttEvent, SttStream } from '../providers/stt.ts';
import type { Tts, TtsChunk, TtsStream } from '../providers/tts.ts';
import type { TurnDetector } from '../providers/turn-detector.ts';
import type { Vad, VadEvent, VadStream } from '../providers/vad.ts';
import type { SessionClock } from '../session/clock.ts';
import type { ChatMessage, ToolCall } from '../text/chat-context.ts';

const lifecycle = {
  updateOptions() {},
  async prewarm() {},
  async close() {},
};

function later(clock: SessionClock, ms: number, fn: () => void) {
  if (ms <= 0) fn();
  else clock.setTimeout(fn, ms);
}

/** Speech in a scripted user's audio: a tone loud enough for {@link FakeVad}. */
const SPEECH_AMPLITUDE = 8000;
const LOUD = 1000;

export interface ScriptedUtterance {
  /** What the fake STT will transcribe for this utterance ('' for a cough). */
  readonly text: string;
  /** Start, from the beginning of the audio. */
  readonly startMs: number;
  readonly durationMs: number;
}

/**
 * A user's microphone from a script: 20 ms frames at `sampleRate`, paced by the clock, with a
 * tone during utterances and silence between. Ends `tailMs` after the last utterance.
 */
export async function* scriptedMicrophone(opts: {
  clock: SessionClock;
  script: readonly ScriptedUtterance[];
  sampleRate?: number;
  frameMs?: number;
  tailMs?: number;
}): AsyncGenerator<AudioFrame> {
  const rate = opts.sampleRate ?? 16000;
  const frameMs = opts.frameMs ?? 20;
  const n = Math.round((rate * frameMs) / 1000);
  const last = Math.max(0, ...opts.script.map((u) => u.startMs + u.durationMs));
  const end = last + (opts.tailMs ?? 4000);
  const speech = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    speech[i] = Math.round(SPEECH_AMPLITUDE * Math.sin((2 * Math.PI * 220 * i) / rate));
  }
  const silence = new Int16Array(n);
  for (let t = 0; t < end; t += frameMs) {
    await new Promise<void>((resolve) => opts.clock.setTimeout(resolve, frameMs));
    const speaking = opts.script.some((u) => t >= u.startMs && t < u.startMs + u.durationMs);
    yield new AudioFrame(speaking ? speech : silence, rate, 1, t);
  }
}

function isLoud(frame: AudioFrame): boolean {
  const d = frame.data;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]!) >= LOUD) return true;
  return false;
}

/** Energy VAD: speech starts on a loud frame, ends after `minSilenceMs` of quiet (back-dated). */
export class FakeVad implements Vad {
  readonly label = 'fake-vad';
  readonly capabilities = { sampleRate: 16000, windowMs: 20 };
  readonly updateOptions = lifecycle.updateOptions;
  readonly prewarm = lifecycle.prewarm;
  readonly close = lifecycle.close;
  private readonly minSilenceMs: number;

  constructor(opts: { minSilenceMs?: number } = {}) {
    this.minSilenceMs = opts.minSilenceMs ?? 100;
  }

  stream(): VadStream {
    const queue = new AsyncQueue<VadEvent>();
    let speaking = false;
    let speechStart = 0;
    let lastLoudEnd = 0;
    return {
      pushFrame: (frame) => {
        const end = frame.startMs + frame.durationMs;
        if (isLoud(frame)) {
          lastLoudEnd = end;
          if (!speaking) {
            speaking = true;
            speechStart = frame.startMs;
            queue.push({ type: 'speechStarted', atMs: speechStart });
          }
        } else if (speaking && end - lastLoudEnd >= this.minSilenceMs) {
          speaking = false;
          queue.push({
            type: 'speechEnded',
            atMs: lastLoudEnd,
            speechDurationMs: lastLoudEnd - speechStart,
          });
        }
      },
      endInput: () => queue.end(),
      close: () => queue.close(),
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }
}

export interface FakeSttOptions {
  clock: SessionClock;
  script: readonly ScriptedUtterance[];
  finalLatencyMs?: number;
  /** Quiet needed to close an utterance. */
  silenceMs?: number;
}

/**
 * STT that "recognizes" the scripted utterances in order: it finds utterance boundaries by
 * energy like a VAD and emits the next script text as a final `finalLatencyMs` after the end.
 */
export class FakeStt implements Stt {
  readonly label = 'fake-stt';
  readonly capabilities = { streaming: true, interimResults: true, wordTimestamps: false };
  readonly updateOptions = lifecycle.updateOptions;
  readonly prewarm = lifecycle.prewarm;
  readonly close = lifecycle.close;
  private readonly opts: FakeSttOptions;
  private readonly texts: string[];

  constructor(opts: FakeSttOptions) {
    this.opts = opts;
    this.texts = opts.script.map((u) => u.text);
  }

  async recognize() {
    return { text: this.texts.shift() ?? '' };
  }

  stream(): SttStream {
    const queue = new AsyncQueue<SttEvent>();
    const silenceMs = this.opts.silenceMs ?? 100;
    let inSpeech = false;
    let quietMs = 0;
    return {
      pushFrame: (frame) => {
        if (isLoud(frame)) {
          quietMs = 0;
          if (!inSpeech) {
            inSpeech = true;
            queue.push({ type: 'speechStarted' });
          }
          return;
        }
        if (!inSpeech) return;
        quietMs += frame.durationMs;
        if (quietMs < silenceMs) return;
        inSpeech = false;
        const text = this.texts.shift() ?? '';
        later(this.opts.clock, this.opts.finalLatencyMs ?? 0, () => {
          if (text) queue.push({ type: 'final', text });
          queue.push({ type: 'speechEnded' });
        });
      },
      flush: () => {},
      endInput: () => queue.end(),
      close: () => queue.close(),
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }
}

export interface FakeLlmReply {
  text?: string;
  toolCalls?: ToolCall[];
  /** Fail with this message instead of answering (after the first token delay). */
  error?: string;
}

export interface FakeLlmOptions {
  clock: SessionClock;
  reply?: (messages: readonly ChatMessage[]) => FakeLlmReply;
  ttftMs?: number;
  tokenIntervalMs?: number;
}

/** LLM that answers from a function of the conversation, with latency and token pacing. */
export class FakeLlm implements Llm {
  readonly label = 'fake-llm';
  readonly capabilities = { streaming: true as const, toolCalls: true };
  readonly updateOptions = lifecycle.updateOptions;
  readonly prewarm = lifecycle.prewarm;
  readonly close = lifecycle.close;
  requests = 0;
  private readonly opts: FakeLlmOptions;

  constructor(opts: FakeLlmOptions) {
    this.opts = opts;
  }

  chat(req: LlmChatRequest): AsyncIterable<LlmChunk> {
    this.requests++;
    const queue = new AsyncQueue<LlmChunk>();
    const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
    const reply = this.opts.reply?.(req.messages) ?? {
      text: `You said: ${lastUser?.content ?? ''}`,
    };
    const tokens = reply.text ? (reply.text.match(/\S+\s*/g) ?? []) : [];
    const interval = this.opts.tokenIntervalMs ?? 0;
    const emit = (i: number): void => {
      if (req.signal?.aborted) {
        queue.close();
        return;
      }
      if (reply.error) {
        queue.fail(new Error(reply.error));
        return;
      }
      if (i < tokens.length) {
        queue.push({ type: 'delta', text: tokens[i]! });
        later(this.opts.clock, interval, () => emit(i + 1));
        return;
      }
      for (const call of reply.toolCalls ?? []) queue.push({ type: 'toolCall', call });
      queue.push({ type: 'done', finishReason: reply.toolCalls?.length ? 'tool_calls' : 'stop' });
      queue.end();
    };
    later(this.opts.clock, this.opts.ttftMs ?? 0, () => emit(0));
    return queue;
  }
}

export interface FakeTtsOptions {
  clock: SessionClock;
  ttfbMs?: number;
  wordsPerSecond?: number;
  sampleRate?: number;
  /** Fail after this many words were synthesized. */
  failAfterWords?: number;
}

/** TTS producing silence whose length follows the words, one frame per word, with timings. */
export class FakeTts implements Tts {
  readonly label = 'fake-tts';
  readonly capabilities: Tts['capabilities'];
  readonly updateOptions = lifecycle.updateOptions;
  readonly prewarm = lifecycle.prewarm;
  readonly close = lifecycle.close;
  private readonly opts: FakeTtsOptions;

  constructor(opts: FakeTtsOptions) {
    this.opts = opts;
    this.capabilities = {
      streaming: true,
      wordTimestamps: true,
      sampleRate: opts.sampleRate ?? 24000,
      channels: 1,
    };
  }

  async *synthesize(text: string): AsyncIterable<TtsChunk> {
    const s = this.stream();
    s.pushText(text);
    s.endInput();
    yield* s;
  }

  stream(): TtsStream {
    const queue = new AsyncQueue<TtsChunk>();
    const rate = this.capabilities.sampleRate;
    const msPerWord = 1000 / (this.opts.wordsPerSecond ?? 2.5);
    const samplesPerWord = Math.round((rate * msPerWord) / 1000);
    let producedMs = 0;
    let words = 0;
    let started = false;
    let warm = false;
    const waiting: (() => void)[] = [];
    let buffer = '';
    let closed = false;
    const synth = (text: string) => {
      for (const word of text.split(/\s+/).filter(Boolean)) {
        if (closed) return;
        if (this.opts.failAfterWords !== undefined && words >= this.opts.failAfterWords) {
          closed = true;
          queue.fail(new Error('fake TTS failure'));
          return;
        }
        queue.push({
          frame: new AudioFrame(new Int16Array(samplesPerWord), rate, 1, producedMs),
          words: [{ word, startMs: producedMs, endMs: producedMs + msPerWord }],
        });
        producedMs += msPerWord;
        words++;
      }
    };
    // Work arriving during the first-byte delay runs after it, in order.
    const run = (fn: () => void) => {
      if (warm) {
        fn();
        return;
      }
      waiting.push(fn);
      if (started) return;
      started = true;
      later(this.opts.clock, this.opts.ttfbMs ?? 0, () => {
        warm = true;
        for (const f of waiting.splice(0)) f();
      });
    };
    return {
      pushText: (text) => {
        buffer += text;
        const cut = buffer.lastIndexOf(' ');
        if (cut < 0) return;
        const ready = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        run(() => synth(ready));
      },
      flush: () => {
        const ready = buffer;
        buffer = '';
        run(() => synth(ready));
      },
      endInput: () => {
        const ready = buffer;
        buffer = '';
        run(() => {
          synth(ready);
          if (!closed) queue.end();
        });
      },
      close: () => {
        closed = true;
        queue.close();
      },
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }
}

export interface FakeTurnDetectorOptions {
  clock: SessionClock;
  probability?: (transcript: string) => number;
  latencyMs?: number;
}

/** Turn detector from a function of the transcript, with latency. */
export class FakeTurnDetector implements TurnDetector {
  readonly label = 'fake-turn-detector';
  readonly capabilities = { languages: ['en'] };
  readonly updateOptions = lifecycle.updateOptions;
  readonly prewarm = lifecycle.prewarm;
  readonly close = lifecycle.close;
  private readonly opts: FakeTurnDetectorOptions;

  constructor(opts: FakeTurnDetectorOptions) {
    this.opts = opts;
  }

  predictEndOfTurn(req: { transcript: string }): Promise<number> {
    const p = this.opts.probability?.(req.transcript) ?? 1;
    return new Promise((resolve) =>
      later(this.opts.clock, this.opts.latencyMs ?? 0, () => resolve(p)),
    );
  }
}
