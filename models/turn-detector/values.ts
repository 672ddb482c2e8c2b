/**
 * Generators of structured values as a speech recognizer transcribes them (phone numbers,
 * e-mail addresses, street addresses, card and account numbers, dates, times, spelled names,
 * lists), each token marked with the weight of cutting right after it: reading a phone number
 * in groups makes the pauses between groups likely cut-off points, "… at gmail dot" is never
 * finished, and so on. With `fmt` the value is written the way a formatting recognizer
 * (Whisper-style) would write it: digits, "@", "10:30".
 */

import { ORDINALS, TEENS, TENS, UNITS } from '../../src/providers/local/turn-text.ts';
import { pool, type Split, splitList } from './pools.ts';
import type { Rng } from './rng.ts';
import type { Tok } from './template.ts';

/** What every value generator gets. */
export interface ValueCtx {
  rng: Rng;
  split: Split;
  /** Formatted (digits and punctuation) rather than spoken words. */
  fmt: boolean;
}

/** Ordinal words to the twentieth (the feature code's list stops at the nineteenth). */
const ORD = [...ORDINALS, 'twentieth'];
export const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];

const t = (w: string, cut = 0, glue = false): Tok => (glue ? { w, cut, glue } : { w, cut });

/** 0–99 as words (one or two tokens). */
export function cardinal(n: number): string[] {
  if (n < 10) return [UNITS[n]!];
  if (n < 20) return [TEENS[n - 10]!];
  const tens = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? [tens] : [tens, UNITS[n % 10]!];
}

/** 1–31 as an ordinal ("twenty first"). */
export function ordinal(n: number): string[] {
  if (n <= 20) return [ORD[n]!];
  if (n === 30) return ['thirtieth'];
  return [TENS[Math.floor(n / 10)]!, ORD[n % 10]!];
}

function digitWord(d: number, zero: string): string {
  return d === 0 ? zero : UNITS[d]!;
}

/** A two-digit pair spoken as a number ("44" → forty four, "07" → oh seven). */
function pairWords(a: number, b: number, zero: string): string[] {
  if (a === 0) return [zero, UNITS[b]!];
  return cardinal(a * 10 + b);
}

/**
 * Digit groups spoken: each group digit by digit (or in pairs), cut weight `boundary` after
 * each group but the last, `inner` inside groups; optional fillers between groups.
 */
function spokenGroups(
  rng: Rng,
  groups: readonly (readonly number[])[],
  opts: { zero: string; paired: number; boundary: number; inner: number; filler: number },
): Tok[] {
  const out: Tok[] = [];
  groups.forEach((g, gi) => {
    const words: string[] = [];
    const paired = g.length % 2 === 0 && rng.chance(opts.paired);
    const leadingPair =
      !paired && g.length === 3 && g[0]! > 0 && g[1]! > 0 && rng.chance(opts.paired * 0.5);
    if (paired) {
      for (let i = 0; i < g.length; i += 2) words.push(...pairWords(g[i]!, g[i + 1]!, opts.zero));
    } else if (leadingPair) {
      // "five fifty five"
      words.push(UNITS[g[0]!]!, ...cardinal(g[1]! * 10 + g[2]!));
    } else {
      let i = 0;
      while (i < g.length) {
        if (i + 1 < g.length && g[i] === g[i + 1] && rng.chance(0.25)) {
          words.push('double', digitWord(g[i]!, opts.zero));
          i += 2;
        } else {
          words.push(digitWord(g[i]!, opts.zero));
          i += 1;
        }
      }
    }
    words.forEach((w, i) => {
      const last = i === words.length - 1;
      out.push(t(w, last ? opts.boundary : w === 'double' ? 3 : opts.inner));
    });
    if (gi < groups.length - 1 && rng.chance(opts.filler)) out.push(t(rng.pick(['uh', 'um']), 3));
  });
  return out;
}

