/**
 * The template mini-language of the data generator.
 *
 *   (a|b|c)   one of the alternatives
 *   [x y]     optional (included half the time)
 *   {slot}    a value from a slot generator (phone number, e-mail, ...)
 *   word^     cutting the utterance right after this word leaves it clearly unfinished
 *   word~     never cut after this word (overrides the automatic rule)
 *
 * Words of {@link AUTO_CUT} (articles, prepositions, conjunctions, "is", "i'd", fillers, ...)
 * are cut points unless marked `~`. A rendered utterance is a list of tokens, each with the
 * weight of cutting right after it (0: not a cut point); the last token never is.
 */
import type { Rng } from './rng.ts';

/** A rendered word: `cut` is the weight of cutting right after it; `glue` joins it to the previous word without a space. */
export interface Tok {
  w: string;
  cut: number;
  glue?: boolean;
}

type Node =
  | { k: 'word'; w: string; mark: 'auto' | 'cut' | 'nocut' }
  | { k: 'alt'; opts: Node[][] }
  | { k: 'opt'; seq: Node[] }
  | { k: 'slot'; name: string };

/** Words after which an utterance is unfinished, with the weight of cutting there. */
export const AUTO_CUT: ReadonlyMap<string, number> = new Map(
  Object.entries({
    a: 2,
    an: 2,
    the: 3,
    some: 1,
    my: 3,
    your: 2,
    his: 2,
    her: 1,
    our: 2,
    their: 2,
    to: 3,
    for: 2,
    of: 2,
    in: 2,
    on: 2,
    at: 2,
    with: 2,
    from: 2,
    into: 2,
    about: 1,
    between: 2,
    and: 3,
    or: 2,
    but: 3,
    because: 3,
    if: 2,
    whether: 2,
    is: 2,
    are: 2,
    was: 2,
    were: 1,
    am: 1,
    "it's": 2,
    "i'm": 2,
    "i'd": 2,
    "i'll": 2,
    "that's": 1,
    "there's": 1,
    "what's": 1,
    want: 2,
    need: 2,
    wanna: 2,
    gonna: 2,
    trying: 1,
    uh: 3,
    um: 3,
    umm: 2,
    uhm: 1,
    er: 1,
    hmm: 1,
  }),
);

const cache = new Map<string, Node[]>();

function parse(src: string): Node[] {
  const cached = cache.get(src);
  if (cached) return cached;
  let i = 0;
  const seq = (stop: string): Node[][] => {
    const alts: Node[][] = [[]];
    while (i < src.length) {
      const ch = src[i]!;
      if (stop.includes(ch)) break;
      if (ch === ' ') {
        i++;
      } else if (ch === '|') {
        i++;
        alts.push([]);
      } else if (ch === '(') {
        i++;
        const opts = seq(')');
        if (src[i] !== ')') throw new Error(`template ${JSON.stringify(src)}: missing )`);
        i++;
        alts[alts.length - 1]!.push({ k: 'alt', opts });
      } else if (ch === '[') {
        i++;
        const inner = seq(']');
        if (src[i] !== ']' || inner.length !== 1) {
          throw new Error(`template ${JSON.stringify(src)}: bad [ ]`);
        }
        i++;
        alts[alts.length - 1]!.push({ k: 'opt', seq: inner[0]! });
      } else if (ch === '{') {
        const end = src.indexOf('}', i);
        if (end < 0) throw new Error(`template ${JSON.stringify(src)}: missing }`);
        alts[alts.length - 1]!.push({ k: 'slot', name: src.slice(i + 1, end) });
        i = end + 1;
      } else {
        let j = i;
        while (j < src.length && !' ()[]{}|'.includes(src[j]!)) j++;
        let w = src.slice(i, j);
        let mark: 'auto' | 'cut' | 'nocut' = 'auto';
        if (w.endsWith('^')) {
          mark = 'cut';
          w = w.slice(0, -1);
        } else if (w.endsWith('~')) {
          mark = 'nocut';
          w = w.slice(0, -1);
        }
        alts[alts.length - 1]!.push({ k: 'word', w, mark });
        i = j;
      }
    }
    return alts;
  };
  const top = seq('');
  if (i !== src.length || top.length !== 1) {
    throw new Error(`template ${JSON.stringify(src)}: unbalanced`);
  }
  cache.set(src, top[0]!);
  return top[0]!;
}

/** Slot generators by name. */
export type Slots = Readonly<Record<string, (rng: Rng) => Tok[]>>;

function renderNodes(nodes: readonly Node[], rng: Rng, slots: Slots, out: Tok[]): void {
  for (const node of nodes) {
    if (node.k === 'word') {
      const cut = node.mark === 'cut' ? 3 : node.mark === 'nocut' ? 0 : (AUTO_CUT.get(node.w) ?? 0);
      out.push({ w: node.w, cut });
    } else if (node.k === 'alt') {
      renderNodes(rng.pick(node.opts), rng, slots, out);
    } else if (node.k === 'opt') {
      if (rng.chance(0.5)) renderNodes(node.seq, rng, slots, out);
    } else {
      const gen = slots[node.name];
      if (!gen) throw new Error(`no slot {${node.name}}`);
      out.push(...gen(rng));
    }
  }
}

/** Renders a template to tokens; the last token is never a cut point. */
export function render(src: string, rng: Rng, slots: Slots = {}): Tok[] {
  const out: Tok[] = [];
  renderNodes(parse(src), rng, slots, out);
  if (out.length > 0) out[out.length - 1] = { ...out[out.length - 1]!, cut: 0 };
  return out;
}

/** Joins tokens to text (glued tokens without a space). */
export function joinToks(toks: readonly Tok[]): string {
  let s = '';
  for (const t of toks) {
    if (s === '' || t.glue) s += t.w;
    else s += ` ${t.w}`;
  }
  return s;
}

/** Renders a template (e.g. an assistant prompt) straight to text. */
export function renderText(src: string, rng: Rng, slots: Slots = {}): string {
  return joinToks(render(src, rng, slots));
}

/** Plain words as tokens with the given cut weight after each. */
export function words(text: string, cut = 0): Tok[] {
  return text
    .split(' ')
    .filter((w) => w !== '')
    .map((w) => ({ w, cut }));
}

/** Checks that a template parses (used on all templates at start-up). */
export function checkTemplate(src: string): void {
  parse(src);
}
