/**
 * Streaming sentence splitting for TTS: LLM text arrives in small deltas, and each sentence
 * should reach the TTS as soon as it is complete. A boundary is only decided once the
 * characters after it are known, so feeding the text in any pieces yields the same
 * sentences as feeding it whole.
 */

/** Options for {@link SentenceStream} and {@link splitSentences}. */
export interface SentenceStreamOptions {
  /**
   * Sentences shorter than this (after trimming) are merged with the next one, so the TTS
   * is not fed choppy fragments like "Hi." on their own. Default 20 for
   * {@link SentenceStream}, 0 for {@link splitSentences}.
   */
  minChars?: number;
}

const TERMINATORS = new Set(['.', '!', '?', '…', '。', '！', '？', '‼', '⁇', '⁈', '⁉']);
// Full-width terminators end a sentence even without a following space (CJK has none).
const UNSPACED_TERMINATORS = new Set(['。', '！', '？']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '」', '』', '）', '】']);
const WHITESPACE = /\s/u;
const LOWERCASE_START = /[\p{Ll}]/u;

/**
 * Words that end with a period without ending the sentence. Ambiguous ones that often end
 * sentences ("etc.", "Inc.", "p.m.") are left out: a split there costs less than a merge.
 */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'mx',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'vs',
  'e.g',
  'i.e',
  'cf',
  'approx',
  'dept',
  'fig',
  'gen',
  'gov',
  'lt',
  'col',
  'capt',
  'sgt',
  'rev',
  'hon',
]);

/** The word right before offset `end` (exclusive), without leading opening punctuation. */
function wordBefore(text: string, end: number): string {
  let start = end;
  while (start > 0 && !WHITESPACE.test(text[start - 1] ?? ' ')) start--;
  return text.slice(start, end).replace(/^[("'“‘[{«]+/u, '');
}

function isAbbreviation(text: string, periodIndex: number): boolean {
  const word = wordBefore(text, periodIndex);
  // A single capital letter is an initial: "J. K. Rowling".
  if (/^\p{Lu}$/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Incremental sentence splitter. `push` returns the sentences completed by the new text;
 * `flush` returns whatever is left (call it at the end of a segment). Sentences end at
 * `.`, `!`, `?`, `…` (and CJK `。！？`) followed by whitespace, and at newlines; titles and
 * common abbreviations ("Dr.", "e.g."), initials, decimals ("3.5") and an ellipsis followed
 * by a lower-case word ("well... maybe") do not end a sentence.
 *
 * @example
 * ```ts
 * const s = new SentenceStream();
 * s.push('Hello Dr. Smith, nice to meet'); // []
 * s.push(' you. The price is 3.5 dollars.'); // ['Hello Dr. Smith, nice to meet you.']
 * s.flush(); // ['The price is 3.5 dollars.']
 * ```
 */
export class SentenceStream {
  readonly minChars: number;
  /** Text not yet emitted. */
  private buf = '';
  /** Offset in `buf` up to which boundaries have been decided. */
  private scanned = 0;

  constructor(opts: SentenceStreamOptions = {}) {
    this.minChars = Math.max(0, opts.minChars ?? 20);
  }

  /** Adds text; returns the sentences it completed (possibly none). */
  push(text: string): string[] {
    this.buf += text;
    return this.scan(false);
  }

  /** Ends the current segment: returns the remaining sentences and resets the stream. */
  flush(): string[] {
    const out = this.scan(true);
    const rest = this.buf.trim();
    if (rest !== '') out.push(rest);
    this.buf = '';
    this.scanned = 0;
    return out;
  }

  private scan(final: boolean): string[] {
    const out: string[] = [];
    const buf = this.buf;
    // Start of the text not yet emitted; short sentences before a boundary stay pending.
    let emitted = 0;
    const boundary = (at: number) => {
      const sentence = buf.slice(emitted, at).trim();
      if (sentence.length > 0 && sentence.length >= this.minChars) {
        out.push(sentence);
        emitted = at;
      }
    };

    let i = this.scanned;
    while (i < buf.length) {
      const ch = buf[i] ?? '';
      if (ch === '\n') {
        boundary(i + 1);
        i++;
        continue;
      }
      if (!TERMINATORS.has(ch)) {
        i++;
        continue;
      }
      // A run of terminators and closing quotes/brackets: "?!", "...", ".)", '."'.
      let j = i;
      while (j < buf.length && TERMINATORS.has(buf[j] ?? '')) j++;
      const run = buf.slice(i, j);
      while (j < buf.length && CLOSERS.has(buf[j] ?? '')) j++;
      if (j >= buf.length && !final) break; // wait: the next character decides
      const next = buf[j];
      const atEnd = next === undefined;
      if (atEnd || WHITESPACE.test(next) || [...run].some((c) => UNSPACED_TERMINATORS.has(c))) {
        const decision = this.endsSentence(buf, i, run, j, final);
        if (decision === undefined) break; // wait for the next word
        if (decision) boundary(j);
      }
      i = j;
    }
    this.scanned = i;
    if (emitted > 0) {
      this.buf = buf.slice(emitted);
      this.scanned -= emitted;
    }
    return out;
  }

  /**
   * Whether the terminator run `run` at `start` (followed by whitespace, the end of the
   * text or nothing needed) ends a sentence; `undefined` when more text is needed.
   */
  private endsSentence(
    buf: string,
    start: number,
    run: string,
    after: number,
    final: boolean,
  ): boolean | undefined {
    if (run === '.') return !isAbbreviation(buf, start);
    if (run === '...' || run === '…') {
      // "Well... maybe" continues the sentence; "I see... So" starts a new one.
      let k = after;
      while (k < buf.length && WHITESPACE.test(buf[k] ?? '')) k++;
      if (k >= buf.length) return final ? true : undefined;
      return !LOWERCASE_START.test(buf[k] ?? '');
    }
    return true;
  }
}

/**
 * Splits a whole text into sentences with the same rules as {@link SentenceStream}
 * (`minChars` defaults to 0 here: no merging).
 *
 * @example
 * ```ts
 * splitSentences('Hi! How are you? I paid $3.50, e.g. for coffee.');
 * // ['Hi!', 'How are you?', 'I paid $3.50, e.g. for coffee.']
 * ```
 */
export function splitSentences(text: string, opts: SentenceStreamOptions = {}): string[] {
  const stream = new SentenceStream({ minChars: opts.minChars ?? 0 });
  return [...stream.push(text), ...stream.flush()];
}