/** Digit groups written ("555-212-4437", "4111 1111 1111 1111"), cut only between groups. */
function writtenGroups(rng: Rng, groups: readonly (readonly number[])[], boundary: number): Tok[] {
  const sep = rng.pick(['-', ' ', ' ', '']);
  const out: Tok[] = [];
  if (sep === '') return [t(groups.map((g) => g.join('')).join(''))];
  groups.forEach((g, i) => {
    const text = g.join('');
    if (i === 0) out.push(t(text, boundary));
    else if (sep === '-') out.push(t(`-${text}`, boundary, true));
    else out.push(t(text, boundary));
  });
  return out;
}

function digits(rng: Rng, n: number, firstNonZero = false): number[] {
  return Array.from({ length: n }, (_, i) =>
    i === 0 && firstNonZero ? 1 + rng.int(9) : rng.int(10),
  );
}

function finish(toks: Tok[]): Tok[] {
  if (toks.length > 0) toks[toks.length - 1] = { ...toks[toks.length - 1]!, cut: 0 };
  return toks;
}

// ----------------------------------------------------------------------------------------------

/** A North American phone number (10 digits, sometimes a leading 1). */
export function phone(v: ValueCtx): Tok[] {
  const { rng } = v;
  const tollFree = rng.chance(0.05);
  const area = tollFree
    ? rng.pick([
        [8, 0, 0],
        [8, 8, 8],
        [8, 7, 7],
        [8, 6, 6],
      ])
    : [2 + rng.int(8), rng.int(10), rng.int(10)];
  const groups = [area, [2 + rng.int(8), rng.int(10), rng.int(10)], digits(rng, 4)];
  const leadingOne = rng.chance(tollFree ? 0.6 : 0.08);
  if (v.fmt && rng.chance(0.75)) {
    const style = rng.int(3);
    const out: Tok[] = [];
    if (leadingOne) out.push(t(rng.pick(['1', '+1', '1-']), 1));
    if (style === 0) {
      out.push(
        t(`(${area.join('')})`, 3),
        t(groups[1]!.join(''), 3),
        t(`-${groups[2]!.join('')}`, 0, true),
      );
      return finish(out);
    }
    out.push(...writtenGroups(rng, groups, 3));
    return finish(out);
  }
  const zero = rng.chance(0.6) ? 'oh' : 'zero';
  const out: Tok[] = [];
  if (rng.chance(0.06)) out.push(t('area', 0), t('code', 3));
  if (leadingOne) out.push(t('one', 1));
  if (tollFree && area[1] === 0 && rng.chance(0.6)) {
    out.push(t('eight', 1), t('hundred', 3));
    out.push(
      ...spokenGroups(rng, groups.slice(1), {
        zero,
        paired: 0.25,
        boundary: 3,
        inner: 1,
        filler: 0.08,
      }),
    );
    return finish(out);
  }
  out.push(
    ...spokenGroups(rng, groups, { zero, paired: 0.25, boundary: 3, inner: 1, filler: 0.08 }),
  );
  return finish(out);
}

const TLDS = ['com', 'com', 'com', 'org', 'net', 'io', 'edu', 'us', 'co dot uk'];

