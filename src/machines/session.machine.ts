/**
 * The voicechart session statechart: the whole turn-taking lifecycle of a voice agent, explicit.
 *
 * Three parallel regions:
 * - `user`: silent / speaking / away;
 * - `agent`: IDLE / LISTENING / THINKING / SPEAKING / PAUSED, the lifecycle users see;
 * - `generation`: idle / speculative / committed, the LLM request in flight.
 *
 * Child actors (audio input, noise cancellation, VAD, STT, turn detector: session-long; LLM
 * requests, speech segments, tool calls: spawned) do the I/O and report events; every decision
 * is a guarded transition here. The machine reads no clock: events carry timestamps, waits are
 * named delays over `context.config`, and context is JSON-serializable.
 *
 * @example
 * import { createActor } from 'xstate';
 * import { sessionMachine } from 'voicechart';
 * const actor = createActor(sessionMachine.provide({ actors: myActors }), {
 *   input: { config: { minEndpointingDelay: 400 } },
 * }).start();
 */

import { initialContext } from './session-logic.ts';
import { sessionSetup } from './session-setup.ts';
import { generationRegion } from './states/generation.ts';
import { idleState } from './states/idle.ts';
import { listeningState } from './states/listening.ts';
import { pausedState } from './states/paused.ts';
import { speakingState } from './states/speaking.ts';
import { thinkingState } from './states/thinking.ts';
import { userRegion } from './states/user.ts';

export const sessionMachine = sessionSetup.createMachine({
  id: 'session',
  context: ({ input }) => initialContext(input),
  invoke: [
    { id: 'audioInput', systemId: 'audioInput', src: 'audioInput' },
    { id: 'noiseCanceller', systemId: 'noiseCanceller', src: 'noiseCanceller' },
    { id: 'vad', systemId: 'vad', src: 'vad' },
    { id: 'stt', systemId: 'stt', src: 'stt' },
    { id: 'turnDetector', systemId: 'turnDetector', src: 'turnDetector' },
  ],
  type: 'parallel',
  states: {
    user: userRegion,
    agent: {
      initial: 'IDLE',
      states: {
        IDLE: idleState,
        LISTENING: listeningState,
        THINKING: thinkingState,
        SPEAKING: speakingState,
        PAUSED: pausedState,
      },
      on: {
        'session.say': { actions: 'enqueueSay' },
        'session.generateReply': { actions: 'enqueueReply' },
        'session.interrupt': { actions: 'clearQueue' },
        'playout.started': { guard: 'isCurrentSegment', actions: 'recordPlayoutStarted' },
        'tts.done': { guard: 'isCurrentSegment', actions: 'cancelWatchdogs' },
      },
    },
    generation: generationRegion,
  },
  on: {
    'session.updateConfig': { actions: 'updateConfig' },
  },
});

export type SessionMachine = typeof sessionMachine;
