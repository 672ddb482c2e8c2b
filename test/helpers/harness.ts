/**
 * A scripted conversation around the real session machine: fake child actors (LLM, speech
 * segments, tools, turn detector) whose latencies run on a SimulatedClock, and a `speak()` that
 * schedules VAD and STT events like a user would produce them.
 */
import { type AnyActorRef, createActor, fromCallback } from 'xstate';
import { sessionMachine } from '../../src/machines/session.machine.ts';
import type {
  EotPredictCommand,
  LlmActorInput,
  SpeechActorInput,
  SpeechCommand,
  ToolActorInput,
} from '../../src/machines/session-actors.ts';
import type { SessionConfig } from '../../src/machines/session-config.ts';
import type { SessionEmitted, SessionEvent } from '../../src/machines/session-types.ts';
import { SimulatedClock } from '../../src/session/clock.ts';
import type { ToolCall } from '../../src/text/chat-context.ts';

export interface LlmScript {
  ttftMs?: number;
  text?: string;
  chunkIntervalMs?: number;
  toolCalls?: ToolCall[];
  error?: { afterMs: number; message: string };
  /** Never answer (first-token timeout). */
  hang?: boolean;
  /** Send only the first N text chunks, then nothing: no more deltas, no done, no error. */
  stallAfterChunks?: number;
}

export interface TtsScript {
  ttfbMs?: number;
  /** Playback speed of the fake audio. */
  wordsPerSecond?: number;
  wordTimings?: boolean;
  /** Fail this long after the first text. */
  errorAfterMs?: number;
  /** Never produce audio. */
  silent?: boolean;
  /** Take this long to report where a stopped speech stopped (Infinity: never). */
  stopLatencyMs?: number;
  /** Produce first audio but never finish synthesis: no `tts.done`, so no natural playout end. */
  neverDone?: boolean;
  /** Finish synthesis (`tts.done`) but never report the natural end of playout. */
  neverFinishPlayout?: boolean;
}

