/**
 * Feature extraction of the semantic turn detector, shared by training
 * (`models/turn-detector/`) and inference ({@link OnnxTurnDetector}): the same code turns a
 * conversation and the user's current transcript into the hashed sparse feature ids the model
 * sums embeddings over. Any change to what this module produces must bump
 * {@link FEATURE_VERSION} (the shipped model's config records the version it was trained on,
 * and the detector refuses a mismatch).
 *
 * Text is handled the way a speech recognizer delivers it: lowercase words without punctuation.
 * {@link normalizeTranscript} maps formatted transcripts (capitals, punctuation, digits, e-mail
 * addresses, `10:30`, `555-212-4437`) to that form first, so both styles give the same features.
 *
 * @module
 */

/** Version of the feature set; models record the version they were trained with. */
export const FEATURE_VERSION = 1;

/** One message of the conversation as the detector sees it (role and text only). */
export interface TurnContextMessage {
  role: string;
  content: string;
}

/** What the detector judges: the conversation so far and the user's current transcript. */
export interface TurnFeatureInput {
  /** Earlier messages, oldest first (the current transcript is not among them). */
  context: readonly TurnContextMessage[];
  /** What the user has said in the current turn so far. */
  text: string;
}

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
function cardinalWords(n: number): string {
  if (n < 10) return UNITS[n]!;
  if (n < 20) return TEENS[n - 10]!;
  const tens = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? tens : `${tens} ${UNITS[n % 10]!}`;
}

