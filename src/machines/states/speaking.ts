import { and } from 'xstate';
import { sessionSetup } from '../session-setup.ts';
import { afterSpeech } from './routes.ts';
import { settlingState } from './settling.ts';

/**
 * SPEAKING: the agent's audio is playing. User speech over it becomes an interruption once it
 * lasts `minInterruptionDuration` and has `minInterruptionWords`; shorter speech (a cough, a
 * quick "mhm") is forgotten when it ends. `stopping` waits for the segment to say where it
 * stopped, so the chat keeps only what was heard.
 */
export const speakingState = sessionSetup.createStateConfig({
  initial: 'route',
  states: {
    /** Playback can (re)start while the user is still talking: pick up their speech. */
    route: {
      always: [
        { guard: and(['userSpeaking', 'replyInterruptible']), target: 'overlap' },
        { target: 'playing' },
      ],
    },
    playing: {
      on: { 'vad.speechStarted': { guard: 'replyInterruptible', target: 'overlap' } },
    },
    /** The user talks over the agent; not yet long enough to count. */
    overlap: {
      after: { speakingInterruption: 'check' },
      on: {
        // The count of sound pauses and resumes with it (the delay is recomputed on re-entry).
        'vad.soundStopped': { target: 'overlap', reenter: true },
        'session.updateConfig': {
          target: 'overlap',
          reenter: true,
          actions: ['updateConfig', 'retimeWait'],
        },
        'vad.soundResumed': { target: 'overlap', reenter: true },
        'vad.speechEnded': { target: 'playing', actions: 'clearUtterance' },
        'stt.interim': { actions: 'setInterim' },
        'stt.final': { actions: 'appendFinal' },
      },
    },
    /** Long enough: barge in if enough words were heard (pause, or stop when resume is off). */
    check: {
      always: [
        {
          guard: and(['speakingWordsMet', 'resumeFalseInterruption']),
          target: '#session.agent.PAUSED',
        },
        { guard: 'speakingWordsMet', target: 'stopping', actions: 'stopForUser' },
        { target: 'sustained' },
      ],
    },
    /** Long enough, not yet enough words: each transcript is checked again. */
    sustained: {
      on: {
        'vad.speechEnded': { target: 'playing', actions: 'clearUtterance' },
        'stt.interim': { target: 'check', actions: 'setInterim' },
        'stt.final': { target: 'check', actions: 'appendFinal' },
      },
    },
    stopping: settlingState,
    /** The cut speech reported where it stopped (or the settle timeout fired). */
    settled: { always: afterSpeech(['commitInterruption']) },
  },
  on: {
    'tts.done': { guard: 'isCurrentSegment', actions: 'armPlayoutWatchdog' },
    'playout.finished': {
      guard: 'isCurrentSegment',
      target: '#session.agent.THINKING.audio.played',
      actions: 'recordPlayout',
    },
    'tts.error': {
      guard: 'isCurrentSegment',
      target: '.stopping',
      actions: ['reportTtsError', 'stopForError'],
    },
    'watchdog.playout': { target: '.stopping', actions: ['reportPlayoutTimeout', 'stopForError'] },
    'watchdog.tts': { target: '.stopping', actions: ['reportTimeout', 'stopForError'] },
    'session.interrupt': { target: '.stopping', actions: ['stopForCommand', 'clearQueue'] },
  },
});
