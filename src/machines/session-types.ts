import type { ChatMessage, ToolCall } from '../text/chat-context.ts';
import type { TimedWord } from '../text/played-text.ts';
import type { SessionConfig } from './session-config.ts';

/**
 * Internal events of the session machine: what child actors observed and what the API user
 * commanded. Every event from the outside world carries `at`, the session clock in ms when it
 * happened, so the machine never reads a clock. Audio never travels in events.
 */
export type SessionEvent =
  // VAD: the user's voice activity (stream time, back-dated by the VAD's own smoothing).
  | { type: 'vad.speechStarted'; at: number; startedAt: number }
  | { type: 'vad.speechEnded'; at: number; endedAt: number }
  // Within speech: the sound stopped (the VAD's silence hangover began) or came back. Only these
  // edges reach the machine, so a cough shorter than minInterruptionDuration never counts as one.
  | { type: 'vad.soundStopped'; at: number; stoppedAt: number }
  | { type: 'vad.soundResumed'; at: number; resumedAt: number }
  // STT
  | { type: 'stt.interim'; at: number; text: string }
  | { type: 'stt.final'; at: number; text: string; confidence?: number }
  // Turn detector: answer to an `eot.predict` request.
  | { type: 'eot.prediction'; at: number; requestId: number; probability: number }
  // LLM generation (speculative or committed), tagged with the generation it belongs to.
  | { type: 'llm.delta'; at: number; generationId: string; text: string }
  | { type: 'llm.toolCall'; at: number; generationId: string; call: ToolCall }
  | { type: 'llm.done'; at: number; generationId: string }
  | { type: 'llm.error'; at: number; generationId: string; message: string }
  // Speech segment (TTS + playout), tagged with its segment.
  | { type: 'tts.firstAudio'; at: number; segmentId: string }
  | { type: 'tts.done'; at: number; segmentId: string; remainingMs: number }
  | { type: 'tts.error'; at: number; segmentId: string; message: string }
  | { type: 'playout.started'; at: number; segmentId: string }
  | {
      type: 'playout.finished';
      at: number;
      segmentId: string;
      positionMs: number;
      interrupted: boolean;
      words: TimedWord[] | null;
    }
  // Tools
  | { type: 'tool.result'; at: number; callId: string; output: string; isError: boolean }
  // Audio input
  | { type: 'input.ended'; at: number }
  | { type: 'input.error'; at: number; source: string; message: string }
  // Commands from the API user
  | {
      type: 'session.say';
      at: number;
      text: string;
      allowInterruptions?: boolean;
      addToChat?: boolean;
    }
  | {
      type: 'session.generateReply';
      at: number;
      instructions?: string;
      userInput?: string;
      allowInterruptions?: boolean;
    }
  | { type: 'session.interrupt'; at: number }
  | { type: 'session.updateConfig'; config: Partial<SessionConfig>; at?: number }
  // Raised by the machine itself to coordinate its regions.
  | { type: 'user.awayTimeout' }
  | { type: 'gen.speculate' }
  | { type: 'gen.commit' }
  | { type: 'gen.start' }
  | { type: 'gen.cancel' }
  | { type: 'gen.finished' }
  | { type: 'watchdog.playout' }
  | { type: 'watchdog.tts' };

export type AgentState = 'IDLE' | 'LISTENING' | 'THINKING' | 'SPEAKING' | 'PAUSED';
export type UserState = 'silent' | 'speaking' | 'away';

/** Per-turn latency figures, all ms; null when the stage did not happen. */
export interface TurnMetrics {
  readonly speechId: string;
  /** Back-dated end of the user's speech to turn commit. */
  readonly endOfUtteranceDelayMs: number | null;
  /** LLM request to first token (a reused speculation can make this negative: already there). */
  readonly llmTtftMs: number | null;
  /** First text to TTS to first audio. */
  readonly ttsTtfbMs: number | null;
  /** Back-dated end of the user's speech to the agent's first audio played. */
  readonly voiceToVoiceMs: number | null;
  /** Turn commit to first audio played: the framework's own share plus LLM and TTS. */
  readonly commitToFirstAudioMs: number | null;
  readonly speculativeReused: boolean;
}

/**
 * Public events, a documented union separate from the internal ones. Subscribe with
 * `session.on(type, handler)` or `actor.on(type, handler)`.
 */
export type SessionEmitted =
  | { type: 'agent.stateChanged'; at: number; from: AgentState; to: AgentState }
  | { type: 'user.stateChanged'; at: number; from: UserState; to: UserState }
  | { type: 'user.transcript'; at: number; text: string; final: boolean }
  | { type: 'user.turnCompleted'; at: number; text: string; messageId: string }
  | { type: 'user.away'; at: number }
  | {
      type: 'agent.interrupted';
      at: number;
      speechId: string;
      playedText: string;
      reason: 'user' | 'command';
    }
  | { type: 'agent.paused'; at: number; speechId: string }
  | {
      type: 'agent.falseInterruptionResumed';
      at: number;
      speechId: string;
      reason: 'timeout' | 'backchannel';
    }
  | { type: 'agent.speechCommitted'; at: number; message: ChatMessage }
  | { type: 'metrics'; at: number; metrics: TurnMetrics }
  | { type: 'error'; at: number; source: string; message: string; recoverable: boolean };

