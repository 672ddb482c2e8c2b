/**
 * The JSON `voicechart eval --json` writes: stable API (schema/eval-result.schema.json).
 * Times are milliseconds of session time from the start of the scenario; `null` when the event
 * did not happen. Add fields, never rename or remove them without a major version.
 */
import type { ChatMessage } from '../text/chat-context.ts';

export const EVAL_RESULT_VERSION = 1;

/** One committed user turn. */
export interface TurnMetrics {
  /** 1-based. */
  index: number;
  /** The user text the turn committed. */
  text: string;
  /** The script step whose speech this turn ends with (`null` if none matched). */
  stepId: string | null;
  /** When the user's speech ended (the end of the last speech the turn contains). */
  endOfSpeechMs: number | null;
  /** When the turn was committed. */
  commitMs: number;
  /** First agent audio of the reply. */
  firstAudioMs: number | null;
  /** commit − end of speech. */
  endOfUtteranceDelayMs: number | null;
  /** first audio − end of speech. */
  voiceToVoiceMs: number | null;
  /** The turn was committed while the user's scripted line was still going. */
  falseCutoff: boolean;
  llm: { requests: number; speculative: number; reused: number; discarded: number };
}

/** Speech on the timeline (for plots). */
export interface SpeechSpan {
  who: 'user' | 'agent';
  startMs: number;
  endMs: number;
  /** User: step id; agent: speech id. */
  id: string;
  text?: string;
  /** Agent: the span ended by an interruption or a pause. */
  cut?: 'paused' | 'interrupted';
}

/** A barge-in: user speech while the agent spoke. */
export interface BargeIn {
  stepId: string;
  /** The user's speech onset. */
  onsetMs: number;
  /** The agent's audio stopped (paused or interrupted); null if it never stopped. */
  agentStoppedMs: number | null;
  /** agentStopped − onset. */
  reactionMs: number | null;
  /** What came of it. */
  outcome: 'interrupted' | 'resumed' | 'ignored';
  /** The step was a backchannel ("mhm", "okay"...). */
  backchannel: boolean;
}

export interface ExpectationResult {
  name: string;
  ok: boolean;
  expected: unknown;
  actual: unknown;
}

export interface ScenarioResult {
  name: string;
  description: string;
  file: string;
  mode: 'events' | 'audio';
  ok: boolean;
  /** Session time the scenario lasted. */
  durationMs: number;
  /** Wall-clock time the run took. */
  wallMs: number;
  turns: TurnMetrics[];
  summary: {
    userTurns: number;
    agentReplies: number;
    falseCutoffs: number;
    interruptions: number;
    falseInterruptionResumes: number;
    backchannelResumes: number;
    /** Backchannel steps that hard-interrupted the agent. */
    backchannelsInterrupting: number;
    /** Median over turns; null without turns. */
    voiceToVoiceMedianMs: number | null;
    voiceToVoiceMaxMs: number | null;
    bargeInReactionMedianMs: number | null;
    llmRequests: number;
    speculativeRequests: number;
    speculativeReused: number;
    speculativeDiscarded: number;
    /** Tokens streamed by LLM requests whose output was thrown away. */
    wastedTokens: number;
    errors: number;
    userAway: boolean;
    toolCalls: string[];
  };
  bargeIns: BargeIn[];
  timeline: SpeechSpan[];
  expectations: ExpectationResult[];
  chat: ChatMessage[];
  /** When the run itself failed (bad scenario, crash): the message. */
  error?: string;
}

export interface EvalResult {
  version: typeof EVAL_RESULT_VERSION;
  /** ISO time the suite ran (the only wall-clock figure besides wallMs). */
  startedAt: string;
  scenarios: ScenarioResult[];
  aggregate: {
    scenarios: number;
    passed: number;
    failed: number;
    userTurns: number;
    falseCutoffs: number;
    interruptions: number;
    falseInterruptionResumes: number;
    backchannelsInterrupting: number;
    voiceToVoiceMedianMs: number | null;
    voiceToVoiceP95Ms: number | null;
    bargeInReactionMedianMs: number | null;
    llmRequests: number;
    speculativeReused: number;
    speculativeDiscarded: number;
    wastedTokens: number;
    /** Simulated seconds per wall-clock second over the suite. */
    speedup: number;
  };
}
