/**
 * Pure functions over the session context: what the named actions and delays compute. No XState,
 * no clocks, no I/O, so each rule is unit-testable and the machine files stay about structure.
 */
import type { ChatMessage } from '../text/chat-context.ts';
import { playedText } from '../text/played-text.ts';
import { countWords, joinTranscripts, transcriptsEquivalent } from '../text/transcripts.ts';
import { endpointingDelayFor, resolveSessionConfig } from './session-config.ts';
import type {
  GenerationState,
  ReplyState,
  SessionContext,
  SessionInput,
  SessionStats,
  SpeechRequest,
  UserTurnState,
} from './session-types.ts';

export const EMPTY_USER_TURN: UserTurnState = {
  text: '',
  interim: '',
  speechStartedAt: null,
  speechEndedAt: null,
  soundMs: 0,
  soundSince: null,
  lastEventAt: 0,
  eotRequestId: null,
  eotProbability: null,
};

const EMPTY_STATS: SessionStats = {
  userTurns: 0,
  llmRequests: 0,
  speculativeRequests: 0,
  speculativeReused: 0,
  speculativeDiscarded: 0,
  interruptions: 0,
  falseInterruptionResumes: 0,
  backchannelResumes: 0,
  timeouts: {},
  errors: 0,
};

export function initialContext(input: SessionInput | undefined): SessionContext {
  const config = resolveSessionConfig(input?.config ?? {});
  const chat: ChatMessage[] = [...(input?.chat ?? [])];
  if (input?.instructions) {
    chat.unshift({ id: 'instructions', role: 'system', content: input.instructions });
  }
  return {
    config,
    hasTurnDetector: input?.hasTurnDetector ?? false,
    chat,
    chatVersion: 0,
    seq: 0,
    user: EMPTY_USER_TURN,
    generation: null,
    speculativeRequestsThisTurn: 0,
    reply: null,
    queue: [],
    stats: EMPTY_STATS,
    now: 0,
  };
}

// Time

/** Remaining wait of `totalMs` counted from `since`, as seen at the last user event. */
/**
 * The wait before the user's overlapping speech has lasted `totalMs` of actual sound: what the
 * finished stretches gave counts, the current stretch runs from its start; while the user is quiet
 * inside their speech no sound accrues (the wait is then bounded by `quietBoundMs`, the VAD's end
 * of speech or its sound coming back arriving well before).
 */
export function remainingSound(
  totalMs: number,
  user: UserTurnState,
  at: number,
  quietBoundMs: number,
): number {
  const left = Math.max(0, totalMs - user.soundMs);
  if (user.soundSince === null) return user.speechStartedAt === null ? totalMs : quietBoundMs;
  return remaining(left, user.soundSince, at);
}

/** When the user's sound reached `totalMs` (for a timer that fired with no event time). */
export function soundThresholdAt(user: UserTurnState, totalMs: number, now: number): number {
  const reached =
    user.soundSince !== null
      ? user.soundSince + Math.max(0, totalMs - user.soundMs)
      : (user.speechStartedAt ?? now) + totalMs;
  return Math.max(now, reached);
}

export function remaining(totalMs: number, since: number | null, at: number): number {
  if (since === null) return totalMs;
  return Math.max(0, totalMs - Math.max(0, at - since));
}

/**
 * The endpointing wait left at the last user event: the delay for the turn detector's latest
 * probability (the maximum while a prediction is outstanding, the minimum with no detector),
 * counted from the back-dated end of speech.
 */
export function endpointingWait(context: SessionContext): number {
  const { user, config } = context;
  let probability = user.eotProbability;
  if (probability === null && user.eotRequestId !== null) probability = 0;
  const delay = endpointingDelayFor(config, probability);
  return remaining(delay, user.speechEndedAt, user.lastEventAt);
}

// User turn

/** The whole utterance heard so far: finals plus the latest interim. */
export function utteranceText(user: UserTurnState): string {
  return joinTranscripts(user.text, user.interim);
}

export function utteranceWords(user: UserTurnState): number {
  return countWords(utteranceText(user));
}

export function withFinal(user: UserTurnState, text: string, at: number): UserTurnState {
  return { ...user, text: joinTranscripts(user.text, text), interim: '', lastEventAt: at };
}

/** Forget what the user said in an utterance that did not take the turn (backchannel, noise). */
export function clearedUtterance(user: UserTurnState): UserTurnState {
  return { ...EMPTY_USER_TURN, lastEventAt: user.lastEventAt };
}

// Speculation

export function speculationReusable(context: SessionContext, committedText: string): boolean {
  const gen = context.generation;
  return (
    gen?.speculative === true &&
    gen.error === null &&
    gen.chatVersion === context.chatVersion &&
    transcriptsEquivalent(gen.userText, committedText)
  );
}

