/**
 * What the user actually heard of an interrupted agent utterance. When the user barges in,
 * the chat history must hold the heard prefix, not the whole generated reply.
 */

import { normalizeTranscript, transcriptTokens, UNSPACED_SCRIPT_CLASS } from './transcripts.ts';

/** A word with its timing, relative to the start of the speech's audio. */
export interface TimedWord {
  word: string;
  startMs: number;
  endMs: number;
}

/** Options for {@link playedText}. */
export interface PlayedTextOptions {
  /** Word timings from the TTS, when it provides them. */
  words?: readonly TimedWord[] | null;
  /** Speaking rate used when there are no timings. Default 2.8 (about 170 words per minute). */
  wordsPerSecond?: number;
}

/** Default speaking rate for estimates: ~170 words per minute. */
export const DEFAULT_WORDS_PER_SECOND = 2.8;

const UNSPACED = UNSPACED_SCRIPT_CLASS;
// A word of the original text: one unspaced-script character, or a run of letters/numbers
// (apostrophes inside words allowed), consistent with `transcriptTokens`.
const TEXT_WORD = new RegExp(
  `${UNSPACED}\\p{M}*|(?:(?!${UNSPACED})[\\p{L}\\p{N}\\p{M}])+(?:['’ʼ](?:(?!${UNSPACED})[\\p{L}\\p{N}\\p{M}])+)*`,
  'gu',
);
// Sticky regexes: matched at a given offset without slicing the text.
const TRAILING_PUNCT = /[^\s\p{L}\p{N}\p{M}]+/uy;
const BREAK_AFTER_PUNCT = new RegExp(`\\s|${UNSPACED}`, 'uy');

/** How far ahead to look for a timed word in the text before assuming a substitution. */
const LOOKAHEAD = 4;

interface TextWord {
  norm: string;
  /** Offset just past the word and its attached trailing punctuation. */
  end: number;
}

function textWords(text: string): TextWord[] {
  const out: TextWord[] = [];
  for (const m of text.matchAll(TEXT_WORD)) {
    let end = m.index + m[0].length;
    // Keep punctuation that closes the word ("Hello," / "end." / "你好，") but not
    // intra-word punctuation such as the hyphen of "mm-hmm".
    TRAILING_PUNCT.lastIndex = end;
    const punct = TRAILING_PUNCT.exec(text)?.[0];
    if (punct !== undefined) {
      const after = end + punct.length;
      BREAK_AFTER_PUNCT.lastIndex = after;
      if (after >= text.length || BREAK_AFTER_PUNCT.test(text)) end = after;
    }
    out.push({ norm: normalizeTranscript(m[0]), end });
  }
  return out;
}

/**
 * Estimated speaking time of `text` at `wordsPerSecond` (CJK characters count as words).
 *
 * @example
 * ```ts
 * estimateSpeechDurationMs('one two three four five six seven', 2.8); // 2500
 * ```
 */
export function estimateSpeechDurationMs(
  text: string,
  wordsPerSecond = DEFAULT_WORDS_PER_SECOND,
): number {
  if (!(wordsPerSecond > 0))
    throw new RangeError(`wordsPerSecond must be > 0, got ${wordsPerSecond}`);
  return (textWords(text).length * 1000) / wordsPerSecond;
}

/** Number of text words covered by the started timed words, aligned in order. */
function alignHeard(
  words: readonly TextWord[],
  timed: readonly TimedWord[],
  positionMs: number,
): number {
  let j = 0;
  for (const t of timed) {
    if (!(t.startMs < positionMs)) continue;
    for (const token of transcriptTokens(t.word)) {
      if (j >= words.length) return j;
      let found = -1;
      for (let k = j; k < Math.min(j + LOOKAHEAD, words.length); k++) {
        if (words[k]?.norm === token) {
          found = k;
          break;
        }
      }
      // No match nearby: assume the TTS spelled the word differently ("3" → "three").
      j = found >= 0 ? found + 1 : j + 1;
    }
  }
  return j;
}

/**
 * The prefix of `fullText` that was heard when playback stopped at `positionMs` (relative
 * to the start of the speech's audio). A word counts as heard once it has started.
 *
 * With word timings, the started timed words are aligned in order onto the words of
 * `fullText`, and the result is cut right after the last heard word (keeping its trailing
 * punctuation and the original spacing). Timings with more or fewer words than the text
 * are tolerated: unmatched timed words advance one text word each. Without timings, the
 * heard word count is estimated from `wordsPerSecond`.
 *
 * @example
 * ```ts
 * const words = [
 *   { word: 'Hello', startMs: 0, endMs: 300 },
 *   { word: 'there', startMs: 350, endMs: 600 },
 *   { word: 'friend', startMs: 650, endMs: 900 },
 * ];
 * playedText('Hello, there! My friend.', 400, { words }); // 'Hello, there!'
 * playedText('one two three four', 800, {}); // 'one two three' (2.8 words/s)
 * ```
 */
export function playedText(
  fullText: string,
  positionMs: number,
  opts: PlayedTextOptions = {},
): string {
  if (!(positionMs > 0)) return '';
  const words = textWords(fullText);
  if (words.length === 0) return fullText;

  let heard: number;
  const timed = opts.words;
  if (timed && timed.length > 0) {
    const lastEnd = timed.reduce((max, t) => Math.max(max, t.endMs, t.startMs), 0);
    // Every timed word played to its end: the whole text was heard, whatever the alignment.
    if (positionMs >= lastEnd) return fullText;
    heard = alignHeard(words, timed, positionMs);
  } else {
    const wps = opts.wordsPerSecond ?? DEFAULT_WORDS_PER_SECOND;
    if (!(wps > 0)) throw new RangeError(`wordsPerSecond must be > 0, got ${wps}`);
    // Word i starts at i / wps seconds; count those that started before positionMs.
    heard = Math.ceil((positionMs * wps) / 1000);
  }

  if (heard <= 0) return '';
  if (heard >= words.length) return fullText;
  const cut = words[heard - 1];
  return cut === undefined ? fullText : fullText.slice(0, cut.end);
}
