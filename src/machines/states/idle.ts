import { sessionSetup } from '../session-setup.ts';

/**
 * IDLE: nobody holds the floor. Queued speeches start here; user speech (or a transcript the VAD
 * missed) opens a user turn; a long silence marks the user away. A reply abandoned by a watchdog,
 * an error or a command while the user is talking leaves the floor to the user, not to IDLE.
 */
export const idleState = sessionSetup.createStateConfig({
  always: [
    { guard: 'userSpeaking', target: 'LISTENING.userSpeaking' },
    { guard: 'hasQueuedSpeech', target: 'THINKING', actions: 'startQueued' },
  ],
  after: { userAway: { guard: 'userSilent', actions: 'raiseUserAway' } },
  on: {
    'vad.speechStarted': 'LISTENING.userSpeaking',
    'stt.final': {
      guard: 'isNonEmptyFinal',
      target: 'LISTENING.endpointing',
      actions: ['appendFinal', 'requestEot', 'maybeSpeculate'],
    },
  },
});
