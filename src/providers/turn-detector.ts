/**
 * End-of-turn detection interface: a model that judges from the conversation whether the
 * user has finished speaking, so the agent neither interrupts nor waits too long.
 */

import type { ChatMessage } from '../text/chat-context.ts';
import type { Provider } from './provider.ts';

/** What a {@link TurnDetector} supports. */
export interface TurnDetectorCapabilities {
  /** Supported language codes (e.g. `['en', 'fr']`). */
  languages: readonly string[];
}

/** A request to {@link TurnDetector.predictEndOfTurn}. */
export interface EndOfTurnRequest {
  /** The conversation so far, without the current user transcript. */
  messages: readonly ChatMessage[];
  /** What the user has said in the current turn. */
  transcript: string;
  signal?: AbortSignal;
}

/**
 * Predicts whether the user's turn is complete.
 *
 * @example
 * ```ts
 * const p = await detector.predictEndOfTurn({ messages, transcript: 'I want to book a' });
 * const delayMs = p > 0.5 ? 300 : 1500;
 * ```
 */
export interface TurnDetector<Options extends object = object>
  extends Provider<TurnDetectorCapabilities, Options> {
  /** Probability in [0, 1] that the user's turn is complete. */
  predictEndOfTurn(req: EndOfTurnRequest): Promise<number>;
}
