/**
 * Transition lists shared by several agent states: where the agent goes when a speech step ends
 * or a cut speech has settled. Kept as data so each state reads as its own story.
 */
import type { generationActions } from '../setup/generation-actions.ts';
import type { replyActions } from '../setup/reply-actions.ts';
import type { userActions } from '../setup/user-actions.ts';

type Action = keyof typeof userActions | keyof typeof replyActions | keyof typeof generationActions;

/**
 * After a speech is over (finished or cut): the user keeps the floor if they are talking or said
 * something that counts; otherwise the agent idles.
 */
export function afterSpeech(actions: readonly Action[]) {
  return [
    {
      guard: 'userSpeaking',
      target: '#session.agent.LISTENING.userSpeaking',
      // What they said while the agent still held the floor (a barge-in) is speculated now.
      actions: [...actions, 'maybeSpeculate'],
    },
    {
      guard: 'hasUserText',
      target: '#session.agent.LISTENING.endpointing',
      actions: [...actions, 'requestEot', 'maybeSpeculate'],
    },
    { target: '#session.agent.IDLE', actions: [...actions, 'clearUtterance'] },
  ] as const;
}

/** A step played to its end: another LLM step after tool calls, or the reply is complete. */
export function stepEnded() {
  return [
    {
      guard: 'hasFollowUp',
      target: '#session.agent.THINKING',
      reenter: true,
      actions: ['commitStep', 'startFollowUp'],
    },
    ...afterSpeech(['commitStep', 'completeReply']),
  ] as const;
}