/** An e-mail address ("john dot smith at gmail dot com"). */
export function email(v: ValueCtx): Tok[] {
  const { rng, split } = v;
  const first = rng.pick(pool('first', split));
  const last = rng.pick(pool('last', split));
  const style = rng.int(8);
  let local: string[];
  const num = () =>
    rng.pick([
      () => cardinal(10 + rng.int(90)),
      () => [UNITS[rng.int(10)]!, UNITS[rng.int(10)]!],
      () => ['nineteen', ...cardinal(60 + rng.int(40))],
      () => [UNITS[1 + rng.int(9)]!],
    ])();
  switch (style) {
    case 0:
    case 1:
      local = [first, 'dot', last];
      break;
    case 2:
      local = [`${first}${last}`];
      break;
    case 3:
      local = rng.chance(0.5) ? [`${first[0]}${last}`] : [first[0]!, last];
      break;
    case 4:
      local = [first, ...num()];
      break;
    case 5:
      local = [first, 'underscore', last];
      break;
    case 6:
      local = first.length <= 6 ? [...first] : [first[0]!, 'dot', last];
      break;
    default:
      local = [rng.pick(pool('handle', split)), ...num()];
  }
  const host = rng.chance(0.65)
    ? rng.pick(pool('mailhost', split)).split(' ')
    : [rng.pick(pool('company', split)), 'dot', ...rng.pick(TLDS).split(' ')];
  if (v.fmt && rng.chance(0.6)) {
    // john.smith@gmail.com, glued, cut at the punctuation.
    const out: Tok[] = [];
    const localText: string[] = [];
    for (const w of local) {
      if (w === 'dot') localText.push('.');
      else if (w === 'underscore') localText.push('_');
      else localText.push(w);
    }
    // Join words that were separate (spelled letters, "j smith", numbers).
    let first = true;
    for (const piece of localText) {
      if (piece === '.' || piece === '_') out.push(t(piece, 3, true));
      else if (/^[a-z]+$/.test(piece) && piece.length > 1) out.push(t(piece, 1, !first));
      else out.push(t(piece, 0, !first));
      first = false;
    }
    out[out.length - 1] = { ...out[out.length - 1]!, cut: 2 };
    out.push(t('@', 3, true));
    host.forEach((w, i) => {
      if (w === 'dot') out.push(t('.', 3, true));
      else out.push(t(w, i === 0 ? 2 : 0, true));
    });
    return finish(out);
  }
  const out: Tok[] = [];
  local.forEach((w, i) => {
    const lastOfLocal = i === local.length - 1;
    out.push(t(w, lastOfLocal ? 2 : w === 'dot' || w === 'underscore' ? 3 : 1));
  });
  out.push(t('at', 3));
  host.forEach((w, i) => {
    if (w === 'dot') out.push(t('dot', 3));
    else out.push(t(w, i === 0 ? 2 : 0));
  });
  return finish(out);
}

/** A house number spoken ("fourteen twenty eight", "one four two eight", "twelve"). */
function houseNumber(v: ValueCtx): Tok[] {
  const { rng } = v;
  const n = rng.pick([
    1 + rng.int(99),
    100 + rng.int(900),
    1000 + rng.int(9000),
    10000 + rng.int(90000),
  ]);
  if (v.fmt && rng.chance(0.8)) return [t(String(n), 3)];
  const d = String(n)
    .split('')
    .map((c) => Number(c));
  let w: string[];
  if (n < 100) w = cardinal(n);
  else if (d.length === 3 && rng.chance(0.6)) w = [UNITS[d[0]!]!, ...pairWords(d[1]!, d[2]!, 'oh')];
  else if (d.length === 4 && rng.chance(0.6))
    w = [...cardinal(d[0]! * 10 + d[1]!), ...pairWords(d[2]!, d[3]!, 'oh')];
  else w = d.map((x) => digitWord(x, rng.chance(0.5) ? 'oh' : 'zero'));
  return w.map((x, i) => t(x, i === w.length - 1 ? 3 : 1));
}

function zip(v: ValueCtx): Tok[] {
  const z = digits(v.rng, 5);
  if (v.fmt && v.rng.chance(0.8)) return [t(z.join(''), 0)];
  const zero = v.rng.chance(0.5) ? 'oh' : 'zero';
  return finish(z.map((d) => t(digitWord(d, zero), 2)));
}