export interface HarnessOptions {
  config?: Partial<SessionConfig>;
  instructions?: string;
  llm?: (input: LlmActorInput, index: number) => LlmScript;
  tts?: TtsScript;
  /** Per-segment overrides of `tts`, by spawn order (0: the first segment). */
  ttsFor?: (segmentIndex: number) => TtsScript | undefined;
  tools?: Record<string, { latencyMs?: number; output?: string; hang?: boolean }>;
  /** End-of-turn probability for a transcript; omit for no turn detector. */
  eot?: (transcript: string) => number;
  eotLatencyMs?: number;
  /** Replacement guards, e.g. a custom backchannel classifier. */
  guards?: NonNullable<Parameters<typeof sessionMachine.provide>[0]['guards']>;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

export function createHarness(options: HarnessOptions = {}) {
  const clock = new SimulatedClock();
  const llmRequests: LlmActorInput[] = [];
  const cancelledGenerations: string[] = [];
  const speechCommands: Record<string, string[]> = {};
  const toolCalls: string[] = [];
  const baseTts = { ttfbMs: 100, wordsPerSecond: 2.5, wordTimings: true, ...options.tts };
  let segments = 0;

  const llm = fromCallback<{ type: 'never' }, LlmActorInput>(({ input, sendBack }) => {
    const index = llmRequests.length;
    llmRequests.push(input);
    const script: LlmScript = options.llm?.(input, index) ?? {
      text: 'Sure, I can help with that.',
    };
    const timers: unknown[] = [];
    const at = (ms: number, fn: () => void) => timers.push(clock.setTimeout(fn, ms));
    const id = input.generationId;
    let done = false;
    if (!script.hang) {
      const ttft = script.ttftMs ?? 100;
      const interval = script.chunkIntervalMs ?? 10;
      const all = script.text ? (script.text.match(/\S+\s*/g) ?? []) : [];
      const stalled = script.stallAfterChunks !== undefined;
      const chunks = stalled ? all.slice(0, script.stallAfterChunks) : all;
      chunks.forEach((chunk, i) => {
        at(ttft + i * interval, () =>
          sendBack({ type: 'llm.delta', at: clock.now(), generationId: id, text: chunk }),
        );
      });
      const end = ttft + chunks.length * interval;
      for (const call of stalled ? [] : (script.toolCalls ?? [])) {
        at(end, () => sendBack({ type: 'llm.toolCall', at: clock.now(), generationId: id, call }));
      }
      if (stalled) {
        // Never finishes: no done, no error.
      } else if (script.error) {
        at(script.error.afterMs, () => {
          done = true;
          sendBack({
            type: 'llm.error',
            at: clock.now(),
            generationId: id,
            message: script.error!.message,
          });
        });
      } else {
        at(end, () => {
          done = true;
          sendBack({ type: 'llm.done', at: clock.now(), generationId: id });
        });
      }
    }
    return () => {
      for (const t of timers) clock.clearTimeout(t);
      if (!done) cancelledGenerations.push(id);
    };
  });

  const speech = fromCallback<SpeechCommand, SpeechActorInput>(({ input, sendBack, receive }) => {
    const id = input.segmentId;
    const tts = { ...baseTts, ...options.ttsFor?.(segments++) };
    const msPerWord = 1000 / tts.wordsPerSecond;
    const log: string[] = [];
    speechCommands[id] = log;
    let text = '';
    let ended = false;
    let firstAudio = false;
    let synthesized = false;
    let playing = false;
    let playStart = 0;
    let position = 0;
    let finishTimer: unknown = null;
    const timers: unknown[] = [];
    const later = (ms: number, fn: () => void) => timers.push(clock.setTimeout(fn, ms));
    const total = () => words(text).length * msPerWord;
    const timings = () =>
      tts.wordTimings
        ? words(text).map((w, i) => ({
            word: w,
            startMs: i * msPerWord,
            endMs: (i + 1) * msPerWord,
          }))
        : null;
    // Like a real speaker, the position stalls at the end of the audio synthesized so far.
    const pos = () => Math.min(total(), position + (playing ? clock.now() - playStart : 0));
    const scheduleFinish = () => {
      if (finishTimer !== null) clock.clearTimeout(finishTimer);
      if (tts.neverFinishPlayout) return;
      finishTimer = clock.setTimeout(
        () => {
          finishTimer = null;
          playing = false;
          position = total();
          sendBack({
            type: 'playout.finished',
            at: clock.now(),
            segmentId: id,
            positionMs: position,
            interrupted: false,
            words: timings(),
          });
        },
        Math.max(0, total() - pos()),
      );
    };
    const finishIfEmpty = () => {
      if (ended && text.trim() === '') {
        later(0, () =>
          sendBack({
            type: 'playout.finished',
            at: clock.now(),
            segmentId: id,
            positionMs: 0,
            interrupted: false,
            words: null,
          }),
        );
      }
    };
    receive((cmd) => {
      log.push(cmd.type);
      switch (cmd.type) {
        case 'speech.text':
          text += cmd.text;
          if (!firstAudio && !tts.silent && text.trim() !== '') {
            firstAudio = true;
            if (tts.errorAfterMs !== undefined) {
              later(tts.errorAfterMs, () =>
                sendBack({
                  type: 'tts.error',
                  at: clock.now(),
                  segmentId: id,
                  message: 'tts failed',
                }),
              );
            }
            later(tts.ttfbMs, () =>
              sendBack({ type: 'tts.firstAudio', at: clock.now(), segmentId: id }),
            );
          }
          break;
        case 'speech.end':
          ended = true;
          finishIfEmpty();
          if (text.trim() !== '' && !tts.silent && !tts.neverDone) {
            later(tts.ttfbMs, () => {
              synthesized = true;
              if (playing) {
                sendBack({
                  type: 'tts.done',
                  at: clock.now(),
                  segmentId: id,
                  remainingMs: total() - pos(),
                });
                scheduleFinish();
              }
            });
          }
          break;
        case 'speech.play':
        case 'speech.resume':
          if (playing) break;
          playing = true;
          playStart = clock.now();
          if (cmd.type === 'speech.play') {
            sendBack({ type: 'playout.started', at: clock.now(), segmentId: id });
          }
          if (synthesized) {
            sendBack({
              type: 'tts.done',
              at: clock.now(),
              segmentId: id,
              remainingMs: total() - pos(),
            });
            scheduleFinish();
          }
          break;
        case 'speech.pause':
          if (!playing) break;
          position = pos();
          playing = false;
          if (finishTimer !== null) clock.clearTimeout(finishTimer);
          finishTimer = null;
          break;
        case 'speech.stop': {
          position = pos();
          playing = false;
          if (finishTimer !== null) clock.clearTimeout(finishTimer);
          finishTimer = null;
          const report = () =>
            sendBack({
              type: 'playout.finished',
              at: clock.now(),
              segmentId: id,
              positionMs: position,
              interrupted: true,
              words: timings(),
            });
          const latency = tts.stopLatencyMs ?? 0;
          if (Number.isFinite(latency)) later(latency, report);
          break;
        }
      }
    });
    return () => {
      for (const t of timers) clock.clearTimeout(t);
      if (finishTimer !== null) clock.clearTimeout(finishTimer);
    };
  });

  const tool = fromCallback<{ type: 'never' }, ToolActorInput>(({ input, sendBack }) => {
    toolCalls.push(input.call.name);
    const spec = options.tools?.[input.call.name];
    if (spec?.hang) return () => {};
    const timer = clock.setTimeout(
      () =>
        sendBack({
          type: 'tool.result',
          at: clock.now(),
          callId: input.call.id,
          output: spec?.output ?? `${input.call.name} ok`,
          isError: spec === undefined,
        }),
      spec?.latencyMs ?? 50,
    );
    return () => clock.clearTimeout(timer);
  });

  const turnDetector = fromCallback<EotPredictCommand>(({ sendBack, receive }) => {
    receive((cmd) => {
      clock.setTimeout(
        () =>
          sendBack({
            type: 'eot.prediction',
            at: clock.now(),
            requestId: cmd.requestId,
            probability: options.eot?.(cmd.transcript) ?? 1,
          }),
        options.eotLatencyMs ?? 20,
      );
    });
    return () => {};
  });

  const machine = sessionMachine.provide({
    actors: { llm, speech, tool, turnDetector },
    ...(options.guards ? { guards: options.guards } : {}),
  });
  const emitted: SessionEmitted[] = [];
  const agentStates: string[] = [];
  const actor = createActor(machine, {
    clock,
    input: {
      config: options.config ?? {},
      hasTurnDetector: options.eot !== undefined,
      ...(options.instructions ? { instructions: options.instructions } : {}),
    },
  });
  actor.on('*', (e) => emitted.push(e as SessionEmitted));
  const agentState = () => {
    const value = actor.getSnapshot().value as { agent: string | Record<string, unknown> };
    return typeof value.agent === 'string' ? value.agent : Object.keys(value.agent)[0]!;
  };
  actor.subscribe(() => {
    const s = agentState();
    if (agentStates[agentStates.length - 1] !== s) agentStates.push(s);
  });
  actor.start();

  const send = (event: SessionEvent) => actor.send(event);

  return {
    actor: actor as typeof actor & AnyActorRef,
    clock,
    emitted,
    agentStates,
    llmRequests,
    cancelledGenerations,
    speechCommands,
    toolCalls,
    send,
    agentState,
    context: () => actor.getSnapshot().context,
    matches: (value: Parameters<ReturnType<typeof actor.getSnapshot>['matches']>[0]) =>
      actor.getSnapshot().matches(value),
    events: <T extends SessionEmitted['type']>(type: T) =>
      emitted.filter((e): e is Extract<SessionEmitted, { type: T }> => e.type === type),
    advance: (ms: number) => clock.advance(ms),
    /**
     * The user says `text` starting `inMs` from now for `durationMs`: VAD start and end (no lag),
     * an interim halfway, the final `sttDelayMs` after the end.
     */
    speak(text: string, opts: { inMs?: number; durationMs?: number; sttDelayMs?: number } = {}) {
      const start = clock.now() + (opts.inMs ?? 0);
      const duration = opts.durationMs ?? Math.max(300, words(text).length * 300);
      const sttDelay = opts.sttDelayMs ?? 150;
      clock.setTimeout(
        () => send({ type: 'vad.speechStarted', at: clock.now(), startedAt: start }),
        start - clock.now(),
      );
      if (text) {
        clock.setTimeout(
          () =>
            send({
              type: 'stt.interim',
              at: clock.now(),
              text: words(text)
                .slice(0, Math.ceil(words(text).length / 2))
                .join(' '),
            }),
          start - clock.now() + duration / 2,
        );
      }
      clock.setTimeout(
        () => send({ type: 'vad.speechEnded', at: clock.now(), endedAt: start + duration }),
        start - clock.now() + duration,
      );
      if (text) {
        clock.setTimeout(
          () => send({ type: 'stt.final', at: clock.now(), text }),
          start - clock.now() + duration + sttDelay,
        );
      }
      return { start, end: start + duration };
    },
    stop: () => actor.stop(),
  };
}

export type Harness = ReturnType<typeof createHarness>;
