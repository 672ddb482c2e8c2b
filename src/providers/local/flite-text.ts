/**
 * Flite's text side, pure functions: the text it can read (ASCII, typographic marks mapped),
 * its command line, long sentences split, and word timings aligned from its phone timings.
 */
import type { TimedWord } from '../../text/played-text.ts';
import type { FliteVoice } from './flite-tts.ts';

export const DELIMITER_PHONES = ['z', 'ay', 'l', 'ax', 'f', 'ow', 'n'];
/** Longer sentences are synthesized in pieces (first audio sooner, bounded alignment cost). */
export const MAX_WORDS_PER_RUN = 60;

// Text preparation and timing alignment (pure functions).

/** A word of the input text as spoken by Flite. */
export interface TextToken {
  /** The word as written, reported in {@link TimedWord.word}. */
  word: string;
  /** ASCII form given to Flite. */
  flite: string;
}

const TYPOGRAPHIC: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u02bc': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2013': ' , ',
  '\u2014': ' , ',
  '\u2026': '...',
  '\u00a0': ' ',
};

/**
 * Flite reads bytes, not Unicode: accents are stripped ("café" → "cafe"), typographic
 * quotes and dashes become ASCII, and anything else outside ASCII is dropped (it would be
 * spelled out byte by byte).
 */
export function toFliteText(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKD')) {
    const mapped = TYPOGRAPHIC[ch];
    if (mapped !== undefined) out += mapped;
    else if (/\p{M}/u.test(ch)) continue;
    else if (ch === '\0') out += ' ';
    else if (ch.charCodeAt(0) < 0x80) out += ch;
    else out += ' ';
  }
  return out;
}

export function tokenize(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  for (const word of text.split(/\s+/u)) {
    const flite = toFliteText(word).trim();
    if (flite !== '') tokens.push({ word, flite });
  }
  return tokens;
}

/** A phone with its end time in seconds, as printed by `flite -psdur`. */
export interface FliteSegment {
  phone: string;
  endS: number;
}

/**
 * Parses `-psdur` output (`pau:0.164 hh:0.255 ...`). Each utterance prints one line whose
 * times restart at zero; lines are chained so times are relative to the whole output.
 */
export function parseSegments(stdout: string): FliteSegment[] {
  const out: FliteSegment[] = [];
  let offset = 0;
  for (const line of stdout.split('\n')) {
    let lineEnd = 0;
    for (const m of line.matchAll(/(\S+):(\d+(?:\.\d+)?)/g)) {
      const endS = Number(m[2]);
      lineEnd = Math.max(lineEnd, endS);
      out.push({ phone: m[1]!, endS: offset + endS });
    }
    offset += lineEnd;
  }
  return out;
}

/**
 * Cuts the phone stream of the lexicon pass (`-ps` over `D w1 D w2 D ... D`, D the delimiter
 * word) into the phones of each word. Returns null when the count does not come out right
 * (e.g. the text itself contains the delimiter word).
 */
export function splitLexiconPhones(stdout: string, count: number): string[][] | null {
  const phones = stdout.split(/\s+/u).filter((p) => p !== '' && p !== 'pau');
  const groups: string[][] = [];
  let current: string[] = [];
  for (let i = 0; i < phones.length; ) {
    if (DELIMITER_PHONES.every((p, k) => phones[i + k] === p)) {
      groups.push(current);
      current = [];
      i += DELIMITER_PHONES.length;
    } else {
      current.push(phones[i]!);
      i++;
    }
  }
  groups.push(current);
  // Leading delimiter → an empty first group; trailing delimiter → an empty last one.
  if (groups.length !== count + 2 || groups[0]!.length > 0 || groups.at(-1)!.length > 0) {
    return null;
  }
  return groups.slice(1, -1);
}

/**
 * Word timings from Flite's phone timings: the spoken phones (pauses left out) are aligned
 * with the words' dictionary phones by edit distance, so post-lexical changes (e.g. "the"
 * before a vowel) only cost a substitution. Each word spans from the start of its first
 * aligned phone to the end of its last. When the dictionary phones are unknown
 * (`wordPhones` null), the phones are shared out in proportion to the words' lengths.
 */
