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

import { analyzeContext } from './turn-context.ts';
import {
  emailState,
  endsWithFiller,
  isDigitWord,
  lastDigitRun,
  MONTHS,
  normalizeTranscript,
  STREET_SUFFIX,
  spellingState,
  trailingDigits,
  trailingLetters,
  withoutFillers,
  wordClass,
} from './turn-text.ts';

export { analyzeContext, type ContextInfo } from './turn-context.ts';
export {
  emailState,
  endsWithFiller,
  lastDigitRun,
  normalizeTranscript,
  spellingState,
  TEENS,
  TENS,
  type TrailingDigits,
  trailingDigits,
  trailingLetters,
  UNITS,
  withoutFillers,
  wordClass,
} from './turn-text.ts';

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
