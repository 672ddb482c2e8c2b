import { sessionSetup } from '../session-setup.ts';

/**
 * Waiting for a speech that was told to stop to report where it stopped (SPEAKING.stopping,
 * PAUSED.settling). The user's words keep accumulating; other stop causes are already handled.
 * If the output never answers, the position is estimated from the timeline, so the session
 * cannot wedge and the chat still keeps what was heard.
 */
export const settlingState = sessionSetup.createStateConfig({
  after: {
    interruptSettle: { target: 'settled', actions: ['reportTimeout', 'estimatePlayout'] },
  },
  on: {
    'playout.finished': { guard: 'isCurrentSegment', target: 'settled', actions: 'recordPlayout' },
    'stt.interim': { actions: 'setInterim' },
    'stt.final': { actions: 'appendFinal' },
    'session.interrupt': {},
    'tts.error': {},
    'watchdog.playout': {},
    'watchdog.tts': {},
  },
});