/** A street address; `requireZip` when the question asked for the zip code too. */
export function address(v: ValueCtx, requireZip = false): Tok[] {
  const { rng, split } = v;
  const out: Tok[] = [...houseNumber(v)];
  if (rng.chance(0.12)) out.push(t(rng.pick(['north', 'south', 'east', 'west']), 2));
  const street = rng.pick(pool('street', split)).split(' ');
  street.forEach((w) => {
    out.push(t(w, 2));
  });
  const suffix = rng.pick(pool('suffix', 'train'));
  out.push(t(suffix, 0));
  if (rng.chance(0.2)) {
    const unit = rng.pick(['apartment', 'apt', 'unit', 'suite', 'number']);
    out.push(t(unit, 3));
    const label = rng.pick([
      () => cardinal(1 + rng.int(40)),
      () => [...cardinal(1 + rng.int(9)), String.fromCharCode(97 + rng.int(6))],
      () => [UNITS[1 + rng.int(9)]!, 'oh', UNITS[1 + rng.int(9)]!],
    ])();
    label.forEach((w, i) => {
      out.push(t(w, i === label.length - 1 ? 0 : 1));
    });
  }
  const withCity = requireZip || rng.chance(0.35);
  if (withCity) {
    if (rng.chance(0.2)) out.push(t('in', 2));
    for (const w of rng.pick(pool('city', split)).split(' ')) out.push(t(w, 0));
    if (requireZip || rng.chance(0.4)) {
      if (rng.chance(0.6))
        for (const w of rng.pick(pool('state', split)).split(' ')) out.push(t(w, 0));
      if (requireZip || rng.chance(0.5)) {
        // With the zip asked for, stopping before it is unfinished.
        if (requireZip) out[out.length - 1] = { ...out[out.length - 1]!, cut: 2 };
        out.push(...zip(v));
      }
    }
  }
  return finish(out);
}

/** A five-digit zip code on its own. */
export function zipOnly(v: ValueCtx): Tok[] {
  return finish(zip(v));
}

/** A card number (16 digits in fours; American Express 15 digits, 4-6-5). */
export function card(v: ValueCtx): Tok[] {
  const { rng } = v;
  const amex = rng.chance(0.12);
  const all = amex
    ? [3, rng.pick([4, 7]), ...digits(rng, 13)]
    : [rng.pick([4, 4, 5, 6]), ...digits(rng, 15)];
  const groups = amex
    ? [all.slice(0, 4), all.slice(4, 10), all.slice(10)]
    : [0, 4, 8, 12].map((i) => all.slice(i, i + 4));
  if (v.fmt && rng.chance(0.75)) return finish(writtenGroups(rng, groups, 3));
  const zero = rng.chance(0.5) ? 'oh' : 'zero';
  return finish(
    spokenGroups(rng, groups, { zero, paired: 0.2, boundary: 3, inner: 1, filler: 0.06 }),
  );
}

/** A three-digit security code. */
export function cvv(v: ValueCtx): Tok[] {
  const d = digits(v.rng, 3);
  if (v.fmt && v.rng.chance(0.7)) return [t(d.join(''))];
  if (d[0]! > 0 && d[1]! > 0 && v.rng.chance(0.3)) {
    return finish([t(UNITS[d[0]!]!, 2), ...cardinal(d[1]! * 10 + d[2]!).map((w) => t(w, 1))]);
  }
  return finish(d.map((x) => t(digitWord(x, 'zero'), 2)));
}

/** A card's expiry date (month and year). */
export function expiry(v: ValueCtx): Tok[] {
  const { rng } = v;
  const m = 1 + rng.int(12);
  const y = 25 + rng.int(8);
  if (v.fmt && rng.chance(0.7)) {
    const mm = String(m).padStart(2, '0');
    return [t(mm, 3), t(`/${y}`, 0, true)];
  }
  const style = rng.int(4);
  if (style === 0) {
    return finish([
      ...pairWords(Math.floor(m / 10), m % 10, rng.pick(['oh', 'zero'])).map((w, i, a) =>
        t(w, i === a.length - 1 ? 3 : 1),
      ),
      ...cardinal(y).map((w) => t(w)),
    ]);
  }
  if (style === 1) {
    const mm = [Math.floor(m / 10), m % 10].map((d) => digitWord(d, 'zero'));
    const yy = [Math.floor(y / 10), y % 10].map((d) => digitWord(d, 'zero'));
    return finish([t(mm[0]!, 1), t(mm[1]!, 3), t(yy[0]!, 1), t(yy[1]!)]);
  }
  if (style === 2) {
    return finish([
      t(MONTHS[m - 1]!, 3),
      ...(rng.chance(0.3) ? [t('of', 2)] : []),
      ...(rng.chance(0.3) ? [t('twenty', 0), t('twenty', 0)] : []),
      ...cardinal(y).map((w) => t(w)),
    ]);
  }
  return finish([
    ...pairWords(Math.floor(m / 10), m % 10, 'oh').map((w, i, a) =>
      t(w, i === a.length - 1 ? 3 : 1),
    ),
    t('slash', 3),
    ...cardinal(y).map((w) => t(w)),
  ]);
}

