/**
 * The complete `setup()` of the session machine: the base (types, placeholder actors, guards,
 * delays) extended with the named actions of `setup/`.
 */
import { sessionBase } from './session-base.ts';
import { generationActions } from './setup/generation-actions.ts';
import { replyActions } from './setup/reply-actions.ts';
import { userActions } from './setup/user-actions.ts';

export const sessionSetup = sessionBase.extend({
  actions: { ...userActions, ...replyActions, ...generationActions },
});