export function canSpeculate(context: SessionContext): boolean {
  const { config, user, generation } = context;
  if (!config.preemptiveGeneration) return false;
  if (user.text.trim() === '') return false;
  if (context.speculativeRequestsThisTurn >= config.maxSpeculativeRequests) return false;
  // Same transcript as the speculation already running: nothing new to ask.
  if (generation?.speculative && transcriptsEquivalent(generation.userText, user.text)) {
    return false;
  }
  return true;
}

export function newGeneration(
  id: string,
  speculative: boolean,
  userText: string,
  chatVersion: number,
  at: number,
): GenerationState {
  return {
    id,
    speculative,
    userText,
    chatVersion,
    text: '',
    toolCalls: [],
    requestedAt: at,
    firstTokenAt: null,
    error: null,
  };
}

/** Messages an LLM request is built from: the chat plus the not-yet-committed user text. */
export function requestMessages(context: SessionContext, pendingUserText: string | null) {
  if (pendingUserText === null) return context.chat;
  return [...context.chat, { id: 'pending-user', role: 'user' as const, content: pendingUserText }];
}

// Replies

export function newReply(request: SpeechRequest, segmentId: string, at: number): ReplyState {
  return {
    request,
    step: 0,
    segmentId,
    segmentText: request.kind === 'say' ? request.text : '',
    positionMs: 0,
    words: null,
    remainingMs: 0,
    startedAt: at,
    committedAt: null,
    userSpeechEndedAt: null,
    ttsTextAt: request.kind === 'say' ? at : null,
    ttsFirstAudioAt: null,
    playoutStartedAt: null,
    speculativeReused: false,
    pausedAt: null,
    pausedMs: 0,
    stopReason: null,
  };
}

/**
 * Where a stopped speech most likely stopped when its output never said: the time it played,
 * from the first audio to the pause or stop, minus the time it spent paused.
 */
export function estimatedPositionMs(reply: ReplyState, stoppedAt: number): number {
  if (reply.playoutStartedAt === null) return 0;
  const end = reply.pausedAt ?? stoppedAt;
  return Math.max(0, end - reply.playoutStartedAt - reply.pausedMs);
}

export function isInterruptible(context: SessionContext): boolean {
  return context.config.allowInterruptions && (context.reply?.request.allowInterruptions ?? true);
}

export function pendingToolCalls(gen: GenerationState | null) {
  return gen?.toolCalls.filter((t) => t.output === null) ?? [];
}

export function hasFollowUp(context: SessionContext): boolean {
  const { reply, generation, config } = context;
  return (
    reply !== null &&
    reply.request.kind === 'reply' &&
    generation !== null &&
    generation.error === null &&
    generation.toolCalls.length > 0 &&
    reply.step < config.maxToolSteps
  );
}

/**
 * The chat messages one finished (or cut) speech step adds: the assistant text as heard, its tool
 * calls, and a result for every call (a cancelled call gets an error result, since LLM APIs reject
 * a tool call without one).
 */
export function stepMessages(
  context: SessionContext,
  interrupted: boolean,
  idBase: number,
): ChatMessage[] {
  const { reply, generation, config } = context;
  if (!reply) return [];
  if (reply.request.kind === 'say' && !reply.request.addToChat) return [];
  const content = interrupted
    ? playedText(reply.segmentText, reply.positionMs, {
        words: reply.words,
        wordsPerSecond: config.speakingRateWordsPerSecond,
      })
    : reply.segmentText;
  const calls = reply.request.kind === 'reply' ? (generation?.toolCalls ?? []) : [];
  // A reply whose LLM failed mid-way was cut short too: the next request should know.
  const cut = interrupted || (reply.request.kind === 'reply' && Boolean(generation?.error));
  const messages: ChatMessage[] = [];
  if (content.trim() !== '' || calls.length > 0) {
    messages.push({
      id: `msg-${idBase}`,
      role: 'assistant',
      content,
      ...(calls.length > 0 ? { toolCalls: calls.map((c) => c.call) } : {}),
      ...(cut ? { interrupted: true } : {}),
      createdAt: reply.startedAt,
    });
  }
  calls.forEach((c, i) => {
    messages.push({
      id: `msg-${idBase}-tool-${i}`,
      role: 'tool',
      toolCallId: c.call.id,
      name: c.call.name,
      content: c.output ?? 'Cancelled: the user interrupted before the tool finished.',
      ...(c.output === null || c.isError ? { isError: true } : {}),
    });
  });
  return messages;
}

export function bumpTimeout(stats: SessionStats, name: string): SessionStats {
  return { ...stats, timeouts: { ...stats.timeouts, [name]: (stats.timeouts[name] ?? 0) + 1 } };
}
