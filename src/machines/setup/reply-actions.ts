/**
 * Actions on the agent's side: speech segments (TTS + playout) and what happens to the chat when a
 * step of a reply finishes, is interrupted, or is abandoned before anyone heard it.
 */
import type { ChatMessage } from '../../text/chat-context.ts';
import { joinTranscripts } from '../../text/transcripts.ts';
import type { SpeechCommand } from '../session-actors.ts';
import { sessionBase } from '../session-base.ts';
import {
  bumpTimeout,
  clearedUtterance,
  estimatedPositionMs,
  newReply,
  soundThresholdAt,
  stepMessages,
} from '../session-logic.ts';
import type { SessionContext, SessionEvent, TurnMetrics } from '../session-types.ts';

type Ev<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;
type Enqueue = Parameters<Parameters<typeof sessionBase.enqueueActions>[0]>[0]['enqueue'];

const { assign, enqueueActions } = sessionBase;

/**
 * Sends a command to the current segment. The segment actor lives exactly as long as
 * `context.reply` names it (spawned with it, stopped when it changes), so no liveness check.
 */
function toSegment(enqueue: Enqueue, context: SessionContext, command: SpeechCommand) {
  if (context.reply) enqueue.sendTo(context.reply.segmentId, command);
}

function metricsOf(context: SessionContext): TurnMetrics | null {
  const r = context.reply;
  if (!r || r.playoutStartedAt === null) return null;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const gen = context.generation;
  return {
    speechId: r.request.id,
    endOfUtteranceDelayMs: diff(r.committedAt, r.userSpeechEndedAt),
    llmTtftMs:
      r.request.kind === 'reply' && gen
        ? diff(gen.firstTokenAt, r.speculativeReused ? r.committedAt : gen.requestedAt)
        : null,
    ttsTtfbMs: diff(r.ttsFirstAudioAt, r.ttsTextAt),
    voiceToVoiceMs: diff(r.playoutStartedAt, r.userSpeechEndedAt),
    commitToFirstAudioMs: diff(r.playoutStartedAt, r.committedAt),
    speculativeReused: r.speculativeReused,
  };
}

function commitMessages(enqueue: Enqueue, context: SessionContext, messages: ChatMessage[]) {
  if (messages.length === 0) return;
  enqueue.assign({ chat: [...context.chat, ...messages], chatVersion: context.chatVersion + 1 });
  for (const message of messages) {
    if (message.role === 'assistant') {
      enqueue.emit({ type: 'agent.speechCommitted', at: context.now, message });
    }
  }
}

function resumed(context: SessionContext, at: number) {
  const r = context.reply;
  if (!r || r.pausedAt === null) return r;
  return { ...r, pausedAt: null, pausedMs: r.pausedMs + Math.max(0, at - r.pausedAt) };
}

/** The paused segment plays on from where it stopped; the utterance that paused it is dropped. */
function resumeFor(reason: 'timeout' | 'backchannel') {
  return enqueueActions(({ context, event, enqueue }) => {
    toSegment(enqueue, context, { type: 'speech.resume' });
    // A timeout fires with no event time: it fired falseInterruptionTimeout after the speech.
    const at =
      reason === 'backchannel'
        ? (event as Ev<'stt.final'>).at
        : (context.user.speechEndedAt ?? context.now) + context.config.falseInterruptionTimeout;
    const { stats } = context;
    enqueue.assign({
      now: Math.max(context.now, at),
      reply: resumed(context, at),
      user: clearedUtterance(context.user),
      stats: {
        ...stats,
        falseInterruptionResumes: stats.falseInterruptionResumes + 1,
        backchannelResumes: stats.backchannelResumes + (reason === 'backchannel' ? 1 : 0),
      },
    });
    if (context.reply) {
      enqueue.emit({
        type: 'agent.falseInterruptionResumed',
        at,
        speechId: context.reply.request.id,
        reason,
      });
    }
  });
}

function stopSegmentFor(reason: 'user' | 'command' | 'error') {
  return enqueueActions(({ context, enqueue }) => {
    toSegment(enqueue, context, { type: 'speech.stop' });
    enqueue.cancel('playoutWatchdog');
    enqueue.cancel('ttsWatchdog');
    enqueue.raise({ type: 'gen.cancel' });
    if (context.reply) enqueue.assign({ reply: { ...context.reply, stopReason: reason } });
  });
}