/** Kinds of account-like numbers, with their digit counts (the prompt may state another). */
export const ID_KINDS: Record<string, { phrase: string[]; digits: number; groups: number[] }> = {
  account: { phrase: ['account number'], digits: 10, groups: [3, 3, 4] },
  member: {
    phrase: ['member id', 'member number', 'membership number'],
    digits: 9,
    groups: [3, 3, 3],
  },
  order: { phrase: ['order number'], digits: 8, groups: [4, 4] },
  confirmation: { phrase: ['confirmation number', 'confirmation code'], digits: 6, groups: [3, 3] },
  policy: { phrase: ['policy number'], digits: 10, groups: [4, 3, 3] },
  claim: { phrase: ['claim number'], digits: 8, groups: [4, 4] },
  case: { phrase: ['case number'], digits: 7, groups: [3, 4] },
  tracking: { phrase: ['tracking number'], digits: 12, groups: [4, 4, 4] },
  customer: { phrase: ['customer id', 'customer number'], digits: 8, groups: [4, 4] },
  reference: { phrase: ['reference number'], digits: 6, groups: [3, 3] },
  routing: { phrase: ['routing number'], digits: 9, groups: [3, 3, 3] },
  ssn: { phrase: ['social security number'], digits: 9, groups: [3, 2, 4] },
  lastfour: {
    phrase: ['last four of your social', 'last four digits of your social'],
    digits: 4,
    groups: [4],
  },
  pin: { phrase: ['pin', 'four digit pin'], digits: 4, groups: [4] },
  patient: { phrase: ['patient id'], digits: 7, groups: [3, 4] },
  prescription: { phrase: ['prescription number', 'rx number'], digits: 7, groups: [3, 4] },
  meter: { phrase: ['meter number'], digits: 8, groups: [4, 4] },
  loyalty: { phrase: ['rewards number', 'loyalty number'], digits: 10, groups: [3, 3, 4] },
};

/** An account-like number of `n` digits. */
export function idNumber(v: ValueCtx, n: number, groupSizes?: readonly number[]): Tok[] {
  const { rng } = v;
  const all = digits(rng, n);
  let sizes = groupSizes && groupSizes.reduce((a, b) => a + b, 0) === n ? [...groupSizes] : [];
  if (sizes.length === 0) {
    let left = n;
    while (left > 0) {
      const s = Math.min(left, left === 4 ? 4 : rng.pick([3, 4]));
      sizes.push(s);
      left -= s;
    }
  }
  if (rng.chance(0.2)) sizes = [n];
  const groups: number[][] = [];
  let at = 0;
  for (const s of sizes) {
    groups.push(all.slice(at, at + s));
    at += s;
  }
  if (v.fmt && rng.chance(0.7)) return finish(writtenGroups(rng, groups, 3));
  const zero = rng.chance(0.5) ? 'oh' : 'zero';
  return finish(
    spokenGroups(rng, groups, { zero, paired: 0.15, boundary: 3, inner: 1, filler: 0.06 }),
  );
}

// ---------------------------------------------------------------------------------------------
// Dates and times

