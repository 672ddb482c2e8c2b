/**
 * The base `setup()` of the session machine: types, placeholder actors, guards and named delays.
 * Actions are added in `session-setup.ts` (from `setup/`), the state structure lives in
 * `session.machine.ts` and `states/`, the arithmetic in `session-logic.ts`. Guards are pure
 * functions of context and event; delays read only context.
 */
import { not, setup, stateIn } from 'xstate';
import { isBackchannel } from '../text/backchannel.ts';
import { countWords, joinTranscripts } from '../text/transcripts.ts';
import { placeholderActors } from './session-actors.ts';
import {
  canSpeculate,
  endpointingWait,
  hasFollowUp,
  isInterruptible,
  pendingToolCalls,
  remaining,
  remainingSound,
  utteranceWords,
} from './session-logic.ts';
import type {
  SessionContext,
  SessionEmitted,
  SessionEvent,
  SessionInput,
} from './session-types.ts';

/**
 * While the user is quiet inside their speech, an interruption wait is parked this long; the VAD's
 * end of speech (after its minimum silence) or its sound coming back re-times it well before.
 */
const QUIET_BOUND_MS = 30_000;

export const sessionBase = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
    emitted: {} as SessionEmitted,
  },
  actors: placeholderActors,
  guards: {
    // Event belongs to the live request / segment (stale events from stopped children are dropped)
    isCurrentGeneration: ({ context, event }) =>
      'generationId' in event && event.generationId === context.generation?.id,
    isCurrentSegment: ({ context, event }) =>
      'segmentId' in event && event.segmentId === context.reply?.segmentId,
    isCurrentEotRequest: ({ context, event }) =>
      event.type === 'eot.prediction' && event.requestId === context.user.eotRequestId,
    isNonEmptyFinal: ({ event }) => event.type === 'stt.final' && event.text.trim() !== '',

    // User turn
    hasUserText: ({ context }) => context.user.text.trim() !== '',
    userSpeaking: stateIn({ user: 'speaking' }),
    userSilent: not(stateIn({ user: 'speaking' })),
    hasQueuedSpeech: ({ context }) => context.queue.length > 0,

    // Interruptions
    replyInterruptible: ({ context }) => isInterruptible(context),
    speakingWordsMet: ({ context }) =>
      utteranceWords(context.user) >= context.config.minInterruptionWords,
    thinkingWordsMet: ({ context }) =>
      utteranceWords(context.user) >= context.config.thinkingMinInterruptionWords,
    resumeFalseInterruption: ({ context }) => context.config.resumeFalseInterruption,
    /**
     * The paused-on utterance, with this final, only acknowledges the agent. Replace it with
     * `sessionMachine.provide({ guards: { isBackchannel } })` for another language or a model.
     */
    isBackchannel: ({ context, event }) =>
      event.type === 'stt.final' &&
      isBackchannel(
        joinTranscripts(context.user.text, event.text),
        context.config.backchannelPhrases.length > 0
          ? context.config.backchannelPhrases
          : undefined,
      ),
    /** A real utterance that commits the interruption. */
    isMeaningfulFinal: ({ context, event }) =>
      event.type === 'stt.final' &&
      event.text.trim() !== '' &&
      countWords(joinTranscripts(context.user.text, event.text)) >=
        Math.max(1, context.config.minInterruptionWords),

    // Replies
    segmentHasText: ({ context }) => (context.reply?.segmentText ?? '') !== '',
    generationSettled: ({ context }) =>
      context.reply?.request.kind === 'say' ||
      context.generation === null ||
      context.generation.speculative ||
      pendingToolCalls(context.generation).length === 0,
    hasFollowUp: ({ context }) => hasFollowUp(context),
    audioHeld: stateIn('#session.agent.THINKING.audio.ready'),
    /** The current step's audio already played in full (waiting for its tools). */
    segmentPlayed: stateIn('#session.agent.THINKING.audio.played'),
    canReopenTurn: ({ context }) => {
      const { reply, chat } = context;
      if (reply?.request.kind !== 'reply' || reply.step !== 0) return false;
      const last = chat[chat.length - 1];
      return last !== undefined && last.role === 'user' && last.id === reply.request.userMessageId;
    },

    // Generation
    canSpeculate: ({ context }) => canSpeculate(context),
    adoptSpeculation: ({ context }) => context.reply?.speculativeReused === true,
    hasPendingToolCalls: ({ context }) => pendingToolCalls(context.generation).length > 0,
    isLastPendingToolResult: ({ context, event }) => {
      const pending = pendingToolCalls(context.generation);
      return (
        event.type === 'tool.result' && pending.length === 1 && pending[0]?.call.id === event.callId
      );
    },
  },
  delays: {
    userAway: ({ context }) => context.config.userAwayTimeout,
    endpointing: ({ context }) => endpointingWait(context),
    noTranscript: ({ context }) => context.config.noTranscriptTimeout,
    // Overlap states can be entered long after the user started (a reply step that begins while
    // they talk): count from the latest known time, not from the last user event.
    // Only sound counts: a pause inside the user's speech stops the count (a 300 ms cough never
    // reaches 500 ms however long the VAD's silence hangover lasts).
    speakingInterruption: ({ context }) =>
      remainingSound(
        context.config.minInterruptionDuration,
        context.user,
        Math.max(context.user.lastEventAt, context.now),
        QUIET_BOUND_MS,
      ),
    thinkingInterruption: ({ context }) =>
      remainingSound(
        context.config.thinkingMinInterruptionDuration,
        context.user,
        Math.max(context.user.lastEventAt, context.now),
        QUIET_BOUND_MS,
      ),
    falseInterruption: ({ context }) =>
      remaining(
        context.config.falseInterruptionTimeout,
        context.user.speechEndedAt,
        context.user.lastEventAt,
      ),
    interruptSettle: ({ context }) => context.config.interruptSettleTimeout,
    llmFirstToken: ({ context }) => context.config.llmFirstTokenTimeout,
    llmResponse: ({ context }) => context.config.llmResponseTimeout,
    ttsFirstAudio: ({ context }) => context.config.ttsFirstAudioTimeout,
    ttsResponse: ({ context }) => context.config.ttsResponseTimeout,
    playout: ({ context }) =>
      (context.reply?.remainingMs ?? 0) + context.config.playoutGraceTimeout,
    tool: ({ context }) => context.config.toolTimeout,
  },
});
