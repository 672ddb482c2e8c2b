/**
 * The scenario format of `voicechart eval` (YAML or JSON; JSON Schema in
 * schema/scenario.schema.json). A scenario scripts a caller (what they say, when, with pauses,
 * backchannels, barge-ins and noise), configures the providers (simulated with latencies and
 * errors, or the real local ones), and states what must hold.
 *
 * All times are milliseconds of session time.
 */
import type { SessionConfig } from '../machines/session-config.ts';

/** `events`: no audio, VAD and STT events come from the script's timings. `audio`: the user's
 * lines are synthesized, optionally mixed with noise, and go through real noise cancellation and VAD. */
export type ScenarioMode = 'events' | 'audio';

/** An agent event a user step can wait for. */
export type AgentTrigger =
  | 'agent.speaking' // the agent's audio started (SPEAKING entered)
  | 'agent.thinking' // the turn was committed (THINKING entered)
  | 'agent.listening' // LISTENING entered
  | 'agent.idle' // IDLE entered (the agent finished)
  | 'agent.paused'; // playback paused by the user's speech

export type NoiseKind = 'cough' | 'click' | 'typing' | 'breath';

/**
 * One step of the caller. Steps run in order; each starts when the previous one ended (its
 * speech or pause over), unless `at` (absolute) or `after` (an agent event, counted from the
 * step's turn to wait) says otherwise.
 */
export interface UserStep {
  /** Text spoken; `[pause 900]` inside makes a 900 ms silence within the line. */
  say?: string;
  /** Silence, in ms. */
  pause?: number;
  /** A non-speech sound of `ms` duration (default 300). */
  noise?: NoiseKind;
  /** Start at this absolute session time. */
  at?: number;
  /** Start `ms` after the next time the agent does this (from the end of the previous step). */
  after?: AgentTrigger;
  /** Offset for `after` (default 0), or the noise duration. */
  ms?: number;
  /** Speaking rate of this line, words per second (default: the scenario's user.wordsPerSecond). */
  wordsPerSecond?: number;
  /** Label used in reports and expectations (default `step N`). */
  id?: string;
}

/** Simulated LLM: replies in order (the last repeats), or a rule. */
export interface FakeLlmProvider {
  type: 'fake';
  /** Time to first token. Default 300. */
  ttftMs?: number;
  /** Default 40. */
  tokensPerSecond?: number;
  /** Uniform random extra delay added to the first token, 0..jitterMs (seeded). */
  jitterMs?: number;
  /** Fail the Nth request (1-based) with this error. */
  errorAtRequest?: number;
  /** For errorAtRequest: fail after this many tokens (default 0: before the first). */
  errorAfterTokens?: number;
  /** Extra first-token latency for the Nth request (a latency spike). */
  spike?: { request: number; ms: number };
}

export interface FakeTtsProvider {
  type: 'fake';
  /** Time to first byte. Default 150. */
  ttfbMs?: number;
  /** Speaking rate of the agent. Default 3. */
  wordsPerSecond?: number;
  /** Fail each speech after this many of its words were synthesized. */
  failAfterWords?: number;
}

export interface ScriptedSttProvider {
  type: 'scripted';
  /** Final transcript this long after the end of each speech segment. Default 200. */
  finalLatencyMs?: number;
  /** Interim transcripts every this many ms while speaking (0: none). Default 300. */
  interimIntervalMs?: number;
}

export interface ScriptedVadProvider {
  type: 'scripted';
  /** speechStarted is reported this long after speech starts. Default 100 (events mode). */
  startLatencyMs?: number;
  /** speechEnded is reported after this much silence (back-dated). Default 550. */
  minSilenceMs?: number;
}

export interface FakeTurnDetectorProvider {
  type: 'fake';
  latencyMs?: number;
  /**
   * P(turn complete): `heuristic` (default) is high for text ending in a complete clause and low
   * after fillers, conjunctions, prepositions and digits; a number gives a constant.
   */
  probability?: 'heuristic' | number;
}