export const replyActions = {
  /** Takes the next queued speech and starts its first segment. */
  startQueued: enqueueActions(({ context, enqueue }) => {
    const [request, ...rest] = context.queue;
    if (!request) return;
    const id = context.seq + 1;
    const segmentId = `segment-${id}`;
    let chat = context.chat;
    let started = request;
    if (request.kind === 'reply' && request.userInput !== null) {
      const messageId = `msg-${id}`;
      chat = [
        ...chat,
        { id: messageId, role: 'user', content: request.userInput, createdAt: context.now },
      ];
      started = { ...request, userMessageId: messageId };
    }
    enqueue.assign({
      seq: id,
      queue: rest,
      chat,
      chatVersion: context.chatVersion + (chat === context.chat ? 0 : 1),
      reply: newReply(started, segmentId, context.now),
    });
    enqueue.spawnChild('speech', { id: segmentId, input: { segmentId, speechId: request.id } });
    if (started.kind === 'say') {
      if (started.text !== '')
        enqueue.sendTo(segmentId, { type: 'speech.text', text: started.text });
      enqueue.sendTo(segmentId, { type: 'speech.end' });
      enqueue.raise({ type: 'watchdog.tts' }, { id: 'ttsWatchdog', delay: 'ttsResponse' });
    } else {
      enqueue.raise({ type: 'gen.start' });
    }
  }),
  /** After tool results: the same reply takes another LLM step in a new segment. */
  startFollowUp: enqueueActions(({ context, enqueue }) => {
    const reply = context.reply;
    if (!reply) return;
    const id = context.seq + 1;
    const segmentId = `segment-${id}`;
    enqueue.assign({
      seq: id,
      reply: {
        ...reply,
        step: reply.step + 1,
        segmentId,
        segmentText: '',
        positionMs: 0,
        words: null,
        remainingMs: 0,
      },
    });
    enqueue.spawnChild('speech', {
      id: segmentId,
      input: { segmentId, speechId: reply.request.id },
    });
    enqueue.raise({ type: 'gen.start' });
  }),
  playSegment: enqueueActions(({ context, enqueue }) => {
    toSegment(enqueue, context, { type: 'speech.play' });
    enqueue.assign({ user: clearedUtterance(context.user) });
  }),
  pauseSegment: enqueueActions(({ context, enqueue }) => {
    toSegment(enqueue, context, { type: 'speech.pause' });
    enqueue.cancel('playoutWatchdog');
    if (context.reply) {
      // Entered from the interruption timer (no event time): the pause happened when the
      // user's sound reached the threshold.
      const at = soundThresholdAt(
        context.user,
        context.config.minInterruptionDuration,
        context.now,
      );
      enqueue.assign({ reply: { ...context.reply, pausedAt: at } });
      enqueue.emit({ type: 'agent.paused', at, speechId: context.reply.request.id });
    }
  }),
  resumeAfterTimeout: resumeFor('timeout'),
  resumeAfterBackchannel: resumeFor('backchannel'),
  /** Tells the segment to stop; where it stopped arrives as `playout.finished`. */
  stopForUser: stopSegmentFor('user'),
  stopForCommand: stopSegmentFor('command'),
  stopForError: stopSegmentFor('error'),
  /** The stopped speech never reported where it stopped: estimate it from the timeline. */
  estimatePlayout: assign(({ context }) => {
    const reply = context.reply;
    if (!reply) return {};
    const stoppedAt = context.now;
    return { reply: { ...reply, positionMs: estimatedPositionMs(reply, stoppedAt), words: null } };
  }),
  recordPlayout: assign(({ context, event }) => {
    const e = event as Ev<'playout.finished'>;
    if (!context.reply) return {};
    return {
      now: e.at,
      reply: { ...context.reply, positionMs: e.positionMs, words: e.words },
    };
  }),
  recordFirstAudio: assign(({ context, event }) => {
    const e = event as Ev<'tts.firstAudio'>;
    if (!context.reply || context.reply.ttsFirstAudioAt !== null) return { now: e.at };
    return { now: e.at, reply: { ...context.reply, ttsFirstAudioAt: e.at } };
  }),
  recordPlayoutStarted: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'playout.started'>;
    const reply = context.reply;
    if (!reply || reply.playoutStartedAt !== null) return;
    const next = { ...context, reply: { ...reply, playoutStartedAt: e.at } };
    enqueue.assign({ now: e.at, reply: next.reply });
    const metrics = metricsOf(next);
    if (metrics) enqueue.emit({ type: 'metrics', at: e.at, metrics });
  }),
  armPlayoutWatchdog: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'tts.done'>;
    enqueue.cancel('ttsWatchdog');
    if (!context.reply) return;
    enqueue.assign({ now: e.at, reply: { ...context.reply, remainingMs: e.remainingMs } });
    enqueue.cancel('playoutWatchdog');
    enqueue.raise({ type: 'watchdog.playout' }, { id: 'playoutWatchdog', delay: 'playout' });
  }),
  cancelWatchdogs: enqueueActions(({ enqueue }) => {
    enqueue.cancel('playoutWatchdog');
    enqueue.cancel('ttsWatchdog');
  }),
  /** A step played to the end: its text and tool results join the chat. */
  commitStep: enqueueActions(({ context, enqueue }) => {
    commitMessages(enqueue, context, stepMessages(context, false, context.seq + 1));
    enqueue.assign({ seq: context.seq + 1 });
    if (context.reply) enqueue.stopChild(context.reply.segmentId);
  }),
  completeReply: enqueueActions(({ context, enqueue }) => {
    enqueue.cancel('playoutWatchdog');
    enqueue.cancel('ttsWatchdog');
    if (context.reply) enqueue.stopChild(context.reply.segmentId);
    enqueue.assign({ reply: null });
  }),
  /**
   * A step was cut: the chat keeps only what was heard (from the reported position and word
   * timings, estimated without timings), marked interrupted.
   */
  commitInterruption: enqueueActions(({ context, enqueue }) => {
    const reply = context.reply;
    if (!reply) return;
    const messages = stepMessages(context, true, context.seq + 1);
    commitMessages(enqueue, context, messages);
    const heard = messages.find((m) => m.role === 'assistant')?.content ?? '';
    enqueue.stopChild(reply.segmentId);
    enqueue.assign({
      seq: context.seq + 1,
      reply: null,
      stats: { ...context.stats, interruptions: context.stats.interruptions + 1 },
    });
    if (reply.stopReason !== 'error') {
      enqueue.emit({
        type: 'agent.interrupted',
        at: context.now,
        speechId: reply.request.id,
        playedText: heard,
        reason: reply.stopReason ?? 'user',
      });
    }
  }),
  /**
   * The user spoke over a reply step nobody heard yet. Cancel it; if it answered the turn the user
   * is still continuing, take that turn back so the continuation joins it (one user message, not
   * two). A step whose text already played in full (waiting for its tools) was heard: it joins
   * the chat, its unfinished tool calls with a cancelled result.
   */
  abandonReply: enqueueActions(({ context, enqueue, check }) => {
    const reply = context.reply;
    if (!reply) return;
    toSegment(enqueue, context, { type: 'speech.stop' });
    enqueue.stopChild(reply.segmentId);
    enqueue.cancel('ttsWatchdog');
    enqueue.raise({ type: 'gen.cancel' });
    const heard = check('segmentPlayed') && reply.segmentText.trim() !== '';
    let { chat, chatVersion, user } = context;
    if (heard) {
      const messages = stepMessages(context, false, context.seq + 1);
      if (messages.length > 0) {
        chat = [...chat, ...messages];
        chatVersion += 1;
      }
    } else if (check('canReopenTurn')) {
      const last = chat[chat.length - 1];
      chat = chat.slice(0, -1);
      chatVersion += 1;
      user = { ...user, text: joinTranscripts(last?.content ?? '', user.text) };
    }
    enqueue.assign({
      seq: context.seq + 1,
      chat,
      chatVersion,
      user,
      reply: null,
      stats: { ...context.stats, interruptions: context.stats.interruptions + 1 },
    });
    enqueue.emit({
      type: 'agent.interrupted',
      at: context.now,
      speechId: reply.request.id,
      playedText: heard ? reply.segmentText : '',
      reason: 'user',
    });
  }),
  reportTtsError: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'tts.error'>;
    enqueue.assign({ now: e.at, stats: { ...context.stats, errors: context.stats.errors + 1 } });
    enqueue.emit({ type: 'error', at: e.at, source: 'tts', message: e.message, recoverable: true });
  }),
  reportPlayoutTimeout: enqueueActions(({ context, enqueue }) => {
    enqueue.assign({ stats: bumpTimeout(context.stats, 'playoutGrace') });
    enqueue.emit({
      type: 'error',
      at: context.now,
      source: 'playout',
      message: 'Playout did not finish in time; the speech was stopped.',
      recoverable: true,
    });
  }),
  reportTimeout: enqueueActions(({ context, enqueue, event }) => {
    // The event type names the watchdog: xstate.after.<delay>.<state> or watchdog.<name>.
    const name = event.type.startsWith('xstate.after.')
      ? (event.type.split('.')[2] ?? 'unknown')
      : event.type === 'watchdog.tts'
        ? 'ttsResponse'
        : event.type.replace('watchdog.', '');
    enqueue.assign({ stats: bumpTimeout(context.stats, name) });
    enqueue.emit({
      type: 'error',
      at: context.now,
      source: 'timeout',
      message: `Timed out waiting (${name}); the session moved on.`,
      recoverable: true,
    });
  }),
};
