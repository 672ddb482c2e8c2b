// ---------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------

/** Number words, shared with the training data generator. */
export const UNITS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
];
export const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
export const TENS = [
  '',
  '',
  'twenty',
  'thirty',
  'forty',
  'fifty',
  'sixty',
  'seventy',
  'eighty',
  'ninety',
];

/** A number below 100 as words ("21" → "twenty one"). */
export function cardinalWords(n: number): string {
  if (n < 10) return UNITS[n]!;
  if (n < 20) return TEENS[n - 10]!;
  const tens = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? tens : `${tens} ${UNITS[n % 10]!}`;
}

export const ORDINALS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
];

/** "21" → "twenty first" (1–99), or null. */
export function ordinalWords(n: number): string | null {
  if (!Number.isInteger(n) || n < 1 || n > 99) return null;
  if (n < 20) return ORDINALS[n]!;
  const tens = TENS[Math.floor(n / 10)]!;
  if (n % 10 === 0) return `${tens.slice(0, -1)}ieth`;
  return `${tens} ${ORDINALS[n % 10]!}`;
}

/**
 * A run of digits as a recognizer would spell it out: one or two digits as a number ("7" →
 * "seven", "21" → "twenty one"), a leading zero or longer runs digit by digit ("05" → "zero
 * five", "4437" → "four four three seven").
 */
export function digitsToWords(digits: string): string {
  if (digits.length <= 2 && !(digits.length === 2 && digits[0] === '0')) {
    return cardinalWords(Number(digits));
  }
  return [...digits].map((d) => UNITS[Number(d)]!).join(' ');
}

/**
 * Normalizes a transcript to recognizer style and splits it into words: lowercase, no
 * punctuation (apostrophes inside words kept), digits as words, e-mail punctuation as words
 * ("j.smith@mail.com" → "j dot smith at mail dot com").
 *
 * @example
 * ```ts
 * normalizeTranscript('My number is 555-212-4437.'); // ['my', 'number', 'is', 'five', 'five', ...]
 * ```
 */