export function alignWords(
  segments: readonly FliteSegment[],
  words: readonly string[],
  wordPhones: readonly (readonly string[])[] | null,
): TimedWord[] {
  const spoken: { phone: string; startS: number; endS: number }[] = [];
  let previousEnd = 0;
  for (const s of segments) {
    if (s.phone !== 'pau') spoken.push({ phone: s.phone, startS: previousEnd, endS: s.endS });
    previousEnd = s.endS;
  }
  if (spoken.length === 0 || words.length === 0) return [];

  const owner = wordPhones
    ? alignByPhones(
        spoken.map((s) => s.phone),
        wordPhones,
      )
    : alignByLength(spoken.length, words);

  // The alignment is monotonic: consecutive phones of one word form its span.
  const out: TimedWord[] = [];
  let current = -1;
  for (let i = 0; i < spoken.length; i++) {
    const s = spoken[i]!;
    if (owner[i] !== current) {
      current = owner[i]!;
      out.push({ word: words[current]!, startMs: s.startS * 1000, endMs: s.endS * 1000 });
    } else {
      out.at(-1)!.endMs = s.endS * 1000;
    }
  }
  return out;
}

/** Word index of each spoken phone, by minimum edit distance against the dictionary phones. */
function alignByPhones(spoken: string[], wordPhones: readonly (readonly string[])[]): number[] {
  const dict: { phone: string; word: number }[] = [];
  wordPhones.forEach((phones, word) => {
    for (const phone of phones) dict.push({ phone, word });
  });
  const n = spoken.length;
  const m = dict.length;
  if (m === 0)
    return alignByLength(
      n,
      wordPhones.map(() => 'x'),
    );
  // cost[i][j]: distance between spoken[0..i) and dict[0..j); flat array, row-major.
  const width = m + 1;
  const cost = new Uint32Array((n + 1) * width);
  for (let j = 0; j <= m; j++) cost[j] = j;
  for (let i = 1; i <= n; i++) {
    cost[i * width] = i;
    for (let j = 1; j <= m; j++) {
      const same = spoken[i - 1] === dict[j - 1]!.phone ? 0 : 1;
      cost[i * width + j] = Math.min(
        cost[(i - 1) * width + j - 1]! + same,
        cost[(i - 1) * width + j]! + 1,
        cost[i * width + j - 1]! + 1,
      );
    }
  }
  const owner = new Array<number>(n).fill(-1);
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    const here = cost[i * width + j]!;
    const same = spoken[i - 1] === dict[j - 1]!.phone ? 0 : 1;
    if (here === cost[(i - 1) * width + j - 1]! + same) {
      owner[i - 1] = dict[j - 1]!.word;
      i--;
      j--;
    } else if (here === cost[(i - 1) * width + j]! + 1) {
      i--; // a spoken phone the dictionary does not have: owned by a neighbour below
    } else {
      j--; // a dictionary phone that was not spoken
    }
  }
  // Unaligned spoken phones join the word before them (or after, at the very start).
  let previous = -1;
  for (let k = 0; k < n; k++) {
    if (owner[k]! >= 0) previous = owner[k]!;
    else if (previous >= 0) owner[k] = previous;
  }
  const firstOwned = owner.find((w) => w >= 0) ?? 0;
  for (let k = 0; k < n && owner[k]! < 0; k++) owner[k] = firstOwned;
  return owner;
}

/** Word index of each of `n` phones, shared out in proportion to the words' lengths. */
function alignByLength(n: number, words: readonly string[]): number[] {
  const weights = words.map((w) => Math.max(1, w.replace(/[^\p{L}\p{N}]/gu, '').length));
  const total = weights.reduce((a, b) => a + b, 0);
  const owner: number[] = [];
  let word = 0;
  let boundary = weights[0]! / total;
  for (let k = 0; k < n; k++) {
    const position = (k + 0.5) / n;
    while (position > boundary && word < words.length - 1) {
      word++;
      boundary += weights[word]! / total;
    }
    owner.push(word);
  }
  return owner;
}

/** Flite's command line (after `argv[0]`); `out` is a WASI path or `'none'`. */
export function fliteArgs(
  voice: FliteVoice,
  durationStretch: number,
  print: '-ps' | '-psdur' | null,
  text: string,
  out: string,
): string[] {
  return [
    '-voice',
    voice,
    '--setf',
    `duration_stretch=${durationStretch}`,
    ...(print === null ? [] : [print]),
    '-t',
    text,
    '-o',
    out,
  ];
}

/**
 * Splits a sentence's words into pieces of at most {@link MAX_WORDS_PER_RUN}, preferring a
 * cut after a comma, semicolon or colon, so a run-on sentence does not delay its audio.
 */
export function splitLongSentence(tokens: TextToken[]): TextToken[][] {
  const pieces: TextToken[][] = [];
  let rest = tokens;
  while (rest.length > MAX_WORDS_PER_RUN) {
    let cut = MAX_WORDS_PER_RUN;
    for (let k = MAX_WORDS_PER_RUN; k >= MAX_WORDS_PER_RUN / 2; k--) {
      if (/[,;:]$/u.test(rest[k - 1]!.flite)) {
        cut = k;
        break;
      }
    }
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}
