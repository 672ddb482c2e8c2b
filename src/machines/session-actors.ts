/**
 * The child actors the session machine starts, as placeholders. The machine only knows their
 * names, inputs and the commands it sends them; `createAgentSession` provides real ones with
 * `sessionMachine.provide({ actors })`, tests provide scripted ones. A placeholder does nothing,
 * so the bare machine can be started, inspected and traversed.
 */
import { fromCallback } from 'xstate';
import type { ChatMessage, ToolCall } from '../text/chat-context.ts';

/** Commands the machine sends to a speech segment actor (TTS + playout of one text segment). */
export type SpeechCommand =
  | { type: 'speech.text'; text: string }
  | { type: 'speech.end' }
  | { type: 'speech.play' }
  | { type: 'speech.pause' }
  | { type: 'speech.resume' }
  | { type: 'speech.stop' };

/** Command the machine sends to the turn detector actor. */
export interface EotPredictCommand {
  type: 'eot.predict';
  requestId: number;
  transcript: string;
  messages: readonly ChatMessage[];
}

export interface LlmActorInput {
  generationId: string;
  messages: readonly ChatMessage[];
  /** Extra instructions for this reply only (`generateReply({ instructions })`). */
  instructions: string | null;
  toolChoice: 'auto' | 'none';
  /** Speculative requests must not have side effects beyond the LLM call itself. */
  speculative: boolean;
}

export interface SpeechActorInput {
  segmentId: string;
  speechId: string;
}

export interface ToolActorInput {
  call: ToolCall;
}

const idle = () => () => {};

export const placeholderActors = {
  /** Reads the transport's audio and feeds the audio pipeline; reports `input.ended`. */
  audioInput: fromCallback(idle),
  /** Cleans input audio between the transport and VAD/STT. */
  noiseCanceller: fromCallback(idle),
  /** Voice activity: `vad.speechStarted`, `vad.speechEnded`. */
  vad: fromCallback(idle),
  /** Streaming speech-to-text: `stt.interim`, `stt.final`. */
  stt: fromCallback(idle),
  /** Answers `eot.predict` with `eot.prediction`. */
  turnDetector: fromCallback<EotPredictCommand>(idle),
  /** One LLM request: `llm.delta`, `llm.toolCall`, `llm.done`, `llm.error`. */
  llm: fromCallback<{ type: 'never' }, LlmActorInput>(idle),
  /** One speech segment: obeys SpeechCommand; reports `tts.*` and `playout.*`. */
  speech: fromCallback<SpeechCommand, SpeechActorInput>(idle),
  /** One tool call: `tool.result`. */
  tool: fromCallback<{ type: 'never' }, ToolActorInput>(idle),
};
