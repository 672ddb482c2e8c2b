import { sessionSetup } from '../session-setup.ts';
import { afterSpeech } from './routes.ts';
import { settlingState } from './settling.ts';

/**
 * PAUSED: the user barged in and the agent's audio is paused where it was. If the user stops
 * and says nothing meaningful within `falseInterruptionTimeout`, or only acknowledges
 * ("mhm", "okay": the backchannel classifier), the agent resumes where it stopped. A real
 * utterance commits the interruption: the segment stops (`settling` waits for its position) and
 * the user keeps the floor with what they said.
 */
export const pausedState = sessionSetup.createStateConfig({
  entry: 'pauseSegment',
  initial: 'userSpeaking',
  states: {
    userSpeaking: {
      on: { 'vad.speechEnded': 'userSilent' },
    },
    userSilent: {
      after: {
        falseInterruption: [
          {
            guard: 'resumeFalseInterruption',
            target: '#session.agent.SPEAKING',
            actions: 'resumeAfterTimeout',
          },
          { target: 'settling', actions: 'stopForUser' },
        ],
      },
      on: {
        // New thresholds re-time the wait (a region that handles the event preempts the root's handler,
        // so the update is applied here too).
        'session.updateConfig': {
          target: 'userSilent',
          reenter: true,
          actions: ['updateConfig', 'retimeWait'],
        },
        'vad.speechStarted': 'userSpeaking',
      },
    },
    settling: settlingState,
    /** The cut speech reported where it stopped (or the settle timeout fired). */
    settled: { always: afterSpeech(['commitInterruption']) },
  },
  on: {
    'stt.interim': { actions: 'setInterim' },
    'stt.final': [
      { guard: 'isBackchannel', target: 'SPEAKING', actions: 'resumeAfterBackchannel' },
      { guard: 'isMeaningfulFinal', target: '.settling', actions: ['appendFinal', 'stopForUser'] },
      { actions: 'appendFinal' },
    ],
    // A speech that ends while paused (an output that cannot pause) settles like a cut one.
    'playout.finished': { guard: 'isCurrentSegment', target: '.settled', actions: 'recordPlayout' },
    'tts.error': {
      guard: 'isCurrentSegment',
      target: '.settling',
      actions: ['reportTtsError', 'stopForError'],
    },
    'watchdog.tts': { target: '.settling', actions: ['reportTimeout', 'stopForError'] },
    'session.interrupt': { target: '.settling', actions: ['stopForCommand', 'clearQueue'] },
  },
});