function dayWords(v: ValueCtx, d: number): Tok[] {
  if (v.fmt && v.rng.chance(0.6)) {
    const suffix =
      d % 10 === 1 && d !== 11
        ? 'st'
        : d % 10 === 2 && d !== 12
          ? 'nd'
          : d % 10 === 3 && d !== 13
            ? 'rd'
            : 'th';
    return [t(`${d}${suffix}`)];
  }
  const w = v.rng.chance(0.85) ? ordinal(d) : cardinal(d);
  return w.map((x, i) => t(x, i < w.length - 1 ? 1 : 0));
}

function monthTok(v: ValueCtx, m: number, cut: number): Tok {
  const name = MONTHS[m]!;
  return t(v.fmt ? name[0]!.toUpperCase() + name.slice(1) : name, cut);
}

/** A day for an appointment or booking ("march fifth", "next tuesday", "the twelfth"). */
export function date(v: ValueCtx): Tok[] {
  const { rng } = v;
  const m = rng.int(12);
  const d = 1 + rng.int(28);
  const wd = rng.pick(WEEKDAYS);
  switch (rng.int(10)) {
    case 0:
    case 1:
      return finish([monthTok(v, m, 3), ...dayWords(v, d)]);
    case 2:
      return finish([monthTok(v, m, 2), t('the', 3), ...dayWords(v, d)]);
    case 3:
      return finish([t('the', 3), ...dayWords(v, d), t('of', 2), monthTok(v, m, 0)]);
    case 4:
      return finish([t('the', 3), ...dayWords(v, d)]);
    case 5:
      return finish([t(rng.pick(['next', 'this', 'on']), 3), t(wd)]);
    case 6:
      return finish([t(wd, 0), t('the', 3), ...dayWords(v, d)]);
    case 7:
      return finish([t(wd, 0), monthTok(v, m, 3), ...dayWords(v, d)]);
    case 8:
      return finish([t(wd)]);
    default:
      return rng.pick([
        () => [t('tomorrow')],
        () => [t('the', 3), t('day', 0), t('after', 3), t('tomorrow')],
        () => [t('next', 3), t('week')],
        () => [t('sometime', 1), t('next', 3), t('week')],
        () => [t('early', 1), t('next', 3), t('week')],
        () => [t('the', 3), t('end', 1), t('of', 2), t('the', 3), t('month')],
        () => [t('this', 3), t('weekend')],
      ])();
  }
}

function year(v: ValueCtx): Tok[] {
  const { rng } = v;
  const y = 1940 + rng.int(66);
  if (v.fmt && rng.chance(0.6)) return [t(String(y))];
  if (y < 2000) {
    if (rng.chance(0.15))
      return finish(cardinal(y % 100).map((w, i, a) => t(w, i < a.length - 1 ? 1 : 0)));
    return finish([
      t('nineteen', 3),
      ...cardinal(y % 100).map((w, i, a) => t(w, i < a.length - 1 ? 1 : 0)),
    ]);
  }
  const r = y - 2000;
  if (r === 0) return [t('two'), t('thousand')];
  if (rng.chance(0.5)) {
    return finish([
      t('two', 1),
      t('thousand', 0),
      ...(rng.chance(0.3) ? [t('and', 3)] : []),
      ...cardinal(r).map((w, i, a) => t(w, i < a.length - 1 ? 1 : 0)),
    ]);
  }
  return finish([
    t('twenty', 1),
    ...(r < 10
      ? [t('oh', 2), t(UNITS[r]!)]
      : cardinal(r).map((w, i, a) => t(w, i < a.length - 1 ? 1 : 0))),
  ]);
}

