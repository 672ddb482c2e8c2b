/**
 * Actions on the user's side of the conversation: speech timing, transcripts, end-of-turn
 * prediction requests, speculation triggers and the turn commit itself.
 */

import { sessionBase } from '../session-base.ts';
import { resolveSessionConfig } from '../session-config.ts';
import {
  canSpeculate,
  clearedUtterance,
  EMPTY_USER_TURN,
  endpointingWait,
  newReply,
  speculationReusable,
  withFinal,
} from '../session-logic.ts';
import type { SessionEvent, SpeechRequest } from '../session-types.ts';

type Ev<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;

const { assign, enqueueActions, raise, emit } = sessionBase;

export const userActions = {
  recordSpeechStart: assign(({ context, event }) => {
    const e = event as Ev<'vad.speechStarted'>;
    return {
      now: e.at,
      user: {
        ...context.user,
        speechStartedAt: e.startedAt,
        speechEndedAt: null,
        soundMs: 0,
        soundSince: e.startedAt,
        lastEventAt: e.at,
      },
    };
  }),
  recordSoundStopped: assign(({ context, event }) => {
    const e = event as Ev<'vad.soundStopped'>;
    const { soundSince, soundMs } = context.user;
    if (soundSince === null) return { now: e.at };
    const stretch = Math.max(0, e.stoppedAt - soundSince);
    return { now: e.at, user: { ...context.user, soundMs: soundMs + stretch, soundSince: null } };
  }),
  recordSoundResumed: assign(({ context, event }) => {
    const e = event as Ev<'vad.soundResumed'>;
    if (context.user.soundSince !== null) return { now: e.at };
    return { now: e.at, user: { ...context.user, soundSince: e.resumedAt } };
  }),
  recordSpeechEnd: assign(({ context, event }) => {
    const e = event as Ev<'vad.speechEnded'>;
    return { now: e.at, user: { ...context.user, speechEndedAt: e.endedAt, lastEventAt: e.at } };
  }),
  setInterim: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'stt.interim'>;
    enqueue.assign({ now: e.at, user: { ...context.user, interim: e.text } });
    enqueue.emit({ type: 'user.transcript', at: e.at, text: e.text, final: false });
  }),
  appendFinal: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'stt.final'>;
    if (e.text.trim() === '') return;
    enqueue.assign({ now: e.at, user: withFinal(context.user, e.text, e.at) });
    enqueue.emit({ type: 'user.transcript', at: e.at, text: e.text, final: true });
  }),
  clearUtterance: assign(({ context }) => ({ user: clearedUtterance(context.user) })),
  requestEot: enqueueActions(({ context, enqueue }) => {
    if (!context.hasTurnDetector || context.user.text.trim() === '') return;
    const requestId = context.seq + 1;
    enqueue.assign({ seq: requestId, user: { ...context.user, eotRequestId: requestId } });
    enqueue.sendTo('turnDetector', {
      type: 'eot.predict',
      requestId,
      transcript: context.user.text,
      messages: context.chat,
    });
  }),
  recordEot: assign(({ context, event }) => {
    const e = event as Ev<'eot.prediction'>;
    return {
      now: e.at,
      user: { ...context.user, eotProbability: e.probability, lastEventAt: e.at },
    };
  }),
  maybeSpeculate: enqueueActions(({ context, enqueue }) => {
    if (canSpeculate(context)) enqueue.raise({ type: 'gen.speculate' });
  }),
  /**
   * The user's turn ends: store the user message and start the reply. Whether the speculative
   * generation is reused is decided here, before the message changes the chat, and recorded in
   * the reply so the generation region can adopt it.
   */
  commitUserTurn: enqueueActions(({ context, enqueue }) => {
    const id = context.seq + 1;
    const committedAt = context.user.lastEventAt + endpointingWait(context);
    const text = context.user.text.trim();
    const reuse = speculationReusable(context, text);
    const request: SpeechRequest = {
      id: `speech-${id}`,
      kind: 'reply',
      allowInterruptions: true,
      instructions: null,
      userInput: null,
      userMessageId: `msg-${id}`,
    };
    const segmentId = `segment-${id}`;
    const adoptedText = reuse ? (context.generation?.text ?? '') : '';
    enqueue.assign({
      seq: id,
      now: committedAt,
      chat: [
        ...context.chat,
        { id: `msg-${id}`, role: 'user', content: text, createdAt: committedAt },
      ],
      chatVersion: context.chatVersion + 1,
      user: { ...EMPTY_USER_TURN, lastEventAt: committedAt },
      speculativeRequestsThisTurn: 0,
      reply: {
        ...newReply(request, segmentId, committedAt),
        committedAt,
        userSpeechEndedAt: context.user.speechEndedAt,
        speculativeReused: reuse,
        segmentText: adoptedText,
        ttsTextAt: adoptedText !== '' ? committedAt : null,
      },
      stats: { ...context.stats, userTurns: context.stats.userTurns + 1 },
    });
    enqueue.spawnChild('speech', { id: segmentId, input: { segmentId, speechId: request.id } });
    if (adoptedText !== '') enqueue.sendTo(segmentId, { type: 'speech.text', text: adoptedText });
    enqueue.emit({ type: 'user.turnCompleted', at: committedAt, text, messageId: `msg-${id}` });
    enqueue.raise({ type: 'gen.commit' });
  }),
  dropUserTurn: enqueueActions(({ context, enqueue }) => {
    enqueue.assign({ user: clearedUtterance(context.user), speculativeRequestsThisTurn: 0 });
    enqueue.raise({ type: 'gen.cancel' });
  }),
  raiseUserAway: raise({ type: 'user.awayTimeout' }),
  emitUserAway: emit(({ context }) => ({
    type: 'user.away' as const,
    at: context.now,
  })),

  // Speech requests from the API user wait in a FIFO queue until the agent is idle.
  enqueueSay: assign(({ context, event }) => {
    const e = event as Ev<'session.say'>;
    const id = context.seq + 1;
    const request: SpeechRequest = {
      id: `speech-${id}`,
      kind: 'say',
      text: e.text,
      allowInterruptions: e.allowInterruptions ?? true,
      addToChat: e.addToChat ?? true,
    };
    return { seq: id, now: e.at, queue: [...context.queue, request] };
  }),
  enqueueReply: assign(({ context, event }) => {
    const e = event as Ev<'session.generateReply'>;
    const id = context.seq + 1;
    const request: SpeechRequest = {
      id: `speech-${id}`,
      kind: 'reply',
      allowInterruptions: e.allowInterruptions ?? true,
      instructions: e.instructions ?? null,
      userInput: e.userInput ?? null,
      userMessageId: null,
    };
    return { seq: id, now: e.at, queue: [...context.queue, request] };
  }),
  clearQueue: assign({ queue: [] }),
  /** New thresholds re-time the user-speech wait in progress from the moment they came. */
  retimeWait: assign(({ context, event }) => {
    const at = (event as Ev<'session.updateConfig'>).at;
    if (at === undefined) return {};
    return { user: { ...context.user, lastEventAt: Math.max(context.user.lastEventAt, at) } };
  }),
  /** Invalid config is reported and ignored: a bad `updateConfig` must not end the session. */
  updateConfig: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'session.updateConfig'>;
    try {
      enqueue.assign({
        config: resolveSessionConfig(e.config, context.config),
        now: Math.max(context.now, e.at ?? context.now),
      });
    } catch (error) {
      enqueue.emit({
        type: 'error',
        at: context.now,
        source: 'config',
        message: error instanceof Error ? error.message : String(error),
        recoverable: true,
      });
    }
  }),
};