/** A reply or speech waiting its turn. */
export type SpeechRequest =
  | {
      readonly id: string;
      readonly kind: 'say';
      readonly text: string;
      readonly allowInterruptions: boolean;
      readonly addToChat: boolean;
    }
  | {
      readonly id: string;
      readonly kind: 'reply';
      readonly allowInterruptions: boolean;
      readonly instructions: string | null;
      /** Text input to add as the user message when the reply starts (`generateReply({ userInput })`). */
      readonly userInput: string | null;
      /** The user message this reply answers, once it is in the chat. */
      readonly userMessageId: string | null;
    };

export interface ToolCallState {
  readonly call: ToolCall;
  readonly output: string | null;
  readonly isError: boolean;
}

/** The LLM request in flight: speculative (before commit) or committed. */
export interface GenerationState {
  readonly id: string;
  /** True until the turn is committed and the generation is adopted (or replaced). */
  readonly speculative: boolean;
  /** Normalizable user text the request answers (speculation reuse check). */
  readonly userText: string;
  /** chatVersion the request was built from (speculation reuse check). */
  readonly chatVersion: number;
  readonly text: string;
  readonly toolCalls: readonly ToolCallState[];
  readonly requestedAt: number;
  readonly firstTokenAt: number | null;
  readonly error: string | null;
}

/** The speech being produced: a reply (one or more LLM steps) or a `say()`. */
export interface ReplyState {
  readonly request: SpeechRequest;
  /** LLM step within the reply (tool calls add steps). */
  readonly step: number;
  readonly segmentId: string;
  /** Text sent to TTS for the current segment. */
  readonly segmentText: string;
  /** Last playback position reported for the segment. */
  readonly positionMs: number;
  /** Word timings reported with the last position. */
  readonly words: readonly TimedWord[] | null;
  /** Audio still queued when synthesis finished (playout watchdog). */
  readonly remainingMs: number;
  readonly startedAt: number;
  readonly committedAt: number | null;
  readonly userSpeechEndedAt: number | null;
  readonly ttsTextAt: number | null;
  readonly ttsFirstAudioAt: number | null;
  readonly playoutStartedAt: number | null;
  readonly speculativeReused: boolean;
  /** When playback was paused (null while playing): estimates the position if none is reported. */
  readonly pausedAt: number | null;
  /** Total time the segment spent paused. */
  readonly pausedMs: number;
  /** Why the current segment was told to stop, while it settles. */
  readonly stopReason: 'user' | 'command' | 'error' | null;
}

export interface UserTurnState {
  /** Final transcripts of the current user turn, joined. */
  readonly text: string;
  /** Latest interim transcript (replaced by the next final). */
  readonly interim: string;
  readonly speechStartedAt: number | null;
  readonly speechEndedAt: number | null;
  /** Sound heard in the finished stretches of the current speech (pauses inside it excluded). */
  readonly soundMs: number;
  /** Start of the current stretch of sound; null while the user is quiet inside their speech. */
  readonly soundSince: number | null;
  /** Time of the last event that (re)started a user-speech wait: the base of named delays. */
  readonly lastEventAt: number;
  /** Id of the latest end-of-turn prediction request, null when none is outstanding. */
  readonly eotRequestId: number | null;
  readonly eotProbability: number | null;
}

export interface SessionStats {
  readonly userTurns: number;
  readonly llmRequests: number;
  readonly speculativeRequests: number;
  readonly speculativeReused: number;
  readonly speculativeDiscarded: number;
  readonly interruptions: number;
  readonly falseInterruptionResumes: number;
  readonly backchannelResumes: number;
  readonly timeouts: Readonly<Record<string, number>>;
  readonly errors: number;
}

/** The machine's context: JSON-serializable plain data only (no sockets, buffers or controllers). */
export interface SessionContext {
  readonly config: SessionConfig;
  readonly hasTurnDetector: boolean;
  readonly chat: readonly ChatMessage[];
  /** Bumped on every chat change, so "same context" is one number compare. */
  readonly chatVersion: number;
  /** Monotonic counter for ids of messages, speeches, segments, generations, requests. */
  readonly seq: number;
  readonly user: UserTurnState;
  readonly generation: GenerationState | null;
  readonly speculativeRequestsThisTurn: number;
  readonly reply: ReplyState | null;
  readonly queue: readonly SpeechRequest[];
  readonly stats: SessionStats;
  /** Time of the most recent timestamped event: stamps emitted events and raised timers. */
  readonly now: number;
}

export interface SessionInput {
  readonly config?: Partial<SessionConfig>;
  readonly chat?: readonly ChatMessage[];
  readonly instructions?: string;
  readonly hasTurnDetector?: boolean;
}