/** A date of birth (with the year). */
export function dob(v: ValueCtx): Tok[] {
  const { rng } = v;
  const m = rng.int(12);
  const d = 1 + rng.int(28);
  if (v.fmt && rng.chance(0.5)) {
    const mm = String(m + 1).padStart(2, '0');
    const dd = String(d).padStart(2, '0');
    const y = String(1940 + rng.int(66));
    return [t(mm, 3), t(`/${dd}`, 0, true), t(`/${y}`, 0, true)];
  }
  switch (rng.int(4)) {
    case 0:
    case 1:
      return finish([monthTok(v, m, 3), ...dayWords(v, d), ...year(v)]);
    case 2:
      return finish([t('the', 3), ...dayWords(v, d), t('of', 2), monthTok(v, m, 0), ...year(v)]);
    default: {
      const zero = rng.pick(['oh', 'zero']);
      const mm = m + 1 < 10 ? [zero, UNITS[m + 1]!] : cardinal(m + 1);
      const dd = d < 10 ? [zero, UNITS[d]!] : cardinal(d);
      const yy = rng.chance(0.5)
        ? cardinal(40 + rng.int(60))
        : ['nineteen', ...cardinal(40 + rng.int(60))];
      return finish([
        ...mm.map((w, i) => t(w, i === mm.length - 1 ? 3 : 1)),
        ...dd.map((w) => t(w, 0)),
        ...yy.map((w, i) => t(w, w === 'nineteen' ? 3 : i < yy.length - 1 ? 1 : 0)),
      ]);
    }
  }
}

function hourWords(h: number): string[] {
  return cardinal(h);
}

