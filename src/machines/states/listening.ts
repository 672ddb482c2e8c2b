import { sessionSetup } from '../session-setup.ts';

/**
 * LISTENING: the user holds the floor. After their speech ends the turn waits for the endpointing
 * delay, chosen from the turn detector's probability and counted from the back-dated end of
 * speech; each new prediction or final transcript recomputes it (re-entry), new speech cancels
 * it. Final transcripts start a speculative LLM request (generation region).
 */
export const listeningState = sessionSetup.createStateConfig({
  initial: 'userSpeaking',
  states: {
    userSpeaking: {
      on: {
        // A final that came while the agent still held the floor (a barge-in) is speculated now.
        'vad.speechEnded': { target: 'endpointing', actions: ['requestEot', 'maybeSpeculate'] },
      },
    },
    endpointing: {
      after: {
        endpointing: [
          { guard: 'hasUserText', target: '#session.agent.THINKING', actions: 'commitUserTurn' },
          { target: 'awaitingTranscript' },
        ],
      },
      on: {
        // New thresholds re-time the wait (a region that handles the event preempts the root's handler,
        // so the update is applied here too).
        'session.updateConfig': {
          target: 'endpointing',
          reenter: true,
          actions: ['updateConfig', 'retimeWait'],
        },
        'vad.speechStarted': 'userSpeaking',
        'eot.prediction': {
          guard: 'isCurrentEotRequest',
          target: 'endpointing',
          reenter: true,
          actions: 'recordEot',
        },
        'stt.final': {
          guard: 'isNonEmptyFinal',
          target: 'endpointing',
          reenter: true,
          actions: ['appendFinal', 'requestEot', 'maybeSpeculate'],
        },
      },
    },
    /** Speech ended but the STT has not said what it was: wait a little, then drop the turn. */
    awaitingTranscript: {
      after: {
        noTranscript: { target: '#session.agent.IDLE', actions: 'dropUserTurn' },
      },
      on: {
        'session.updateConfig': {
          target: 'awaitingTranscript',
          reenter: true,
          actions: ['updateConfig', 'retimeWait'],
        },
        'vad.speechStarted': 'userSpeaking',
        'stt.final': {
          guard: 'isNonEmptyFinal',
          target: 'endpointing',
          actions: ['appendFinal', 'requestEot', 'maybeSpeculate'],
        },
      },
    },
  },
  on: {
    'stt.interim': { actions: 'setInterim' },
    'stt.final': { actions: ['appendFinal', 'maybeSpeculate'] },
  },
});
