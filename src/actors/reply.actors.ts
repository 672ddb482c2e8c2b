/**
 * Per-request actors: one LLM request, one speech segment (TTS + playout), one tool call, and
 * the turn detector. They translate provider I/O into machine events and obey its commands;
 * none of them decides anything about turn-taking.
 */
import { fromCallback } from 'xstate';
import type { AudioFrame } from '../audio/audio-frame.ts';
import type {
  EotPredictCommand,
  LlmActorInput,
  SpeechActorInput,
  SpeechCommand,
  ToolActorInput,
} from '../machines/session-actors.ts';
import type { SessionEvent } from '../machines/session-types.ts';
import type { Llm } from '../providers/llm.ts';
import { StreamTts } from '../providers/stream-tts.ts';
import type { Tts, TtsStream } from '../providers/tts.ts';
import type { TurnDetector } from '../providers/turn-detector.ts';
import type { AudioOutput, Playback } from '../session/audio-output.ts';
import type { SessionClock } from '../session/clock.ts';
import type { TimedWord } from '../text/played-text.ts';
import { type FunctionTool, toolOutputText } from '../tools/function-tool.ts';

type SendBack = (event: SessionEvent) => void;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function llmActor(deps: { llm: Llm; tools: readonly FunctionTool[]; clock: SessionClock }) {
  const definitions = deps.tools.map(({ name, description, parameters }) => ({
    name,
    description,
    parameters,
  }));
  return fromCallback<{ type: 'never' }, LlmActorInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const send = sendBack as SendBack;
    const id = input.generationId;
    const messages = input.instructions
      ? [
          ...input.messages,
          { id: `${id}-instructions`, role: 'system' as const, content: input.instructions },
        ]
      : input.messages;
    (async () => {
      try {
        const stream = deps.llm.chat({
          messages,
          ...(definitions.length > 0 ? { tools: definitions, toolChoice: input.toolChoice } : {}),
          signal: controller.signal,
        });
        for await (const chunk of stream) {
          if (controller.signal.aborted) return;
          const at = deps.clock.now();
          if (chunk.type === 'delta' && chunk.text !== '') {
            send({ type: 'llm.delta', at, generationId: id, text: chunk.text });
          } else if (chunk.type === 'toolCall') {
            send({ type: 'llm.toolCall', at, generationId: id, call: chunk.call });
          }
        }
        if (!controller.signal.aborted) {
          send({ type: 'llm.done', at: deps.clock.now(), generationId: id });
        }
      } catch (error) {
        if (!controller.signal.aborted) {
          send({
            type: 'llm.error',
            at: deps.clock.now(),
            generationId: id,
            message: errorText(error),
          });
        }
      }
    })();
    return () => controller.abort();
  });
}

/**
 * One speech segment: text in (streamed), audio out. Synthesis starts with the first text; the
 * audio waits until the machine says `speech.play` (it may hold it while the user talks), then
 * goes to the output, whose playback position is reported when the segment ends or is stopped.
 */
