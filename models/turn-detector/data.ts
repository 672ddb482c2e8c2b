/**
 * Synthetic, seeded training data for the turn detector: task-oriented dialogues (the
 * assistant's last message + the user's transcript so far), labelled 1 when the user's turn
 * is complete and 0 when it was cut at a point where the user is clearly not done (mid phone
 * number, "… at gmail dot", after "and", after a filler, ...).
 *
 * Splits are held out by template (every prompt, answer and request list is split 70/15/15)
 * and by source (whole domains: pharmacy → dev, insurance and utilities → test; word pools
 * for names, streets, cities and items are split too).
 *
 *   node models/turn-detector/data.ts --out turn-data [--seed turn-v1] [--scale 1]
 *
 * writes train.jsonl, dev.jsonl, test.jsonl (lines {id, context, text, label, category,
 * domain, template}) and prints the split sizes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  analyzeContext,
  normalizeTranscript,
  type TurnContextMessage,
} from '../../src/providers/local/turn-features.ts';
import {
  ACKS,
  ANSWERS,
  CHOICES,
  DISCOURSE_HOLDS,
  DOMAINS,
  type Domain,
  FILLERS,
  HOLD,
  PROMPTS,
  REMARKS,
  SHORT,
  SHORT_CONT,
  SHORT_JOIN,
  TAILS,
} from './content.ts';
import { getSplitSeed, pool, SPLITS, type Split, setSplitSeed, splitList } from './pools.ts';
import { makeRng, type Rng } from './rng.ts';
import { checkTemplate, joinToks, render, type Slots, type Tok, words } from './template.ts';
import * as V from './values.ts';

export type { Split } from './pools.ts';

/** Evaluation categories (the structured-data ones are what users complain about most). */
export const CATEGORIES = [
  'phone',
  'email',
  'address',
  'card_account',
  'date_time',
  'spelled_name',
  'list',
  'hesitation',
  'short_answer',
  'general',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories the issue's targets apply to individually. */
export const TARGET_CATEGORIES: readonly Category[] = [
  'phone',
  'email',
  'address',
  'card_account',
  'date_time',
  'spelled_name',
  'list',
  'hesitation',
];

export interface Example {
  id: string;
  split: Split;
  category: Category;
  domain: string;
  /** Id of the user-side template the text came from. */
  template: string;
  context: TurnContextMessage[];
  text: string;
  label: 0 | 1;
}

/** Share of drafts per category. */
const CATEGORY_WEIGHTS: Record<Category, number> = {
  phone: 12,
  email: 10,
  address: 10,
  card_account: 12,
  date_time: 12,
  spelled_name: 8,
  list: 8,
  hesitation: 10,
  short_answer: 10,
  general: 10,
};

/** One rendered dialogue: the context and the full user utterance with its cut points. */
interface Draft {
  category: Category;
  domain: string;
  template: string;
  context: TurnContextMessage[];
  toks: Tok[];
  /** False when even the full utterance is unfinished ("let me think"). */
  complete: boolean;
  /** A cut point to prefer for the negative (e.g. right after an inserted filler). */
  preferCut?: number;
}

// ---------------------------------------------------------------------------------------------
// Template units per split

/** The split's share of a template list (whole list for held-out domains). */
function units(name: string, list: readonly string[], split: Split, only?: Split): string[] {
  if (only !== undefined) return only === split ? [...list] : [];
  return splitList(name, list, split);
}

/**
 * The domains with their held-out assignment: the fixed one (pharmacy → dev, insurance and
 * utilities → test) or, with another split seed, one dev and two test domains drawn from it.
 */
function domainList(): Domain[] {
  const seed = getSplitSeed();
  if (seed === 'fixed') return DOMAINS;
  const names = makeRng(`${seed}/domains`).shuffled(
    DOMAINS.map((d) => d.name).filter((n) => n !== 'assistant'),
  );
  const only = new Map<string, Split>([
    [names[0]!, 'test'],
    [names[1]!, 'test'],
    [names[2]!, 'dev'],
  ]);
  return DOMAINS.map((d) => {
    const { only: _, ...rest } = d;
    const o = only.get(d.name);
    return o === undefined ? rest : { ...rest, only: o };
  });
}

function domainsFor(split: Split): Domain[] {
  return domainList().filter((d) => d.only === undefined || d.only === split);
}

function pickDomain(rng: Rng, split: Split): Domain {
  const all = domainsFor(split);
  const held = all.filter((d) => d.only === split);
  if (held.length > 0 && rng.chance(0.5)) return rng.pick(held);
  return rng.pick(all.filter((d) => d.only === undefined));
}

/** Prompt templates of a kind for a split: generic ones plus the domain's. */
function prompts(kind: string, split: Split, domain: Domain): { generic: string[]; own: string[] } {
  const generic = units(`prompt/${kind}`, PROMPTS[kind] ?? [], split);
  const own = units(
    `dom/${domain.name}/prompt/${kind}`,
    domain.prompts[kind] ?? [],
    split,
    domain.only,
  );
  return { generic, own };
}

function answers(kind: string, split: Split): string[] {
  return units(`answer/${kind}`, ANSWERS[kind] ?? [], split);
}

// ---------------------------------------------------------------------------------------------
// Rendering helpers

interface Gen {
  rng: Rng;
  split: Split;
  domain: Domain;
  /** Formatted (Whisper-style) transcript. */
  fmt: boolean;
  vctx: V.ValueCtx;
}

function assistantText(g: Gen, template: string, slots: Slots = {}): string {
  let text = joinToks(render(template, g.rng, slots)).replace(/ ([?.!,])/g, '$1');
  text = text.charAt(0).toUpperCase() + text.slice(1);
  if (g.rng.chance(0.35)) text = `${g.rng.pick(ACKS)} ${text}`;
  if (g.rng.chance(0.08)) text = `${text} ${g.rng.pick(TAILS)}`;
  return text;
}

function contextWith(g: Gen, assistant: string | null): TurnContextMessage[] {
  const ctx: TurnContextMessage[] = [];
  if (g.rng.chance(0.3)) {
    ctx.push({
      role: 'system',
      content: `You are the voice assistant of ${g.rng.pick(g.domain.brand)}.`,
    });
  }
  if (assistant !== null && g.rng.chance(0.25)) {
    ctx.push({ role: 'assistant', content: 'Hi, how can I help you today?' });
    ctx.push({ role: 'user', content: 'hi i need some help' });
  }
  if (assistant !== null) ctx.push({ role: 'assistant', content: assistant });
  return ctx;
}

/** Picks a prompt of `kind` (domain-specific ones 40% of the time when there are any). */
function promptFor(g: Gen, kind: string): string | null {
  const { generic, own } = prompts(kind, g.split, g.domain);
  if (own.length > 0 && (generic.length === 0 || g.rng.chance(0.4))) return g.rng.pick(own);
  if (generic.length === 0) return null;
  return g.rng.pick(generic);
}

const tok = (w: string, cut = 0): Tok => ({ w, cut });

/** Formatted-style rendering of a value for the assistant's read-backs. */
function fmtValue(g: Gen, make: (v: V.ValueCtx) => Tok[]): string {
  return joinToks(make({ ...g.vctx, fmt: true }));
}

// ---------------------------------------------------------------------------------------------
// Category drafts

function slotDraft(
  g: Gen,
  category: Category,
  kind: string,
  answerKind: string,
  value: (v: V.ValueCtx) => Tok[],
  extraSlots: Slots = {},
  promptSlots: Slots = {},
): Draft | null {
  const prompt = promptFor(g, kind);
  const list = answers(answerKind, g.split);
  if (prompt === null || list.length === 0) return null;
  const template = g.rng.pick(list);
  const toks = render(template, g.rng, { v: () => value(g.vctx), ...extraSlots });
  return {
    category,
    domain: g.domain.name,
    template: `${answerKind}:${template}`,
    context: contextWith(g, assistantText(g, prompt, promptSlots)),
    toks,
    complete: true,
  };
}

const idKindNames = Object.keys(V.ID_KINDS);

function kindOfPrompt(text: string): string | null {
  for (const [kind, spec] of Object.entries(V.ID_KINDS)) {
    if (spec.phrase.some((p) => text.toLowerCase().includes(p))) return kind;
  }
  return null;
}

function accountDraft(g: Gen): Draft | null {
  const { rng } = g;
  const { generic, own } = prompts('account', g.split, g.domain);
  let kind: string;
  let prompt: string;
  let stated: number | null = null;
  let phrase: string;
  if (own.length > 0 && rng.chance(0.35)) {
    prompt = rng.pick(own);
    kind = kindOfPrompt(prompt) ?? 'account';
    phrase = V.ID_KINDS[kind]!.phrase[0]!;
  } else {
    if (generic.length === 0) return null;
    kind =
      rng.chance(0.6) && g.domain.ids.length > 0 ? rng.pick(g.domain.ids) : rng.pick(idKindNames);
    const spec = V.ID_KINDS[kind]!;
    phrase = rng.pick(spec.phrase);
    let shown = phrase;
    if (!['lastfour', 'pin', 'ssn'].includes(kind) && rng.chance(0.35)) {
      stated = rng.chance(0.7) ? spec.digits : 4 + rng.int(9);
      const n = rng.chance(0.5) ? `${stated}-digit` : `${V.cardinal(stated).join(' ')} digit`;
      shown = `${n} ${phrase}`;
    }
    prompt = rng.pick(generic).replaceAll('{kind}', shown);
  }
  const spec = V.ID_KINDS[kind]!;
  const n = stated ?? spec.digits;
  const list = answers('account', g.split);
  if (list.length === 0) return null;
  const template = rng.pick(list);
  const kindWords = phrase.replace(/^(last four.*|four digit pin)$/, 'number');
  const toks = render(template, rng, {
    v: () => V.idNumber(g.vctx, n, n === spec.digits ? spec.groups : undefined),
    kind: () => words(kindWords),
  });
  return {
    category: 'card_account',
    domain: g.domain.name,
    template: `account:${template}`,
    context: contextWith(g, assistantText(g, prompt)),
    toks,
    complete: true,
  };
}

function quantityWords(g: Gen): Tok[] {
  const n = 1 + g.rng.int(12);
  if (g.fmt && g.rng.chance(0.6)) return [tok(String(n))];
  return V.cardinal(n).map((w) => tok(w));
}

function listItems(g: Gen): { prompt: string | null; items: string[] } {
  const lists = g.domain.lists;
  const li = g.rng.int(lists.length);
  const l = lists[li]!;
  const items =
    g.domain.only !== undefined ? l.items : V.items(`${g.domain.name}/${li}`, l.items, g.split);
  const own = units(`dom/${g.domain.name}/list/${li}`, l.prompts, g.split, g.domain.only);
  const generic = units('prompt/list', PROMPTS['list']!, g.split);
  const prompt =
    own.length > 0 && (g.rng.chance(0.7) || generic.length === 0)
      ? g.rng.pick(own)
      : generic.length > 0
        ? g.rng.pick(generic)
        : null;
  return { prompt, items };
}

function requestDraft(g: Gen, category: Category): Draft | null {
  const reqs = units(`dom/${g.domain.name}/requests`, g.domain.requests, g.split, g.domain.only);
  if (reqs.length === 0) return null;
  const template = g.rng.pick(reqs);
  const r = g.rng.next();
  let assistant: string | null;
  if (r < 0.25) assistant = null;
  else if (r < 0.85) {
    const p = promptFor(g, 'open');
    assistant = p === null ? null : assistantText(g, p);
  } else {
    const p = promptFor(g, 'statement');
    assistant = p === null ? null : assistantText(g, p);
  }
  return {
    category,
    domain: g.domain.name,
    template: `request:${g.domain.name}:${template}`,
    context: contextWith(g, assistant),
    toks: render(template, g.rng),
    complete: true,
  };
}

function draftFor(g: Gen, category: Category): Draft | null {
  const { rng } = g;
  switch (category) {
    case 'phone':
      return slotDraft(g, 'phone', 'phone', 'phone', V.phone);
    case 'email':
      return slotDraft(g, 'email', 'email', 'email', V.email);
    case 'address': {
      const r = rng.next();
      if (r < 0.72) return slotDraft(g, 'address', 'address', 'address', (v) => V.address(v));
      if (r < 0.85)
        return slotDraft(g, 'address', 'addressZip', 'address', (v) => V.address(v, true));
      return slotDraft(g, 'address', 'zip', 'zip', V.zipOnly);
    }
    case 'card_account': {
      const r = rng.next();
      if (r < 0.35) return slotDraft(g, 'card_account', 'card', 'card', V.card);
      if (r < 0.43) return slotDraft(g, 'card_account', 'cvv', 'cvv', V.cvv);
      if (r < 0.51) return slotDraft(g, 'card_account', 'expiry', 'expiry', V.expiry);
      return accountDraft(g);
    }
    case 'date_time': {
      const r = rng.next();
      if (r < 0.3) return slotDraft(g, 'date_time', 'date', 'date', V.date);
      if (r < 0.5) return slotDraft(g, 'date_time', 'dob', 'dob', V.dob);
      if (r < 0.8) return slotDraft(g, 'date_time', 'time', 'time', V.time);
      return slotDraft(g, 'date_time', 'datetime', 'datetime', V.date, {
        date: () => V.date(g.vctx),
        time: () => V.time(g.vctx),
      });
    }
    case 'spelled_name': {
      if (rng.chance(0.6)) {
        const prompt = promptFor(g, 'spell');
        if (prompt === null) return null;
        const kind = /street/i.test(prompt) ? 'street' : /first/i.test(prompt) ? 'first' : 'last';
        const list = answers('spell', g.split);
        const template = rng.pick(list);
        return {
          category,
          domain: g.domain.name,
          template: `spell:${template}`,
          context: contextWith(g, assistantText(g, prompt)),
          toks: render(template, rng, { v: () => V.spelled(g.vctx, kind) }),
          complete: true,
        };
      }
      return slotDraft(g, 'spelled_name', 'name', 'name', V.personName);
    }
    case 'list': {
      const { prompt, items } = listItems(g);
      const list = answers('list', g.split);
      if (list.length === 0) return null;
      const template = rng.pick(list);
      return {
        category,
        domain: g.domain.name,
        template: `list:${template}`,
        context: contextWith(g, prompt === null ? null : assistantText(g, prompt)),
        toks: render(template, rng, { v: () => V.itemList(g.vctx, items) }),
        complete: true,
      };
    }
    case 'hesitation':
      return hesitationDraft(g);
    case 'short_answer':
      return shortDraft(g);
    case 'general': {
      const r = rng.next();
      if (r < 0.7) return requestDraft(g, 'general');
      return slotDraft(g, 'general', 'quantity', 'quantity', () => quantityWords(g), {
        n: () => quantityWords(g),
      });
    }
  }
}

/** A base utterance for hesitation drafts: a request or a structured answer. */
function baseDraft(g: Gen): Draft | null {
  const kinds: Category[] = [
    'general',
    'general',
    'phone',
    'email',
    'address',
    'card_account',
    'date_time',
    'list',
  ];
  return draftFor(g, g.rng.pick(kinds));
}

function hesitationDraft(g: Gen): Draft | null {
  const { rng } = g;
  const r = rng.next();
  const holds = units('hold', HOLD, g.split);
  if (r < 0.45) {
    // A filler inserted in a complete utterance; the negative stops right after it.
    const base = baseDraft(g);
    if (base === null || base.toks.length < 2) return null;
    const fillers = units('fillers', FILLERS, g.split);
    const filler = words(rng.pick(fillers));
    filler.forEach((t, i) => {
      t.cut = i === filler.length - 1 ? 3 : 0;
    });
    // Insert after a cut point (people hesitate where the sentence is open) or anywhere.
    const open = (i: number) => i > 0 && i < base.toks.length && !base.toks[i]!.glue;
    const cuts = base.toks.map((t, i) => (t.cut > 0 && open(i + 1) ? i : -1)).filter((i) => i >= 0);
    let at =
      cuts.length > 0 && rng.chance(0.7) ? rng.pick(cuts) + 1 : 1 + rng.int(base.toks.length - 1);
    while (at > 1 && !open(at)) at--;
    if (!open(at)) return null;
    const toks = [...base.toks.slice(0, at), ...filler, ...base.toks.slice(at)];
    return {
      ...base,
      category: 'hesitation',
      template: `filler:${base.template}`,
      toks,
      preferCut: at + filler.length - 1,
    };
  }
  if (r < 0.55) {
    // A repair: "i want to i want to book a table", "the the": words up to an open point
    // said twice; stopping after the second copy is unfinished.
    const base = baseDraft(g);
    if (base === null || base.toks.length < 3) return null;
    const ends = base.toks
      .map((t, i) => (t.cut > 0 && !t.glue && i < base.toks.length - 1 ? i : -1))
      .filter((i) => i >= 0);
    if (ends.length === 0) return null;
    const e = rng.pick(ends);
    let start = e - rng.int(3);
    while (start < 0 || base.toks[start]!.glue) start++;
    const rep = base.toks.slice(start, e + 1).map((t) => ({ ...t }));
    // Repeating digits or spelled letters would change the value, not repair the sentence.
    if (rep.some((t) => isValueWord(t.w))) return null;
    const toks = [...base.toks.slice(0, e + 1), ...rep, ...base.toks.slice(e + 1)];
    return {
      ...base,
      category: 'hesitation',
      template: `repair:${base.template}`,
      toks,
      preferCut: e + rep.length,
    };
  }
  // Holding the floor: "let me check", alone (unfinished) or followed by the answer.
  if (holds.length === 0) return null;
  let hold = rng.pick(holds);
  const base = baseDraft(g);
  if (base === null) return null;
  if (base.category === 'general' || base.category === 'list') {
    // "let me grab it" fits before a card number, not before "how tall is the eiffel tower".
    const fitting = holds.filter((h) => DISCOURSE_HOLDS.has(h));
    if (fitting.length === 0) return null;
    hold = rng.pick(fitting);
  }
  const holdToks = words(hold, 0);
  holdToks[holdToks.length - 1]!.cut = 3;
  if (rng.chance(0.5)) {
    const toks = holdToks.map((t) => ({ ...t, cut: 0 }));
    return { ...base, category: 'hesitation', template: `hold:${hold}`, toks, complete: false };
  }
  const toks = [...holdToks, ...base.toks];
  return {
    ...base,
    category: 'hesitation',
    template: `hold:${hold}`,
    toks,
    preferCut: holdToks.length - 1,
  };
}

const VALUE_WORDS = new Set(
  'zero oh o one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand double triple dot at underscore'.split(
    ' ',
  ),
);

function isValueWord(w: string): boolean {
  return VALUE_WORDS.has(w.toLowerCase()) || w.length === 1 || /\d/.test(w);
}

function shortDraft(g: Gen): Draft | null {
  const { rng } = g;
  const shorts = units('short', SHORT, g.split);
  const r = rng.next();
  let assistant: string | null;
  let template: string;
  let toks: Tok[];
  if (r < 0.28) {
    // A choice between two options.
    const choices = units(
      'choices',
      CHOICES.map((c) => c.join('|')),
      g.split,
    );
    const [a, b] = rng.pick(choices).split('|') as [string, string];
    const prompt = promptFor(g, 'choice');
    const list = answers('choice', g.split);
    if (prompt === null || list.length === 0) return null;
    assistant = assistantText(g, prompt, {
      a: () => words(a),
      b: () => words(b),
      A: () => words(a.charAt(0).toUpperCase() + a.slice(1)),
    });
    template = rng.pick(list);
    const opt = rng.chance(0.5) ? a : b;
    toks = render(template, rng, {
      opt: () =>
        words(opt).map((t, i, all) => ({
          ...t,
          cut: i < all.length - 1 && ['a', 'an', 'the'].includes(t.w) ? 2 : 0,
        })),
    });
    template = `choice:${template}`;
  } else {
    const kind = rng.chance(0.75) ? 'yesno' : 'readback';
    let prompt: string | null;
    if (kind === 'yesno') prompt = promptFor(g, 'yesno');
    else prompt = promptFor(g, 'readback');
    if (prompt === null || shorts.length === 0) return null;
    assistant = rng.chance(0.08)
      ? null
      : assistantText(g, prompt, {
          phoneFmt: () => words(fmtValue(g, V.phone)),
          emailFmt: () => words(fmtValue(g, V.email)),
          dateFmt: () => words(fmtValue(g, V.date)),
          timeFmt: () => words(fmtValue(g, V.time)),
          addressFmt: () => words(fmtValue(g, (v) => V.address(v))),
          lettersFmt: () =>
            words(rng.pick(pool('last', g.split)).toUpperCase().split('').join('-')),
          itemsFmt: () => words(listItems(g).items.slice(0, 2).join(' and ')),
        });
    const s = rng.pick(shorts);
    const sToks = words(s, 0);
    if (rng.chance(0.3)) {
      const joins = units('shortjoin', SHORT_JOIN, g.split);
      const conts = units('shortcont', SHORT_CONT, g.split);
      const join = rng.pick(joins);
      const cont = rng.pick(conts);
      toks = render(join, rng, { s: () => sToks, c: () => render(cont, rng) });
      template = `shortjoin:${join}`;
    } else {
      toks = sToks;
      template = `short:${s}`;
    }
  }
  return {
    category: 'short_answer',
    domain: g.domain.name,
    template,
    context: contextWith(g, assistant),
    toks,
    complete: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Augmentation and examples

const STARTS = ['so', 'yeah', 'okay', 'well', 'oh', 'alright', 'um', 'uh', 'yes', 'right'];
const POLITE = ['please', 'thanks', 'thank you'];

function augment(g: Gen, d: Draft): Tok[] {
  const { rng } = g;
  let toks = d.toks.map((t) => ({ ...t }));
  if (d.category !== 'short_answer' && d.category !== 'hesitation' && d.complete) {
    if (rng.chance(0.1)) {
      const w = rng.pick(STARTS);
      toks.unshift({ w, cut: w === 'um' || w === 'uh' ? 3 : 0 });
      if (d.preferCut !== undefined) d.preferCut++;
    }
    if (rng.chance(0.04) && toks.length > 2) {
      const at = 1 + rng.int(toks.length - 1);
      if (!toks[at]!.glue) {
        toks.splice(at, 0, { w: rng.pick(['uh', 'um']), cut: 3 });
        if (d.preferCut !== undefined && at <= d.preferCut) d.preferCut++;
      }
    }
    if (rng.chance(0.05)) toks = [...toks, ...words(rng.pick(POLITE))];
    else if (STRUCTURED.has(d.category) && rng.chance(0.07)) {
      const remarks = units('remarks', REMARKS, g.split);
      if (remarks.length > 0) toks = [...toks, ...render(rng.pick(remarks), rng)];
    }
  }
  return toks;
}

const STRUCTURED = new Set<Category>([
  'phone',
  'email',
  'address',
  'card_account',
  'date_time',
  'spelled_name',
]);

function styleText(g: Gen, toks: readonly Tok[]): string {
  let text = joinToks(toks);
  if (!g.fmt) return text.toLowerCase();
  text = text.charAt(0).toUpperCase() + text.slice(1);
  text = text.replace(/\bi\b/g, 'I').replace(/\bi'/g, "I'");
  const end = g.rng.pick(['.', '.', '', '', '?', ',', '...']);
  return text + end;
}

function examplesOf(g: Gen, d: Draft): Array<{ text: string; label: 0 | 1 }> {
  const toks = augment(g, d);
  const out: Array<{ text: string; label: 0 | 1 }> = [];
  if (!d.complete) {
    out.push({ text: styleText(g, toks), label: 0 });
    return out;
  }
  out.push({ text: styleText(g, toks), label: 1 });
  const cuts: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < toks.length - 1; i++) {
    if (toks[i]!.cut > 0) {
      cuts.push(i);
      weights.push(toks[i]!.cut);
    }
  }
  if (cuts.length === 0) return out;
  const chosen = new Set<number>();
  if (
    d.preferCut !== undefined &&
    toks[d.preferCut] &&
    d.preferCut < toks.length - 1 &&
    g.rng.chance(0.8)
  ) {
    chosen.add(d.preferCut);
  }
  const wanted = g.rng.chance(0.35) ? 2 : 1;
  let guard = 0;
  while (chosen.size < Math.min(wanted, cuts.length) && guard++ < 10) {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = g.rng.next() * total;
    let k = 0;
    while (k < weights.length - 1 && x >= weights[k]!) {
      x -= weights[k]!;
      k++;
    }
    chosen.add(cuts[k]!);
  }
  for (const c of [...chosen].sort((a, b) => a - b)) {
    out.push({ text: styleText(g, toks.slice(0, c + 1)), label: 0 });
  }
  return out;
}

function checkAllTemplates(): void {
  const all: string[] = [];
  for (const list of Object.values(PROMPTS)) all.push(...list);
  for (const list of Object.values(ANSWERS)) all.push(...list);
  all.push(...SHORT_CONT, ...SHORT_JOIN);
  for (const d of DOMAINS) {
    all.push(...d.requests);
    for (const list of Object.values(d.prompts)) all.push(...list);
    for (const p of d.prompts['account'] ?? []) {
      if (kindOfPrompt(p) === null) throw new Error(`account prompt without a known id kind: ${p}`);
    }
  }
  for (const t of all) checkTemplate(t);
}

export interface Dataset {
  train: Example[];
  dev: Example[];
  test: Example[];
  /** Examples dropped because the same context and text appeared with both labels. */
  conflicts: number;
}

/** Default number of drafts per split (scale 1). */
export const DRAFTS: Record<Split, number> = { train: 90_000, dev: 9_000, test: 18_000 };

/**
 * Generates the three splits (deterministic for a seed). Within a split, identical
 * (assistant message, normalized text) pairs are kept once; pairs seen with both labels are
 * dropped from every split and counted.
 */
export function generateDataset(
  opts: { seed?: string; scale?: number; splitSeed?: string } = {},
): Dataset {
  checkAllTemplates();
  setSplitSeed(opts.splitSeed ?? 'fixed');
  const seed = opts.seed ?? 'turn-v1';
  const scale = opts.scale ?? 1;
  const weights = CATEGORIES.map((c) => CATEGORY_WEIGHTS[c]);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const raw: Record<Split, Example[]> = { train: [], dev: [], test: [] };
  const labelsByKey = new Map<string, number>();
  const keyOf = (e: { context: TurnContextMessage[]; text: string }) => {
    let last = '';
    for (let i = e.context.length - 1; i >= 0; i--) {
      if (e.context[i]!.role === 'assistant') {
        last = e.context[i]!.content;
        break;
      }
    }
    return `${last}\u0001${normalizeTranscript(e.text).join(' ')}`;
  };
  // Held-out splits count a text once per kind of request (what the assistant asked for),
  // not once per rewording of the assistant's message.
  const evalKey = (e: { context: TurnContextMessage[]; text: string }) => {
    const c = analyzeContext(e.context);
    return `${c.asks.join('+')}|${c.yesNo}|${c.expectedDigits}|${c.idKind}\u0001${normalizeTranscript(e.text).join(' ')}`;
  };
  for (const split of SPLITS) {
    const rng = makeRng(`${seed}/${split}`);
    const n = Math.round(DRAFTS[split] * scale);
    const seen = new Set<string>();
    let made = 0;
    let attempts = 0;
    while (made < n && attempts < n * 5) {
      attempts++;
      let x = rng.next() * totalWeight;
      let ci = 0;
      while (ci < weights.length - 1 && x >= weights[ci]!) {
        x -= weights[ci]!;
        ci++;
      }
      const category = CATEGORIES[ci]!;
      const fmt = rng.chance(0.2);
      const domain = pickDomain(rng, split);
      const g: Gen = { rng, split, domain, fmt, vctx: { rng, split, fmt } };
      const draft = draftFor(g, category);
      if (draft === null || draft.toks.length === 0) continue;
      made++;
      for (const { text, label } of examplesOf(g, draft)) {
        const e: Example = {
          id: '',
          split,
          category: draft.category,
          domain: draft.domain,
          template: draft.template,
          context: draft.context,
          text,
          label,
        };
        const key = keyOf(e);
        labelsByKey.set(key, (labelsByKey.get(key) ?? 0) | (label === 1 ? 2 : 1));
        const dedupe = `${split === 'train' ? key : evalKey(e)}\u0001${label}`;
        if (seen.has(dedupe)) continue;
        seen.add(dedupe);
        raw[split].push(e);
      }
    }
  }
  let conflicts = 0;
  const out: Dataset = { train: [], dev: [], test: [], conflicts: 0 };
  for (const split of SPLITS) {
    let i = 0;
    for (const e of raw[split]) {
      if (labelsByKey.get(keyOf(e)) === 3) {
        conflicts++;
        continue;
      }
      e.id = `${split}-${String(i++).padStart(6, '0')}`;
      out[split].push(e);
    }
  }
  out.conflicts = conflicts;
  return out;
}

/** Counts per category and label, for the README and the console. */
export function describe(examples: readonly Example[]): string {
  const rows: string[] = [];
  const pos = examples.filter((e) => e.label === 1).length;
  rows.push(
    `${examples.length} examples (${pos} complete, ${examples.length - pos} incomplete), ${new Set(examples.map((e) => e.template)).size} templates, domains ${[...new Set(examples.map((e) => e.domain))].sort().join(' ')}`,
  );
  for (const c of CATEGORIES) {
    const xs = examples.filter((e) => e.category === c);
    const p = xs.filter((e) => e.label === 1).length;
    rows.push(
      `  ${c.padEnd(13)} ${String(xs.length).padStart(7)}  (${p} complete, ${xs.length - p} incomplete)`,
    );
  }
  return rows.join('\n');
}

/** Writes examples as JSONL (the format `voicechart turn-detector eval` reads). */
export function writeJsonl(path: string, examples: readonly Example[]): void {
  const lines = examples.map((e) =>
    JSON.stringify({
      id: e.id,
      context: e.context,
      text: e.text,
      label: e.label,
      category: e.category,
      domain: e.domain,
      template: e.template,
    }),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: 'turn-v1' },
      scale: { type: 'string', default: '1' },
      sample: { type: 'string' },
    },
  });
  const data = generateDataset({ seed: values.seed, scale: Number(values.scale) });
  for (const split of SPLITS) console.log(`${split}: ${describe(data[split])}`);
  console.log(
    `dropped ${data.conflicts} examples whose context and text appeared with both labels`,
  );
  if (values.sample) {
    const rng = makeRng('sample');
    const xs = data[values.sample as Split] ?? [];
    for (let i = 0; i < 40 && xs.length > 0; i++) {
      const e = rng.pick(xs);
      const a = e.context.filter((m) => m.role === 'assistant').at(-1)?.content ?? '-';
      console.log(`${e.label} [${e.category}] ${a}  >>  ${e.text}`);
    }
  }
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    for (const split of SPLITS) writeJsonl(join(values.out, `${split}.jsonl`), data[split]);
    console.log(`wrote ${SPLITS.map((s) => join(values.out!, `${s}.jsonl`)).join(', ')}`);
  }
}