export interface ScenarioProviders {
  /** `pocketsphinx`: the real local recognizer on the synthesized audio (audio mode only). */
  stt?: ScriptedSttProvider | { type: 'pocketsphinx' };
  llm?: FakeLlmProvider | { type: 'rule-based' };
  /** `flite`: the real local TTS (its synthesis takes no virtual time). */
  tts?: FakeTtsProvider | { type: 'flite'; voice?: 'slt' | 'rms' | 'awb' | 'kal16' | 'kal' };
  vad?: ScriptedVadProvider | { type: 'silero' };
  /** `onnx`: our shipped end-of-turn model (models/turn-detector). */
  turnDetector?: FakeTurnDetectorProvider | { type: 'onnx' } | { type: 'none' };
  noiseCanceller?: { type: 'rnnoise' } | { type: 'none' };
}

/** What the agent answers. */
export interface ScenarioAgent {
  instructions?: string;
  /** Replies in order, one per LLM request that is not answered by a tool (the last repeats). */
  replies?: string[];
  /** `echo`: "You said: <text>". Used when `replies` is absent. */
  rule?: 'echo';
  /** Tool calls the LLM makes: at the Nth committed reply, call `name` with `args`. */
  toolCalls?: { atReply: number; name: string; args?: Record<string, unknown>; result?: unknown }[];
  /** Things the agent says by itself: `say` at `at` ms. */
  say?: { at: number; text: string; allowInterruptions?: boolean }[];
}

/** Assertions checked after the run; every failure is reported with the figures. */
export interface ScenarioExpect {
  /** Exact number of assistant replies that reached the chat (non-empty content). */
  agentReplies?: number;
  /** At least this many. */
  minAgentReplies?: number;
  /** The agent committed a turn while a user line was unfinished: at most this many (default 0). */
  maxFalseCutoffs?: number;
  /** Hard interruptions of the agent (barge-ins that stopped a reply). */
  interruptions?: number;
  /** Pauses the agent resumed from (false interruptions, backchannels). */
  falseInterruptionResumes?: number;
  /** Steps (by id) that must interrupt the agent, and steps that must not. */
  interruptedBy?: string[];
  notInterruptedBy?: string[];
  /** Every user turn's voice-to-voice latency at most this. */
  maxVoiceToVoiceMs?: number;
  /** Each string appears in some user message of the final chat. */
  userTranscriptContains?: string[];
  /** Each string appears in some assistant message of the final chat. */
  agentTranscriptContains?: string[];
  /** An assistant message marked interrupted starts with this text. */
  interruptedAssistantPrefix?: string;
  /** No interrupted assistant message in the chat. */
  noInterruptedAssistant?: boolean;
  /** Number of user turns committed. */
  userTurns?: number;
  /** LLM request counters. */
  llmRequests?: number;
  speculativeReused?: number;
  speculativeDiscarded?: number;
  /** The session reported user away. */
  userAway?: boolean;
  /** Errors the session emitted, at least this many. */
  minErrors?: number;
  /** Tool calls the agent made, by name, in order. */
  toolCalls?: string[];
}

export interface Scenario {
  name: string;
  description?: string;
  mode?: ScenarioMode;
  /** Session config overrides (ms). */
  config?: Partial<SessionConfig>;
  providers?: ScenarioProviders;
  user: {
    /** Default speaking rate, words per second. Default 2.5. */
    wordsPerSecond?: number;
    /** Audio mode: Flite voice of the caller. Default 'rms'. */
    voice?: string;
    /** Audio mode: background white noise at this SNR in dB (none when absent). */
    noiseSnrDb?: number;
    steps: UserStep[];
  };
  agent?: ScenarioAgent;
  expect?: ScenarioExpect;
  /** Seed of every random choice (jitter, noise). Default 1. */
  seed?: number;
  /** Silence after the last step before the run ends. Default 6000. */
  tailMs?: number;
}
