/**
 * The end-of-turn model's view of the assistant's previous message: what it asked for (a phone
 * number, an email, an address, a date, a yes/no answer...) and how long an answer it expects.
 */
import type { TurnContextMessage } from './turn-features.ts';
import { normalizeTranscript, TEENS, UNITS } from './turn-text.ts';

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

export const AUX_START = new Set([
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
export const REQUEST_VERBS = new Set([
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
export const SLOT_ASKS = new Set([
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
export const NUMBER_WORDS = new Map<string, number>();
for (const [i, w] of UNITS.entries()) NUMBER_WORDS.set(w, i);
for (const [i, w] of TEENS.entries()) NUMBER_WORDS.set(w, 10 + i);
export const ID_KINDS =
  'account member membership policy order confirmation reference booking reservation tracking claim case ticket invoice customer patient employee student routing prescription rx serial model meter loyalty rewards';

/** Splits text into sentences (keeping each one's final punctuation). */
export function sentences(text: string): string[] {
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
