import { and, not, stateIn } from 'xstate';
import { sessionSetup } from '../session-setup.ts';
import { stepEnded } from './routes.ts';

const overlapEnded = [
  { guard: 'audioHeld', target: '#session.agent.SPEAKING', actions: 'playSegment' },
  { target: 'none', actions: 'clearUtterance' },
] as const;

/**
 * THINKING: a reply is being prepared and nothing is audible yet. Two concerns run side by side:
 * `audio` (waiting for text, then for the first audio; ready audio is held while the user talks)
 * and `overlap` (user speech over a reply nobody heard: long enough, with enough words, it
 * abandons the reply and the user keeps the floor).
 */
export const thinkingState = sessionSetup.createStateConfig({
  type: 'parallel',
  states: {
    audio: {
      initial: 'route',
      states: {
        route: {
          always: [{ guard: 'segmentHasText', target: 'synthesizing' }, { target: 'waitingText' }],
        },
        waitingText: {
          on: { 'llm.delta': { guard: 'isCurrentGeneration', target: 'synthesizing' } },
        },
        synthesizing: {
          after: {
            ttsFirstAudio: {
              target: '#session.agent.IDLE',
              actions: ['reportTimeout', 'stopForError', 'completeReply'],
            },
          },
          on: {
            'tts.firstAudio': [
              {
                guard: and(['isCurrentSegment', stateIn('#session.agent.THINKING.overlap.none')]),
                target: '#session.agent.SPEAKING',
                actions: ['recordFirstAudio', 'playSegment'],
              },
              { guard: 'isCurrentSegment', target: 'ready', actions: 'recordFirstAudio' },
            ],
          },
        },
        /** Audio is ready but the user is talking: hold it (reply hold-off). */
        ready: {},
        /** The segment has played; the step ends once its tool calls have results. */
        played: {
          initial: 'check',
          states: {
            check: {
              always: [{ guard: not('generationSettled'), target: 'waiting' }, ...stepEnded()],
            },
            waiting: { on: { 'gen.finished': stepEnded() } },
          },
        },
      },
    },
    overlap: {
      initial: 'route',
      states: {
        /** A step can start while the user is already talking: pick up their speech. */
        route: {
          always: [
            { guard: and(['userSpeaking', 'replyInterruptible']), target: 'userSpeaking' },
            { target: 'none' },
          ],
        },
        none: {
          on: { 'vad.speechStarted': { guard: 'replyInterruptible', target: 'userSpeaking' } },
        },
        userSpeaking: {
          after: { thinkingInterruption: 'check' },
          on: {
            'vad.soundStopped': { target: 'userSpeaking', reenter: true },
            'session.updateConfig': {
              target: 'userSpeaking',
              reenter: true,
              actions: ['updateConfig', 'retimeWait'],
            },
            'vad.soundResumed': { target: 'userSpeaking', reenter: true },
            'vad.speechEnded': overlapEnded,
            'stt.interim': { actions: 'setInterim' },
            'stt.final': { actions: 'appendFinal' },
          },
        },
        /** Long enough: with enough words, the reply nobody heard is abandoned. */
        check: {
          always: [
            {
              guard: 'thinkingWordsMet',
              target: '#session.agent.LISTENING.userSpeaking',
              actions: 'abandonReply',
            },
            { target: 'sustained' },
          ],
        },
        /** Long enough, not yet enough words: each transcript is checked again. */
        sustained: {
          on: {
            'vad.speechEnded': overlapEnded,
            'stt.interim': { target: 'check', actions: 'setInterim' },
            'stt.final': { target: 'check', actions: 'appendFinal' },
          },
        },
      },
    },
  },
  on: {
    'playout.finished': {
      guard: 'isCurrentSegment',
      target: '.audio.played',
      actions: 'recordPlayout',
    },
    'tts.error': {
      guard: 'isCurrentSegment',
      target: '#session.agent.IDLE',
      actions: ['reportTtsError', 'stopForError', 'completeReply'],
    },
    'watchdog.tts': {
      target: '#session.agent.IDLE',
      actions: ['reportTimeout', 'stopForError', 'completeReply'],
    },
    'session.interrupt': {
      target: '#session.agent.IDLE',
      actions: ['stopForCommand', 'completeReply', 'clearQueue'],
    },
  },
});
