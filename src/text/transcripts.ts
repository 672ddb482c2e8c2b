/**
 * Transcript comparison helpers. STT engines disagree on case, punctuation and
 * spacing, so comparisons go through a normalization that keeps only letters,
 * numbers and combining marks (the latter matter for Thai, Devanagari, ...).
 */

/**
 * Regex character class (source text) of scripts written without spaces between words:
 * each character is its own token. Hangul is excluded on purpose: Korean separates words
 * with spaces. Shared with `played-text.ts`; not part of the public API.
 */
export const UNSPACED_SCRIPT_CLASS =
  '[\\p{Script=Han}\\p{Script_Extensions=Hiragana}\\p{Script_Extensions=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}]';
const UNSPACED_CHAR = new RegExp(`${UNSPACED_SCRIPT_CLASS}\\p{M}*`, 'gu');
const UNSPACED_END = new RegExp(`${UNSPACED_SCRIPT_CLASS}\\p{M}*$`, 'u');
const UNSPACED_START = new RegExp(`^${UNSPACED_SCRIPT_CLASS}`, 'u');

/**
 * Lower-cases, strips punctuation and collapses whitespace. Apostrophes inside words are
 * removed ("don't" → "dont") while other punctuation becomes a space ("mm-hmm" → "mm hmm").
 *
 * @example
 * ```ts
 * normalizeTranscript('  Hello,   World! Don’t stop.'); // 'hello world dont stop'
 * ```
 */
export function normalizeTranscript(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’ʼ`]/gu, '')
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
    .trim();
}

/**
 * Splits a transcript into comparable tokens: normalized words, except that characters of
 * unspaced scripts (Chinese, Japanese, Thai, ...) are one token each, so that different
 * segmentations of the same sentence compare equal.
 *
 * @example
 * ```ts
 * transcriptTokens('Hi, 你好!'); // ['hi', '你', '好']
 * ```
 */
export function transcriptTokens(text: string): string[] {
  const normalized = normalizeTranscript(text);
  if (normalized === '') return [];
  const out: string[] = [];
  for (const word of normalized.split(' ')) {
    // Split the word around unspaced-script characters, keeping other runs whole.
    let last = 0;
    for (const m of word.matchAll(UNSPACED_CHAR)) {
      if (m.index > last) out.push(word.slice(last, m.index));
      out.push(m[0]);
      last = m.index + m[0].length;
    }
    if (last < word.length) out.push(word.slice(last));
  }
  return out;
}

/**
 * Whether two transcripts contain the same words, ignoring case, punctuation and spacing
 * (CJK/Thai are compared per character).
 *
 * @example
 * ```ts
 * transcriptsEquivalent('Hello, world!', 'hello world'); // true
 * transcriptsEquivalent('今天 天气 很好', '今天天气很好。'); // true
 * ```
 */
export function transcriptsEquivalent(a: string, b: string): boolean {
  const xs = transcriptTokens(a);
  const ys = transcriptTokens(b);
  return xs.length === ys.length && xs.every((x, i) => x === ys[i]);
}

/**
 * Counts words; each CJK/Thai character counts as one word.
 *
 * @example
 * ```ts
 * countWords('Hello there, friend.'); // 3
 * countWords('你好世界'); // 4
 * ```
 */
export function countWords(text: string): number {
  return transcriptTokens(text).length;
}

/**
 * Joins two transcript fragments with a single space, trimming both and skipping empty
 * ones. No space is inserted between two unspaced-script characters (e.g. Chinese).
 *
 * @example
 * ```ts
 * joinTranscripts('I want ', ' a pizza'); // 'I want a pizza'
 * joinTranscripts('', 'hello'); // 'hello'
 * joinTranscripts('你好', '世界'); // '你好世界'
 * ```
 */
export function joinTranscripts(a: string, b: string): string {
  const x = a.trim();
  const y = b.trim();
  if (x === '') return y;
  if (y === '') return x;
  const unspaced = UNSPACED_END.test(x) && UNSPACED_START.test(y);
  return unspaced ? x + y : `${x} ${y}`;
}