export function normalizeTranscript(text: string): string[] {
  let s = text.toLowerCase().normalize('NFKC');
  s = s.replace(/[\u2018\u2019\u02bc`]/g, "'");
  s = s.replace(/\b([ap])\.m\.?(?=\s|$|[^a-z])/g, '$1m');
  s = s.replace(/@/g, ' at ');
  // A dot between word characters is spoken "dot" (e-mail addresses, web sites); a decimal
  // point between digits is "point".
  s = s.replace(/(\d)\.(?=\d)/g, '$1 point ');
  s = s.replace(/([a-z0-9])\.(?=[a-z0-9])/g, '$1 dot ');
  s = s.replace(/&/g, ' and ');
  s = s.replace(/%/g, ' percent ');
  s = s.replace(/\+(?=\s*\d)/g, ' plus ');
  s = s.replace(/#(?=\s*\d)/g, ' number ');
  s = s.replace(/_/g, ' underscore ');
  // Split letters from digits ("3pm" → "3 pm", "a4" → "a 4"), then spell the digits.
  s = s.replace(
    /\b(\d{1,2})(st|nd|rd|th)\b/g,
    (m, d: string) => ` ${ordinalWords(Number(d)) ?? m} `,
  );
  s = s.replace(/(\d)([a-z])/g, '$1 $2').replace(/([a-z])(\d)/g, '$1 $2');
  s = s.replace(/\d+/g, (d) => ` ${digitsToWords(d)} `);
  // Anything else that is not a letter or an in-word apostrophe separates words.
  s = s.replace(/[^a-z']+/g, ' ');
  const words: string[] = [];
  for (const raw of s.split(' ')) {
    const w = raw.replace(/^'+|'+$/g, '');
    if (w !== '') words.push(w);
  }
  return words;
}

// ---------------------------------------------------------------------------------------------
// Word classes
// ---------------------------------------------------------------------------------------------

export const CLASS_LISTS: Record<string, string> = {
  det: 'a an the some any every each another',
  poss: 'my your his her our their its',
  dem: 'this that these those',
  prep: 'to for of in on at with from by about into onto over under after before between through during until till without around near via per than except',
  conj: 'and or but because cause cuz if when while although though whether unless since plus',
  be: 'is are was were be been being am',
  aux: 'do does did can could would should will shall may might must have has had',
  pron: 'i you he she we they it me him us them',
  praux:
    "i'm it's i'd i'll i've you're that's there's we're they're he's she's what's let's here's who's you'll we'll it'll that'll",
  wh: 'what when where who why how which',
  fill: 'uh um uhm umm er erm hmm hm mm mmm ah eh',
  disc: 'well so like okay ok yeah yes yep yup no nope right sure actually basically anyway alright oh',
  neg: "not never don't can't won't didn't isn't doesn't wasn't aren't couldn't wouldn't shouldn't haven't",
  intent: 'want need wanna gonna gotta trying looking hoping planning going wondering',
  unit: 'zero oh one two three four five six seven eight nine',
  teen: 'ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen',
  tens: 'twenty thirty forty fifty sixty seventy eighty ninety',
  big: 'hundred thousand million',
  ord: 'first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth',
  month:
    'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec',
  wday: 'monday tuesday wednesday thursday friday saturday sunday weekend',
  rday: 'today tomorrow tonight yesterday morning afternoon evening noon midnight',
  ampm: "am pm o'clock",
  tld: 'com net org edu gov io co uk us ca me info biz',
  mailhost:
    'gmail yahoo hotmail outlook icloud aol proton protonmail comcast verizon live msn mail',
  street:
    'street st avenue ave road rd drive dr lane ln boulevard blvd court ct place pl way circle parkway terrace highway trail square loop',
  unitword: 'apartment apt unit suite floor building',
  polite: 'please thanks thank cheers',
  spellw: 'dot underscore dash hyphen',
};

export const WORD_CLASS = new Map<string, string>();
for (const [cls, words] of Object.entries(CLASS_LISTS)) {
  for (const w of words.split(' ')) if (!WORD_CLASS.has(w)) WORD_CLASS.set(w, cls);
}

/**
 * Coarse class of a word ("det", "prep", "unit", "fill", "month", "letter", ... or "w" for
 * other words, with "ing"/"ed"/"ly" endings told apart), so the model generalizes beyond the
 * words it saw.
 */
export function wordClass(word: string): string {
  const known = WORD_CLASS.get(word);
  if (known !== undefined) return known;
  if (word.length === 1) return 'letter';
  if (word.length > 4 && word.endsWith('ing')) return 'ing';
  if (word.length > 3 && word.endsWith('ed')) return 'ed';
  if (word.length > 3 && word.endsWith('ly')) return 'ly';
  if (word.endsWith("'s")) return 'poss_s';
  return 'w';
}

export const DIGIT_UNITS = new Set(UNITS.concat(['oh', 'o']));
export const DIGIT_TEENS = new Set(TEENS);
export const DIGIT_TENS = new Set(TENS.filter((t) => t !== ''));
/** Words skipped inside a run of digits ("five five five dash two one two"). */
export const DIGIT_GLUE = new Set(['dash', 'hyphen']);
export const FILLERS = new Set(CLASS_LISTS['fill']!.split(' '));
/** Two-word fillers ("you know", "i mean"). */
export const FILLER_PAIRS = new Set(['you know', 'i mean']);

/**
 * The words without fillers ("uh", "um", "you know", "i mean", ...), so a number read as
 * "five five five uh two one two" is still one run of digits.
 */
export function withoutFillers(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (FILLERS.has(w)) continue;
    const next = words[i + 1];
    if (next !== undefined && FILLER_PAIRS.has(`${w} ${next}`)) {
      // "you know" is a filler unless it is the whole sentence's verb ("do you know ...").
      if (i === 0 || words[i - 1] !== 'do') {
        i++;
        continue;
      }
    }
    out.push(w);
  }
  return out;
}

/** Whether the words end with a filler (one word or a pair). */
export function endsWithFiller(words: readonly string[]): boolean {
  const n = words.length;
  if (n === 0) return false;
  if (FILLERS.has(words[n - 1]!)) return true;
  return n >= 2 && FILLER_PAIRS.has(`${words[n - 2]} ${words[n - 1]}`) && words[n - 3] !== 'do';
}

export function isDigitWord(w: string): boolean {
  return (
    DIGIT_UNITS.has(w) ||
    DIGIT_TEENS.has(w) ||
    DIGIT_TENS.has(w) ||
    w === 'hundred' ||
    w === 'thousand' ||
    w === 'double' ||
    w === 'triple'
  );
}

/** The first digit spoken in a run of digit words ("fifty six" → "5"), or "". */
export function firstDigit(run: readonly string[]): string {
  for (const w of run) {
    if (w === 'oh' || w === 'o' || w === 'zero') return '0';
    const u = UNITS.indexOf(w);
    if (u >= 0) return String(u);
    if (DIGIT_TEENS.has(w)) return '1';
    const t = TENS.indexOf(w);
    if (t >= 2) return String(t);
  }
  return '';
}

/** Summary of the spoken number at the end of the text. */
export interface TrailingDigits {
  /** Digits spoken in the trailing run ("five fifty five" → 3). */
  digits: number;
  /** Words in the run. */
  words: number;
  /** First digit of the run ("1" for a leading country code, "3" for American Express), or "". */
  first: string;
  /** Whether the run ends on a word that needs more ("double", "hundred", a tens word). */
  open: boolean;
}

/**
 * Counts the digits spoken at the end of a word list: units, "oh", teens, tens (+ unit),
 * "hundred"/"thousand", "double"/"triple" X; "dash" is skipped. A run of only "oh"/"o" counts
 * as no digits (an interjection or a letter).
 */
export function trailingDigits(words: readonly string[]): TrailingDigits {
  let start = words.length;
  while (start > 0) {
    const w = words[start - 1]!;
    if (isDigitWord(w) || (DIGIT_GLUE.has(w) && start < words.length)) start--;
    else break;
  }
  const run = words.slice(start).filter((w) => !DIGIT_GLUE.has(w));
  if (run.every((w) => w === 'oh' || w === 'o')) {
    return { digits: 0, words: 0, first: '', open: false };
  }
  let digits = 0;
  let pendingTens = false;
  let fillAfterBig = false;
  let repeat = 1;
  let prev = '';
  for (const w of run) {
    if (w === 'double' || w === 'triple') {
      repeat = w === 'double' ? 2 : 3;
      pendingTens = false;
      prev = w;
      continue;
    }
    if (DIGIT_UNITS.has(w)) {
      if (pendingTens) pendingTens = false;
      else if (fillAfterBig && prev === 'thousand') fillAfterBig = false;
      else digits += repeat;
      repeat = 1;
    } else if (DIGIT_TEENS.has(w)) {
      if (fillAfterBig) fillAfterBig = false;
      else digits += 2;
      pendingTens = false;
    } else if (DIGIT_TENS.has(w)) {
      if (fillAfterBig) fillAfterBig = false;
      else digits += 2;
      pendingTens = true;
    } else if (w === 'hundred') {
      digits += 2;
      fillAfterBig = true;
      pendingTens = false;
    } else if (w === 'thousand') {
      digits += 3;
      fillAfterBig = true;
      pendingTens = false;
    }
    prev = w;
  }
  const last = run[run.length - 1] ?? '';
  const open = last === 'double' || last === 'triple' || last === 'hundred' || last === 'thousand';
  return { digits, words: run.length, first: firstDigit(run), open };
}

/**
 * The last run of spoken digits anywhere in the text and how many words follow it ("my cell
 * is five five five … seven that's my cell" → 10 digits, 3 words after).
 */
export function lastDigitRun(words: readonly string[]): { digits: number; after: number } {
  let end = words.length;
  while (end > 0 && !isDigitWord(words[end - 1]!)) end--;
  if (end === 0) return { digits: 0, after: words.length };
  return { digits: trailingDigits(words.slice(0, end)).digits, after: words.length - end };
}

/** Letters spelled out at the end of the text ("s m i t h", "double t" counts 2). */
export function trailingLetters(words: readonly string[]): number {
  let n = 0;
  let i = words.length - 1;
  while (i >= 0) {
    const w = words[i]!;
    if (w.length === 1 && w >= 'a' && w <= 'z') {
      if (i > 0 && words[i - 1] === 'double') {
        n += 2;
        i -= 2;
      } else {
        n += 1;
        i -= 1;
      }
    } else break;
  }
  // A lone "a" or "i" is a word, not spelling.
  if (n === 1) {
    const w = words[words.length - 1];
    if (w === 'a' || w === 'i') return 0;
  }
  return n;
}

/** Spelled letters at the end, expanded ("double t" → "t t"), oldest first. */
export function spelledLetters(words: readonly string[]): { letters: string[]; start: number } {
  const letters: string[] = [];
  let i = words.length - 1;
  while (i >= 0) {
    const w = words[i]!;
    if (w.length === 1 && w >= 'a' && w <= 'z') {
      if (i > 0 && words[i - 1] === 'double') {
        letters.unshift(w, w);
        i -= 2;
      } else {
        letters.unshift(w);
        i -= 1;
      }
    } else break;
  }
  return { letters, start: i + 1 };
}

/**
 * Whether the letters spelled at the end match a word said just before them: "smith s m i" →
 * "partial", "smith s m i t h" → "full", otherwise "none" (or "other" when the letters do not
 * spell the word before).
 */
export function spellingState(words: readonly string[]): 'none' | 'partial' | 'full' | 'other' {
  const { letters, start } = spelledLetters(words);
  if (letters.length < 2) return 'none';
  // The spelled word may be separated by "spelled", "that's", "it's", "is".
  for (let j = start - 1; j >= Math.max(0, start - 4); j--) {
    const w = words[j]!;
    if (w.length < 2) continue;
    if (['spelled', 'spelling', 'that', "that's", 'its', "it's", 'is', 'as', 'like'].includes(w)) {
      continue;
    }
    const spelled = letters.join('');
    if (w === spelled) return 'full';
    if (w.startsWith(spelled)) return 'partial';
    return 'other';
  }
  return 'none';
}

export const TLDS = new Set(CLASS_LISTS['tld']!.split(' '));
export const MAIL_HOSTS = new Set(CLASS_LISTS['mailhost']!.split(' '));

/**
 * Where the text stands in reading an e-mail address: "none", "local" (dots but no "at"),
 * "at" (ends with "at"), "dot" (ends with "dot"), "domain" (an "at" followed by a domain not
 * yet ending in a top-level domain), "complete" (… at host dot com), "complete_then" (a
 * finished address followed by more words).
 */
export function emailState(words: readonly string[]): string {
  const n = words.length;
  if (n === 0) return 'none';
  let at = -1;
  for (let i = n - 1; i >= Math.max(0, n - 14); i--) {
    if (words[i] === 'at') {
      at = i;
      break;
    }
  }
  const last = words[n - 1]!;
  const hasDot = words.slice(Math.max(0, n - 14)).includes('dot');
  if (at === n - 1) return hasDot ? 'at_mail' : 'at';
  if (last === 'dot') return at >= 0 ? 'dot_domain' : 'dot';
  if (at >= 0) {
    const after = words.slice(at + 1);
    const domainish = after.includes('dot') || after.some((w) => MAIL_HOSTS.has(w));
    if (!domainish) return 'none';
    if (TLDS.has(last) && words[n - 2] === 'dot') return 'complete';
    // A finished address followed by a remark ("… dot com all lowercase").
    for (let i = at + 3; i < n - 1; i++) {
      if (words[i - 1] === 'dot' && TLDS.has(words[i]!) && words[i + 1] !== 'dot') {
        return n - 1 - i <= 2 ? 'complete_then_short' : 'complete_then';
      }
    }
    return 'domain';
  }
  if (words[n - 1] === 'underscore') return 'dot';
  return hasDot ? 'local' : 'none';
}

export const STREET_SUFFIX = new Set(CLASS_LISTS['street']!.split(' '));
export const MONTHS = new Set(CLASS_LISTS['month']!.split(' '));
