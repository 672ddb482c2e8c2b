/**
 * Backchannel detection: short acknowledgements ("mhm", "yeah", "got it") that a listener
 * says while the agent talks. They should not count as a barge-in.
 */

import { transcriptTokens } from './transcripts.ts';

/**
 * English acknowledgement phrases, matched after normalization (case and punctuation are
 * ignored, so "Mm-hmm." matches "mm-hmm"). Elongated spellings ("yeaaah", "hmmmm") are
 * handled by {@link isBackchannel}, so only distinct words need listing.
 */
export const DEFAULT_BACKCHANNEL_PHRASES: readonly string[] = Object.freeze([
  'mhm',
  'mm-hmm',
  'mmhmm',
  'mm',
  'uh-huh',
  'uh huh',
  'uhhuh',
  'hmm',
  'hm',
  'okay',
  'ok',
  'okey',
  'k',
  'right',
  'yeah',
  'yea',
  'yep',
  'yup',
  'yes',
  'sure',
  'got it',
  'gotcha',
  'i see',
  'alright',
  'all right',
  'cool',
  'nice',
  'great',
  'exactly',
  'true',
  'ah',
  'aha',
  'oh',
  'wow',
  'thats right',
  'sounds good',
  'makes sense',
  'of course',
  'i know',
  'totally',
  'absolutely',
  'definitely',
  'indeed',
  'perfect',
]);

/**
 * Decides whether a user transcript heard while the agent speaks is a mere backchannel.
 * `agentText` is what the agent was saying, for classifiers that take it into account
 * (e.g. "yes" after a question is an answer, not a backchannel).
 */
export type BackchannelClassifier = (
  transcript: string,
  ctx: { agentText: string; phrases: readonly string[] },
) => boolean;

/**
 * Squeezes runs of a repeated character ("yeaaah" → "yeah", "hmmm" → "hm") so elongated
 * spellings match. Applied to both sides, so "cool" and "col" compare equal, which is
 * harmless for a list of acknowledgements.
 */
function squeeze(token: string): string {
  return token.replace(/(.)\1+/gu, '$1');
}

function tokensOf(text: string): string[] {
  return transcriptTokens(text).map(squeeze);
}

// Phrase lists are usually module constants: cache their tokenization per array.
const phraseCache = new WeakMap<readonly string[], string[][]>();

function phraseTokens(phrases: readonly string[]): string[][] {
  let cached = phraseCache.get(phrases);
  if (!cached) {
    cached = phrases.map(tokensOf).filter((p) => p.length > 0);
    phraseCache.set(phrases, cached);
  }
  return cached;
}

/**
 * True when the transcript is non-empty and made only of backchannel phrases, possibly
 * repeated or combined ("okay okay", "yeah right", "mhm got it"); false as soon as there is
 * any other content ("okay but wait", "no").
 *
 * @example
 * ```ts
 * isBackchannel('Mm-hmm.', DEFAULT_BACKCHANNEL_PHRASES); // true
 * isBackchannel('Yeah, right!', DEFAULT_BACKCHANNEL_PHRASES); // true
 * isBackchannel('okay but wait', DEFAULT_BACKCHANNEL_PHRASES); // false
 * ```
 */
export function isBackchannel(
  transcript: string,
  phrases: readonly string[] = DEFAULT_BACKCHANNEL_PHRASES,
): boolean {
  const tokens = tokensOf(transcript);
  if (tokens.length === 0) return false;
  const candidates = phraseTokens(phrases);
  // reachable[i]: tokens[0..i) can be covered by a sequence of phrases.
  const reachable = new Array<boolean>(tokens.length + 1).fill(false);
  reachable[0] = true;
  for (let i = 0; i < tokens.length; i++) {
    if (!reachable[i]) continue;
    for (const phrase of candidates) {
      const end = i + phrase.length;
      if (end > tokens.length || reachable[end]) continue;
      if (phrase.every((t, k) => tokens[i + k] === t)) reachable[end] = true;
    }
  }
  return reachable[tokens.length] === true;
}

/**
 * The default {@link BackchannelClassifier}: phrase matching only, ignoring `agentText`.
 *
 * @example
 * ```ts
 * defaultBackchannelClassifier('uh huh', { agentText: 'So the plan is…', phrases: DEFAULT_BACKCHANNEL_PHRASES }); // true
 * ```
 */
export const defaultBackchannelClassifier: BackchannelClassifier = (transcript, ctx) =>
  isBackchannel(transcript, ctx.phrases);