/** A time of day ("seven thirty", "half past four", "around noon", "10:30 pm"). */
export function time(v: ValueCtx): Tok[] {
  const { rng } = v;
  const h = 1 + rng.int(12);
  const mins = rng.pick([0, 15, 30, 45, 0, 30, 5, 10, 20, 40]);
  if (v.fmt && rng.chance(0.7)) {
    const base = mins === 0 && rng.chance(0.5) ? `${h}` : `${h}:${String(mins).padStart(2, '0')}`;
    const ampm = rng.pick(['', ' pm', ' am', ' p.m.', ' a.m.', 'pm', 'am']);
    if (ampm === '') return [t(base)];
    if (ampm.startsWith(' ')) return [t(base, 0), t(ampm.trim())];
    return [t(`${base}${ampm}`)];
  }
  const hw = hourWords(h).map((w) => t(w, 0));
  switch (rng.int(11)) {
    case 0:
      return finish([...hw]);
    case 1:
      return finish([
        ...hw,
        ...(mins === 0
          ? [t("o'clock")]
          : mins < 10
            ? [t('oh', 2), t(UNITS[mins]!)]
            : cardinal(mins).map((w, i, a) => t(w, i < a.length - 1 ? 1 : 0))),
      ]);
    case 2:
      return finish([
        ...hw,
        ...(mins >= 10 ? cardinal(mins).map((w) => t(w, 0)) : []),
        t(rng.pick(['am', 'pm', 'pm'])),
      ]);
    case 3:
      return finish([
        ...hw,
        t('in', 2),
        t('the', 3),
        t(rng.pick(['morning', 'afternoon', 'evening'])),
      ]);
    case 4:
      return finish([t('half', 2), t('past', 3), ...hw]);
    case 5:
      return finish([t('quarter', 2), t(rng.pick(['to', 'past', 'after']), 3), ...hw]);
    case 6:
      return finish([t('noon')]);
    case 7:
      return finish([
        ...rng
          .pick(['around', 'about', 'sometime after', 'anytime before', 'after', 'before', 'by'])
          .split(' ')
          .map((w, i, a) => t(w, i === a.length - 1 ? 3 : 1)),
        ...hw,
      ]);
    case 8:
      return finish([
        t('between', 2),
        ...hourWords(h).map((w) => t(w, 1)),
        t('and', 3),
        ...hourWords(1 + ((h + 1) % 12)).map((w) => t(w)),
      ]);
    case 9:
      return finish([t('first', 1), t('thing', 1), t('in', 2), t('the', 3), t('morning')]);
    default:
      return finish([
        ...hw,
        ...(mins >= 10 ? cardinal(mins).map((w, i, a) => t(w, i < a.length - 1 ? 1 : 0)) : []),
      ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Names

function letters(rng: Rng, word: string, cutInside: number): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < word.length) {
    if (i + 1 < word.length && word[i] === word[i + 1] && rng.chance(0.4)) {
      out.push(t('double', 3), t(word[i]!, cutInside));
      i += 2;
    } else {
      out.push(t(word[i]!, cutInside));
      i += 1;
    }
  }
  return finish(out);
}

/** A name spelled out, usually said first ("smith s m i t h"); `kind` picks the pool. */
export function spelled(v: ValueCtx, kind: 'last' | 'first' | 'street'): Tok[] {
  const { rng, split } = v;
  const word = rng.pick(pool(kind, split).filter((w) => !w.includes(' ') && w.length >= 4));
  const style = rng.int(10);
  if (style <= 4) {
    // The word, then its letters: stopping inside the letters is unfinished.
    return finish([t(word, 2), ...letters(rng, word, 2)]);
  }
  if (style <= 6) {
    const lead = rng.pick([
      [t(word, 0), t('spelled', 3)],
      [t(word, 0), t("that's", 2)],
      [t(word, 0), t('that', 1), t('is', 2)],
    ]);
    return finish([...lead, ...letters(rng, word, 2)]);
  }
  if (style <= 8 || word.length > 6) {
    // Letters alone: only "double" is a certain cut point.
    return finish(letters(rng, word, 0));
  }
  // "s as in sam m as in mary ..."
  const out: Tok[] = [];
  const names = pool('first', split);
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    const cand = names.filter((n) => n.startsWith(ch));
    out.push(t(ch, 1));
    if (cand.length > 0 && rng.chance(0.7)) out.push(t('as', 1), t('in', 3), t(rng.pick(cand), 2));
  }
  return finish(out);
}

/** A person's name (not spelled). */
export function personName(v: ValueCtx): Tok[] {
  const { rng, split } = v;
  const first = rng.pick(pool('first', split));
  const last = rng.pick(pool('last', split));
  const cap = (s: string) => (v.fmt ? s[0]!.toUpperCase() + s.slice(1) : s);
  return rng.pick([
    () => [t(cap(first), 0), t(cap(last))],
    () => [t(cap(first))],
    () => [t(cap(last))],
    () => [t(rng.pick(['mister', 'misses', 'doctor', 'miss']), 3), t(cap(last))],
    () => [t(cap(first), 0), t(rng.pick('abcdefghjklmnprstw'.split('')), 0), t(cap(last))],
  ])();
}

// ---------------------------------------------------------------------------------------------
// Lists

/** Renders a list of item phrases ("eggs milk and bread"), cut after "and", "plus", "also". */
export function itemList(v: ValueCtx, items: readonly string[]): Tok[] {
  const { rng } = v;
  const n = Math.min(items.length, rng.pick([2, 2, 3, 3, 3, 4]));
  const chosen = rng.shuffled(items).slice(0, n);
  const style = rng.int(10);
  const out: Tok[] = [];
  chosen.forEach((item, i) => {
    const lastItem = i === chosen.length - 1;
    if (i > 0) {
      if (lastItem && style <= 6) {
        out.push(t('and', 3));
        if (rng.chance(0.1)) out.push(t(rng.pick(['uh', 'um']), 3));
      } else if (style === 7) out.push(t('and', 3));
      else if (style === 8 && lastItem) {
        for (const w of rng.pick(['plus', 'and also', 'and then']).split(' ')) {
          out.push(t(w, 3));
        }
      }
      // style 9 and the middle items: no conjunction (not a certain cut point).
    }
    const ws = item.split(' ');
    ws.forEach((w, j) => {
      const lastWord = j === ws.length - 1;
      let cut = 0;
      if (!lastWord) {
        if (['a', 'an', 'the', 'some', 'of', 'with', 'and'].includes(w)) cut = 2;
        else if (
          j === 0 &&
          i > 0 &&
          /^(one|two|three|four|five|six|a couple|a dozen|half)$/.test(w)
        )
          cut = 1;
      }
      out.push(t(w, cut));
    });
  });
  return finish(out);
}

/** The split's part of a domain's item list. */
export function items(domain: string, list: readonly string[], split: Split): string[] {
  return splitList(`items/${domain}`, list, split);
}
