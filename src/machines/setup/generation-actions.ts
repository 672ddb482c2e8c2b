/**
 * Actions of the generation region: LLM requests (speculative or committed), their streamed text
 * and tool calls, and the tool calls' execution. Speculative requests only buffer: their text
 * reaches TTS and their tools run only once the turn is committed and the request adopted.
 */
import { sessionBase } from '../session-base.ts';
import { bumpTimeout, newGeneration, pendingToolCalls, requestMessages } from '../session-logic.ts';
import type { SessionEvent } from '../session-types.ts';

type Ev<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;

const { assign, enqueueActions } = sessionBase;

export const generationActions = {
  spawnSpeculation: enqueueActions(({ context, enqueue }) => {
    const id = `spec-${context.seq + 1}`;
    const { stats } = context;
    enqueue.assign({
      seq: context.seq + 1,
      generation: newGeneration(id, true, context.user.text, context.chatVersion, context.now),
      speculativeRequestsThisTurn: context.speculativeRequestsThisTurn + 1,
      stats: {
        ...stats,
        llmRequests: stats.llmRequests + 1,
        speculativeRequests: stats.speculativeRequests + 1,
      },
    });
    enqueue.spawnChild('llm', {
      id,
      input: {
        generationId: id,
        messages: requestMessages(context, context.user.text),
        instructions: null,
        toolChoice: 'auto',
        speculative: true,
      },
    });
  }),
  discardSpeculation: enqueueActions(({ context, enqueue }) => {
    if (!context.generation) return;
    enqueue.stopChild(context.generation.id);
    enqueue.assign({
      stats: { ...context.stats, speculativeDiscarded: context.stats.speculativeDiscarded + 1 },
    });
  }),
  /** A speculative request failed: reported (the turn will ask again at its commit). */
  reportSpeculationError: enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'llm.error') return;
    enqueue.assign({ stats: { ...context.stats, errors: context.stats.errors + 1 } });
    enqueue.emit({
      type: 'error',
      at: event.at,
      source: 'llm',
      message: `speculative request failed: ${event.message}`,
      recoverable: true,
    });
  }),
  adoptSpeculation: assign(({ context }) => ({
    generation: context.generation ? { ...context.generation, speculative: false } : null,
    stats: { ...context.stats, speculativeReused: context.stats.speculativeReused + 1 },
  })),
  /** A fresh committed request for the current reply step. */
  spawnGeneration: enqueueActions(({ context, enqueue }) => {
    const reply = context.reply;
    if (reply?.request.kind !== 'reply') return;
    const id = `gen-${context.seq + 1}`;
    const lastUser = [...context.chat].reverse().find((m) => m.role === 'user');
    enqueue.assign({
      seq: context.seq + 1,
      generation: newGeneration(
        id,
        false,
        lastUser?.content ?? '',
        context.chatVersion,
        context.now,
      ),
      stats: { ...context.stats, llmRequests: context.stats.llmRequests + 1 },
    });
    enqueue.spawnChild('llm', {
      id,
      input: {
        generationId: id,
        messages: context.chat,
        instructions: reply.request.instructions,
        toolChoice: reply.step >= context.config.maxToolSteps ? 'none' : 'auto',
        speculative: false,
      },
    });
  }),
  /** Stops the request and its tools; the data stays until the reply is committed. */
  stopGeneration: enqueueActions(({ context, enqueue }) => {
    const gen = context.generation;
    if (!gen) return;
    enqueue.stopChild(gen.id);
    for (const t of pendingToolCalls(gen)) enqueue.stopChild(`tool-${t.call.id}`);
  }),
  bufferDelta: assign(({ context, event }) => {
    const e = event as Ev<'llm.delta'>;
    const gen = context.generation;
    if (!gen) return {};
    return {
      now: e.at,
      generation: { ...gen, text: gen.text + e.text, firstTokenAt: gen.firstTokenAt ?? e.at },
    };
  }),
  /** Committed text goes straight on to the segment's TTS. */
  forwardDelta: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'llm.delta'>;
    const { generation: gen, reply } = context;
    if (!gen || !reply) return;
    enqueue.assign({
      now: e.at,
      generation: { ...gen, text: gen.text + e.text, firstTokenAt: gen.firstTokenAt ?? e.at },
      reply: {
        ...reply,
        segmentText: reply.segmentText + e.text,
        ttsTextAt: reply.ttsTextAt ?? e.at,
      },
    });
    if (e.text !== '') enqueue.sendTo(reply.segmentId, { type: 'speech.text', text: e.text });
  }),
  bufferToolCall: assign(({ context, event }) => {
    const e = event as Ev<'llm.toolCall'>;
    const gen = context.generation;
    if (!gen) return {};
    return {
      now: e.at,
      generation: {
        ...gen,
        toolCalls: [...gen.toolCalls, { call: e.call, output: null, isError: false }],
      },
    };
  }),
  /** The LLM step is over: the segment gets no more text. */
  endSegmentText: enqueueActions(({ context, enqueue }) => {
    if (!context.reply) return;
    enqueue.sendTo(context.reply.segmentId, { type: 'speech.end' });
    enqueue.cancel('ttsWatchdog');
    enqueue.raise({ type: 'watchdog.tts' }, { id: 'ttsWatchdog', delay: 'ttsResponse' });
  }),
  spawnTools: enqueueActions(({ context, enqueue }) => {
    for (const t of pendingToolCalls(context.generation)) {
      enqueue.spawnChild('tool', { id: `tool-${t.call.id}`, input: { call: t.call } });
    }
  }),
  recordToolResult: enqueueActions(({ context, event, enqueue }) => {
    const e = event as Ev<'tool.result'>;
    const gen = context.generation;
    if (!gen) return;
    enqueue.stopChild(`tool-${e.callId}`);
    enqueue.assign({
      now: e.at,
      generation: {
        ...gen,
        toolCalls: gen.toolCalls.map((t) =>
          t.call.id === e.callId && t.output === null
            ? { ...t, output: e.output, isError: e.isError }
            : t,
        ),
      },
    });
  }),
  timeoutTools: enqueueActions(({ context, enqueue }) => {
    const gen = context.generation;
    if (!gen) return;
    for (const t of pendingToolCalls(gen)) enqueue.stopChild(`tool-${t.call.id}`);
    const message = `Error: the tool did not answer within ${context.config.toolTimeout} ms.`;
    enqueue.assign({
      generation: {
        ...gen,
        toolCalls: gen.toolCalls.map((t) =>
          t.output === null ? { ...t, output: message, isError: true } : t,
        ),
      },
    });
  }),
  failGeneration: enqueueActions(({ context, event, enqueue }) => {
    const gen = context.generation;
    if (!gen) return;
    const message =
      event.type === 'llm.error'
        ? event.message
        : `LLM timed out (${event.type.split('.')[2] ?? 'response'})`;
    enqueue.stopChild(gen.id);
    const stats = { ...context.stats, errors: context.stats.errors + 1 };
    const timedOut = event.type.startsWith('xstate.after.');
    enqueue.assign({
      generation: { ...gen, error: message },
      stats: timedOut ? bumpTimeout(stats, event.type.split('.')[2] ?? 'llm') : stats,
    });
    enqueue.emit({ type: 'error', at: context.now, source: 'llm', message, recoverable: true });
  }),
};