export function speechActor(deps: { tts: Tts; output: AudioOutput; clock: SessionClock }) {
  const tts = deps.tts.capabilities.streaming ? deps.tts : new StreamTts(deps.tts);
  return fromCallback<SpeechCommand, SpeechActorInput>(({ input, sendBack, receive }) => {
    const send = sendBack as SendBack;
    const segmentId = input.segmentId;
    let stream: TtsStream | null = null;
    let playback: Playback | null = null;
    let pending: AudioFrame[] = [];
    const words: TimedWord[] = [];
    let audioMs = 0;
    let synthesized = false;
    let firstAudio = false;
    let finished = false;
    let ended = false;

    const finish = (positionMs: number, interrupted: boolean) => {
      if (finished) return;
      finished = true;
      send({
        type: 'playout.finished',
        at: deps.clock.now(),
        segmentId,
        positionMs,
        interrupted,
        words: words.length > 0 ? words : null,
      });
    };
    const reportDone = () => {
      if (playback && synthesized && !finished) {
        send({
          type: 'tts.done',
          at: deps.clock.now(),
          segmentId,
          remainingMs: Math.max(0, audioMs - playback.positionMs),
        });
      }
    };
    const consume = async (s: TtsStream) => {
      try {
        for await (const chunk of s) {
          if (finished) return;
          if (chunk.words) words.push(...chunk.words);
          audioMs += chunk.frame.durationMs;
          if (playback) playback.push(chunk.frame);
          else pending.push(chunk.frame);
          if (!firstAudio) {
            firstAudio = true;
            send({ type: 'tts.firstAudio', at: deps.clock.now(), segmentId });
          }
        }
        if (finished) return;
        synthesized = true;
        if (!firstAudio) {
          finish(0, false); // nothing to say
          return;
        }
        if (playback) {
          playback.end();
          reportDone();
        }
      } catch (error) {
        if (!finished) {
          send({ type: 'tts.error', at: deps.clock.now(), segmentId, message: errorText(error) });
        }
      }
    };
    const ensureStream = () => {
      if (!stream) {
        stream = tts.stream();
        void consume(stream);
      }
      return stream;
    };

    receive((command) => {
      if (finished) return;
      switch (command.type) {
        case 'speech.text':
          ensureStream().pushText(command.text);
          break;
        case 'speech.end':
          if (ended) break;
          ended = true;
          ensureStream().endInput();
          break;
        case 'speech.play': {
          if (playback) break;
          playback = deps.output.play(segmentId, {
            onStarted: () => send({ type: 'playout.started', at: deps.clock.now(), segmentId }),
            onFinished: (positionMs, interrupted) => finish(positionMs, interrupted),
          });
          for (const frame of pending) playback.push(frame);
          pending = [];
          if (synthesized) {
            playback.end();
            reportDone();
          }
          break;
        }
        case 'speech.pause':
          playback?.pause();
          break;
        case 'speech.resume':
          playback?.resume();
          reportDone();
          break;
        case 'speech.stop': {
          stream?.close();
          const position = playback ? playback.stop() : 0;
          finish(position, true);
          break;
        }
      }
    });
    return () => {
      finished = true;
      stream?.close();
      if (playback && playback.positionMs >= 0) playback.stop();
    };
  });
}

export function toolActor(deps: { tools: readonly FunctionTool[]; clock: SessionClock }) {
  const byName = new Map(deps.tools.map((t) => [t.name, t]));
  return fromCallback<{ type: 'never' }, ToolActorInput>(({ input, sendBack }) => {
    const send = sendBack as SendBack;
    const controller = new AbortController();
    const { call } = input;
    const result = (output: string, isError: boolean) => {
      if (!controller.signal.aborted) {
        send({ type: 'tool.result', at: deps.clock.now(), callId: call.id, output, isError });
      }
    };
    const tool = byName.get(call.name);
    (async () => {
      if (!tool) {
        const known = [...byName.keys()].join(', ') || 'none';
        result(`Error: unknown tool "${call.name}". Available tools: ${known}.`, true);
        return;
      }
      let args: Record<string, unknown>;
      try {
        args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
      } catch {
        result(`Error: arguments for "${call.name}" are not valid JSON: ${call.arguments}`, true);
        return;
      }
      try {
        const value = await tool.execute(args, { signal: controller.signal, callId: call.id });
        result(toolOutputText(value), false);
      } catch (error) {
        result(`Error: ${errorText(error)}`, true);
      }
    })();
    return () => controller.abort();
  });
}

/** Answers each `eot.predict`; a newer request cancels the older; failures mean "likely done". */
export function turnDetectorActor(deps: { detector: TurnDetector | null; clock: SessionClock }) {
  return fromCallback<EotPredictCommand>(({ sendBack, receive }) => {
    const send = sendBack as SendBack;
    let controller: AbortController | null = null;
    receive((command) => {
      if (!deps.detector) return;
      controller?.abort();
      const mine = new AbortController();
      controller = mine;
      deps.detector
        .predictEndOfTurn({
          messages: command.messages,
          transcript: command.transcript,
          signal: mine.signal,
        })
        .then(
          (probability) => probability,
          () => 1,
        )
        .then((probability) => {
          if (mine.signal.aborted) return;
          send({
            type: 'eot.prediction',
            at: deps.clock.now(),
            requestId: command.requestId,
            probability: Number.isFinite(probability) ? probability : 1,
          });
        });
    });
    return () => controller?.abort();
  });
}