const ORDINALS = [
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
function ordinalWords(n: number): string | null {
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
function digitsToWords(digits: string): string {
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

const CLASS_LISTS: Record<string, string> = {
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

const WORD_CLASS = new Map<string, string>();
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

const DIGIT_UNITS = new Set(UNITS.concat(['oh', 'o']));
const DIGIT_TEENS = new Set(TEENS);
const DIGIT_TENS = new Set(TENS.filter((t) => t !== ''));
/** Words skipped inside a run of digits ("five five five dash two one two"). */
const DIGIT_GLUE = new Set(['dash', 'hyphen']);
const FILLERS = new Set(CLASS_LISTS['fill']!.split(' '));
/** Two-word fillers ("you know", "i mean"). */
const FILLER_PAIRS = new Set(['you know', 'i mean']);

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

function isDigitWord(w: string): boolean {
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
function firstDigit(run: readonly string[]): string {
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
function spelledLetters(words: readonly string[]): { letters: string[]; start: number } {
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

const TLDS = new Set(CLASS_LISTS['tld']!.split(' '));
const MAIL_HOSTS = new Set(CLASS_LISTS['mailhost']!.split(' '));

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

const STREET_SUFFIX = new Set(CLASS_LISTS['street']!.split(' '));
const MONTHS = new Set(CLASS_LISTS['month']!.split(' '));

// ---------------------------------------------------------------------------------------------
// The assistant's previous message
// ---------------------------------------------------------------------------------------------

/** What the assistant's last message asked for (see {@link analyzeContext}). */
export interface ContextInfo {
  /** Kinds of answer asked for: phone, email, address, zip, card, cvv, expiry, account, dob, date, time, name, spell, quantity, list, choice, open, none. */
  asks: string[];
  /** Whether it ended with a yes/no question (or a read-back to confirm). */
  yesNo: boolean;
  /** Digits the answer should have when the message says so ("your ten digit number"). */
  expectedDigits: number | null;
  /** For account-like numbers, the kind ("account", "member", "order", ...). */
  idKind: string;
  /** Words of the last sentence of the message (normalized). */
  words: string[];
  /** Whether there was an assistant message at all. */
  present: boolean;
}

const AUX_START = new Set([
  'is',
  'are',
  'was',
  'were',
  'do',
  'does',
  'did',
  'can',
  'could',
  'would',
  'will',
  'shall',
  'should',
  'have',
  'has',
  'may',
  'am',
  "isn't",
  "don't",
  "didn't",
  "won't",
  'want',
]);
const REQUEST_VERBS = new Set([
  'give',
  'tell',
  'read',
  'spell',
  'provide',
  'share',
  'say',
  'get',
  'have',
  'repeat',
  'grab',
  'confirm',
  'verify',
  'send',
  'list',
  'describe',
  'let',
]);
/** Requests for a specific piece of data. */
const SLOT_ASKS = new Set([
  'phone',
  'email',
  'address',
  'zip',
  'card',
  'cvv',
  'expiry',
  'account',
  'dob',
  'spell',
  'name',
]);
const NUMBER_WORDS = new Map<string, number>();
for (const [i, w] of UNITS.entries()) NUMBER_WORDS.set(w, i);
for (const [i, w] of TEENS.entries()) NUMBER_WORDS.set(w, 10 + i);
const ID_KINDS =
  'account member membership policy order confirmation reference booking reservation tracking claim case ticket invoice customer patient employee student routing prescription rx serial model meter loyalty rewards';

/** Splits text into sentences (keeping each one's final punctuation). */
function sentences(text: string): string[] {
  return (text.match(/[^.?!]+[.?!]*/g) ?? []).map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Reads the assistant's last message: which kind of answer it asked for (phone number,
 * e-mail, address, card or account number, date, time, name, spelling, quantity, a list,
 * a choice, an open question), whether it was a yes/no question, and how many digits it
 * said the answer has.
 */
export function analyzeContext(context: readonly TurnContextMessage[]): ContextInfo {
  let message: string | null = null;
  for (let i = context.length - 1; i >= 0; i--) {
    const m = context[i]!;
    if (m.role === 'assistant' && m.content.trim() !== '') {
      message = m.content;
      break;
    }
    if (m.role === 'user') break;
  }
  if (message === null) {
    return {
      asks: ['none'],
      yesNo: false,
      expectedDigits: null,
      idKind: '',
      words: [],
      present: false,
    };
  }
  const parts = sentences(message);
  // The request is in the last question, or else in the last sentence.
  let focus = parts[parts.length - 1] ?? message;
  for (let i = parts.length - 1; i >= 0; i--) {
    if (parts[i]!.endsWith('?')) {
      focus = parts[i]!;
      break;
    }
  }
  const isQuestion = focus.endsWith('?');
  const words = normalizeTranscript(focus);
  const s = ` ${words.join(' ')} `;
  const asks: string[] = [];
  const has = (re: RegExp) => re.test(s);
  const email = has(/ (email|e mail) /);
  if (email) asks.push('email');
  if (has(/ (phone|cell|mobile|callback|call back|telephone|contact number|reach you|fax) /)) {
    asks.push('phone');
  }
  if (!email && has(/ (address|street|where do you live|ship it to|deliver it to|located) /)) {
    asks.push('address');
  }
  if (has(/ (zip|postal code|postcode) /)) asks.push('zip');
  if (has(/ (security code|cvv|cvc|three digits on the back) /)) asks.push('cvv');
  else if (has(/ (expiration|expiry|expires|expire) /)) asks.push('expiry');
  else if (has(/ (card number|credit card|debit card|card) /)) asks.push('card');
  let idKind = '';
  const idMatch = new RegExp(` (${ID_KINDS.split(' ').join('|')}) (number|id|code|no|pin) `).exec(
    s,
  );
  if (idMatch) {
    idKind = idMatch[1]!;
    asks.push('account');
  } else if (has(/ (social security|ssn|last four|pin|routing) /)) {
    idKind = has(/ last four /) ? 'lastfour' : has(/ pin /) ? 'pin' : 'ssn';
    asks.push('account');
  }
  if (has(/ (birth|born|birthday|dob) /)) asks.push('dob');
  else if (
    has(/ (date|what day|which day|when would|when can|when did|when do|when is|how soon) /)
  ) {
    asks.push('date');
  }
  if (has(/ (what time|which time|time|o'clock|morning or afternoon|when would|when can) /)) {
    asks.push('time');
  }
  if (has(/ (spell|spelling|spelled) /)) asks.push('spell');
  else if (has(/ (name|who am i speaking|who is calling|who's calling) /)) asks.push('name');
  if (
    has(/ how (many|much|long|old) |number of (people|guests|tickets|nights|bags|items)|party size/)
  ) {
    asks.push('quantity');
  }
  if (
    has(
      / (what would you like|what can i get|what else|which items|what items|what do you need|which toppings|what toppings|what symptoms|which symptoms|what would you like to order|what services) /,
    )
  ) {
    asks.push('list');
  }
  const first = words[0] ?? '';
  // "… X or Y?" asks to choose; the options are not requests ("cash or card?").
  if (isQuestion && / or /.test(s) && !/ or not /.test(s)) {
    return {
      asks: ['choice'],
      yesNo: false,
      expectedDigits: null,
      idKind: '',
      words,
      present: true,
    };
  }
  // "Your email is …, correct?" confirms a read-back: a yes/no question, not a request.
  const tagQuestion =
    /,\s*(right|correct|ok|okay|alright|yes|no|is that right|is that correct|is that ok(ay)?|am i right)\s*\?$/i.test(
      focus,
    ) ||
    / (is|was) (that|this|it) (right|correct|ok|okay|alright|all right) $/.test(s) ||
    / (does|did|would|will) (that|this|it) (work|sound (good|right|ok|okay)|be (ok|okay|alright)) (for you )?$/.test(
      s,
    );
  if (isQuestion && tagQuestion) {
    return {
      asks: ['confirm'],
      yesNo: true,
      expectedDigits: null,
      idKind: '',
      words,
      present: true,
    };
  }
  // "Could you give me…", "Can I get…" ask for something; they are not yes/no questions.
  const request =
    ['can', 'could', 'may', 'will', 'would'].includes(first) &&
    ['you', 'i', 'we'].includes(words[1] ?? '') &&
    REQUEST_VERBS.has(words[2] === 'please' ? (words[3] ?? '') : (words[2] ?? ''));
  // "Do you have your account number handy?" asks for the number, not for a yes or no.
  const slot = asks.some((a) => SLOT_ASKS.has(a));
  const auxQuestion = isQuestion && AUX_START.has(first) && !request;
  const yesNo = auxQuestion && !slot;
  if (
    asks.length === 0 &&
    (['what', 'how', 'why', 'where', 'which', 'who', 'when', 'tell', 'describe'].includes(first) ||
      has(/ (how can i help|what can i do|what brings you|tell me) /))
  ) {
    asks.push('open');
  }
  if (asks.length === 0) asks.push(isQuestion ? 'other_q' : 'statement');
  let expectedDigits: number | null = null;
  const idx = words.findIndex((w, i) => (w === 'digit' || w === 'digits') && i > 0);
  if (idx > 0) {
    const n = NUMBER_WORDS.get(words[idx - 1]!);
    if (n !== undefined) expectedDigits = n;
  }
  if (expectedDigits === null && has(/ last four /)) expectedDigits = 4;
  if (auxQuestion && slot) asks.push('aux_request');
  return { asks, yesNo, expectedDigits, idKind, words, present: true };
}

// ---------------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------------

function bucket(n: number, edges: readonly number[]): string {
  for (const e of edges) if (n <= e) return String(e);
  return `>${edges[edges.length - 1]}`;
}

/** Distance-from-end bucket of a word position. */
function posBucket(d: number): string {
  if (d <= 2) return String(d);
  if (d <= 4) return '3-4';
  if (d <= 8) return '5-8';
  return '9+';
}

/**
 * The model's features for one input, as readable strings (hashed by
 * {@link extractFeatureIds}): end-anchored word and class n-grams, suffixes of the last word,
 * a bag of the last 12 words with distance-from-end buckets, digit/letter/e-mail/address/date
 * state, fillers, the assistant's request and their crosses.
 */
export function featureStrings(input: TurnFeatureInput): string[] {
  const words = normalizeTranscript(input.text);
  const ctx = analyzeContext(input.context);
  const f: string[] = ['bias'];
  const n = words.length;
  const w = (k: number) => words[n - k] ?? '<s>';
  const c = (k: number) => (n - k >= 0 ? wordClass(words[n - k]!) : '<s>');
  f.push(`len=${bucket(n, [0, 1, 2, 3, 4, 6, 9, 14, 20])}`);
  if (n === 0) f.push('empty');

  // End-anchored n-grams.
  const w1 = w(1);
  const c1 = c(1);
  f.push(
    `w1=${w1}`,
    `w2=${w(2)} ${w1}`,
    `w3=${w(3)} ${w(2)} ${w1}`,
    `w4=${w(4)} ${w(3)} ${w(2)} ${w1}`,
  );
  f.push(
    `c1=${c1}`,
    `c2=${c(2)} ${c1}`,
    `c3=${c(3)} ${c(2)} ${c1}`,
    `c4=${c(4)} ${c(3)} ${c(2)} ${c1}`,
  );
  f.push(`w2c1=${w(2)} ${c1}`, `c2w1=${c(2)} ${w1}`);
  if (n > 0) {
    for (const k of [3, 4]) if (w1.length > k) f.push(`s${k}=${w1.slice(-k)}`);
    f.push(`wl=${bucket(w1.length, [1, 2, 3, 4, 6, 8])}`);
  }
  // Sentence start.
  f.push(`f1=${words[0] ?? '<e>'}`, `f2=${words[0] ?? '<e>'} ${words[1] ?? '<e>'}`);
  f.push(`fc=${n > 0 ? wordClass(words[0]!) : '<e>'}`);

  // Bag of the last 12 words (and their bigrams) with distance-from-end buckets.
  const from = Math.max(0, n - 12);
  for (let i = from; i < n; i++) {
    const d = n - 1 - i;
    const word = words[i]!;
    f.push(`u=${word}`, `u@${posBucket(d)}=${word}`, `uc@${posBucket(d)}=${wordClass(word)}`);
    if (i > from) f.push(`bg=${words[i - 1]} ${word}`);
  }

  // Repairs and fillers; the rest of the state is read from the words without fillers.
  const core = withoutFillers(words);
  const fillers = n - core.length;
  f.push(`fills=${bucket(fillers, [0, 1, 2, 3, 4])}`);
  const fillEnd = endsWithFiller(words);
  const m = core.length;
  const k = (i: number) => core[m - i] ?? '<s>';
  const kc = (i: number) => (m - i >= 0 ? wordClass(core[m - i]!) : '<s>');
  if (fillEnd)
    f.push(
      'fill_end',
      `fill_end|k1=${k(1)}`,
      `fill_end|kc1=${kc(1)}`,
      `fill_end|kc2=${kc(2)} ${kc(1)}`,
    );
  if (fillers > 0) {
    f.push(
      `k1=${k(1)}`,
      `k2=${k(2)} ${k(1)}`,
      `kc1=${kc(1)}`,
      `kc2=${kc(2)} ${kc(1)}`,
      `kc3=${kc(3)} ${kc(2)} ${kc(1)}`,
    );
  } else {
    // Same ids as the raw n-grams would add nothing; mark the absence instead.
    f.push('nofill');
  }
  if (n >= 2 && words[n - 1] === words[n - 2]) f.push('repeat_end');
  for (let i = Math.max(1, n - 8); i < n; i++) {
    if (words[i] === words[i - 1] && !isDigitWord(words[i]!) && words[i]!.length > 1) {
      f.push('repair');
      break;
    }
  }

  // Spoken numbers, spelled letters, e-mail, address and date state.
  const td = trailingDigits(core);
  const tdKey = td.digits > 20 ? '>20' : String(td.digits);
  f.push(`td=${tdKey}`, `tdw=${bucket(td.words, [0, 1, 2, 3, 4, 6, 8, 10, 12, 16])}`);
  if (td.digits > 0) f.push(`td_first=${td.first}|td=${tdKey}`);
  if (td.open) f.push('td_open');
  if (td.digits === 0) {
    const run = lastDigitRun(core);
    if (run.digits > 0) {
      const key = `${run.digits > 20 ? '>20' : run.digits}|after=${bucket(run.after, [1, 2, 3, 5, 8])}`;
      f.push(`run=${key}`);
      for (const ask of ctx.asks) f.push(`ask=${ask}|run=${key}`);
    }
  }
  let totalDigits = 0;
  for (const word of core) if (isDigitWord(word)) totalDigits++;
  f.push(`nd=${bucket(totalDigits, [0, 1, 2, 3, 4, 6, 8, 10, 12, 16])}`);
  const tl = trailingLetters(core);
  f.push(`tl=${bucket(tl, [0, 1, 2, 3, 4, 5, 6, 8, 10])}`);
  const sp = spellingState(core);
  f.push(`sp=${sp}`);
  const em = emailState(core);
  f.push(`em=${em}`);
  let streetAt = -1;
  for (let i = m - 1; i >= Math.max(0, m - 12); i--) {
    if (STREET_SUFFIX.has(core[i]!)) {
      streetAt = i;
      break;
    }
  }
  const addr = streetAt < 0 ? 'nostreet' : streetAt === m - 1 ? 'street_end' : 'street_before';
  f.push(`addr=${addr}`);
  const hasMonth = core.some((x) => MONTHS.has(x));
  const dateState = `${hasMonth ? 'month' : 'nomonth'}|${kc(1)}`;
  f.push(`date=${dateState}`);

  // The assistant's request, and crosses with the user side.
  f.push(`yn=${ctx.yesNo}`);
  if (ctx.yesNo) {
    f.push(
      `yn|f1=${words[0] ?? '<e>'}`,
      `yn|len=${bucket(n, [0, 1, 2, 3, 4, 6, 9])}`,
      `yn|c1=${c1}`,
    );
  }
  if (ctx.expectedDigits !== null) {
    const cmp =
      td.digits < ctx.expectedDigits ? 'lt' : td.digits === ctx.expectedDigits ? 'eq' : 'gt';
    f.push(`expd=${cmp}`, `expd=${cmp}|c1=${c1}`);
  }
  if (ctx.idKind !== '') f.push(`idk=${ctx.idKind}|td=${tdKey}`, `idk=${ctx.idKind}|c1=${c1}`);
  for (const ask of ctx.asks) {
    const a = `ask=${ask}`;
    f.push(
      a,
      `${a}|td=${tdKey}`,
      `${a}|tdw=${bucket(td.words, [0, 1, 2, 3, 4, 6, 8, 10, 12, 16])}`,
      `${a}|w1=${w1}`,
      `${a}|c1=${c1}`,
      `${a}|c2=${c(2)} ${c1}`,
      `${a}|len=${bucket(n, [0, 1, 2, 3, 4, 6, 9, 14])}`,
      `${a}|tl=${bucket(tl, [0, 1, 2, 3, 4, 5, 6, 8, 10])}`,
      `${a}|sp=${sp}`,
      `${a}|em=${em}`,
      `${a}|addr=${addr}|kc1=${kc(1)}`,
      `${a}|k1=${k(1)}`,
      `${a}|kc1=${kc(1)}`,
      `${a}|date=${dateState}`,
      `${a}|fill_end=${fillEnd}`,
    );
    if (td.digits > 0) f.push(`${a}|td_first=${td.first}|td=${tdKey}`);
    if (ctx.yesNo) f.push(`${a}|yn|f1=${words[0] ?? '<e>'}`);
  }
  // Words of the assistant's request (the model learns what else matters there).
  const cw = ctx.words.slice(-12);
  for (const word of cw) f.push(`cw=${word}`);
  for (let i = 1; i < cw.length; i++) f.push(`cbg=${cw[i - 1]} ${cw[i]}`);
  f.push(`ctx=${ctx.present}`);
  return f;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hashes feature strings to ids in `[1, buckets)` (0 is the padding id, whose embedding is
 * zero), sorted and without duplicates.
 */
export function hashFeatures(features: readonly string[], buckets: number): Int32Array {
  const ids = new Set<number>();
  for (const s of features) ids.add(1 + (fnv1a(s) % (buckets - 1)));
  return Int32Array.from([...ids].sort((a, b) => a - b));
}

/**
 * The feature ids of one input for a model with `buckets` embedding rows.
 *
 * @example
 * ```ts
 * const ids = extractFeatureIds({ context: [], text: 'yes that is right' }, 32768);
 * ```
 */
export function extractFeatureIds(input: TurnFeatureInput, buckets: number): Int32Array {
  return hashFeatures(featureStrings(input), buckets);
}
