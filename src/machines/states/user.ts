import { sessionSetup } from '../session-setup.ts';

/**
 * The `user` region: is the user talking? Records the (back-dated) times every user-speech delay
 * counts from. `away` is entered when the idle agent's `userAway` timer fires.
 */
export const userRegion = sessionSetup.createStateConfig({
  initial: 'silent',
  states: {
    silent: {
      on: {
        'vad.speechStarted': { target: 'speaking', actions: 'recordSpeechStart' },
        'user.awayTimeout': 'away',
      },
    },
    speaking: {
      on: {
        'vad.speechEnded': { target: 'silent', actions: 'recordSpeechEnd' },
        'vad.soundStopped': { actions: 'recordSoundStopped' },
        'vad.soundResumed': { actions: 'recordSoundResumed' },
      },
    },
    away: {
      entry: 'emitUserAway',
      on: { 'vad.speechStarted': { target: 'speaking', actions: 'recordSpeechStart' } },
    },
  },
});
