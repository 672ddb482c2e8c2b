/**
 * `voicechart turn-detector predict|eval`: runs the shipped turn detector over JSONL files.
 *
 *   predict --input file.jsonl      lines {"id", "context": [{"role", "content"}], "text"}
 *                                   → stdout lines {"id", "probability"}, in input order
 *   eval --input labeled.jsonl      the same plus "label" (1 complete, 0 not yet) and
 *                                   optionally "category" → accuracy, ROC AUC and false
 *                                   cut-off rates at 95% and 99% recall of complete turns
 *
 * Also runnable on its own: `node src/cli/turn-detector-command.ts eval --input x.jsonl`.
 * The metric helpers are exported for the training pipeline (models/turn-detector/).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { TurnContextMessage } from '../providers/local/turn-features.ts';

const USAGE = `usage: voicechart turn-detector predict --input file.jsonl [--model model.onnx]
       voicechart turn-detector eval --input labeled.jsonl [--model model.onnx] [--json out.json]

  predict  reads lines {"id", "context": [{"role", "content"}], "text"} and prints
           {"id", "probability"} per line (P that the user's turn is complete), in input order
  eval     reads the same lines plus "label" (1 = complete, 0 = not finished) and optionally
           "category"; prints accuracy, ROC AUC and the false cut-off rate (incomplete turns
           judged complete) at the thresholds that keep 95% and 99% of complete turns complete,
           overall and per category
  --model  an ONNX model (its config.json next to it); default: the shipped model`;

// ---------------------------------------------------------------------------------------------
// Metrics

/**
 * Area under the ROC curve (the probability that a random complete turn scores above a random
 * incomplete one; ties count half). NaN without both classes.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** The operating point that keeps `recall` of complete turns classified complete. */
export interface CutoffPoint {
  /** Turns with p ≥ threshold are classified complete. */
  threshold: number;
  /** Share of complete turns classified complete (≥ the requested recall). */
  recall: number;
  /** Share of incomplete turns classified complete: the agent would cut the user off. */
  falseCutoffRate: number;
}

/**
 * The highest threshold that keeps at least `recall` of complete turns (label 1) at or above
 * it, and the false cut-off rate there (share of label-0 turns at or above it).
 */
export function cutoffAtRecall(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  recall: number,
): CutoffPoint {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] === 1 ? pos : neg).push(scores[i]!);
  if (pos.length === 0)
    return { threshold: Number.NaN, recall: Number.NaN, falseCutoffRate: Number.NaN };
  pos.sort((a, b) => a - b);
  const drop = Math.floor((1 - recall) * pos.length + 1e-9);
  const threshold = pos[Math.min(drop, pos.length - 1)]!;
  const kept = pos.filter((s) => s >= threshold).length;
  const cut = neg.filter((s) => s >= threshold).length;
  return {
    threshold,
    recall: kept / pos.length,
    falseCutoffRate: neg.length === 0 ? Number.NaN : cut / neg.length,
  };
}

/** Figures of one evaluated set. */
export interface EvalFigures {
  n: number;
  complete: number;
  incomplete: number;
  /** Share classified right at p = 0.5. */
  accuracy: number;
  auc: number;
  at95: CutoffPoint;
  at99: CutoffPoint;
  /** Mean log-loss. */
  logLoss: number;
}

/** All the figures for a set of scores and 0/1 labels. */
export function evaluate(scores: ArrayLike<number>, labels: ArrayLike<number>): EvalFigures {
  let right = 0;
  let complete = 0;
  let loss = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const y = labels[i]!;
    if (y === 1) complete++;
    if ((s >= 0.5 ? 1 : 0) === y) right++;
    const p = Math.min(1 - 1e-7, Math.max(1e-7, s));
    loss -= y === 1 ? Math.log(p) : Math.log(1 - p);
  }
  const n = scores.length;
  return {
    n,
    complete,
    incomplete: n - complete,
    accuracy: n === 0 ? Number.NaN : right / n,
    auc: rocAuc(scores, labels),
    at95: cutoffAtRecall(scores, labels, 0.95),
    at99: cutoffAtRecall(scores, labels, 0.99),
    logLoss: n === 0 ? Number.NaN : loss / n,
  };
}

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const fix = (x: number, d: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(d));

/** A report table: overall then per category (categories in first-seen order). */
export function formatReport(
  overall: EvalFigures,
  perCategory: ReadonlyMap<string, EvalFigures> = new Map(),
): string {
  const lines = [
    `${overall.n} turns (${overall.complete} complete, ${overall.incomplete} incomplete)`,
    `accuracy (p >= 0.5)     ${pct(overall.accuracy)}`,
    `ROC AUC                 ${fix(overall.auc, 4)}`,
    `false cut-offs at 95% recall of complete turns: ${pct(overall.at95.falseCutoffRate)} (threshold ${fix(overall.at95.threshold, 3)})`,
    `false cut-offs at 99% recall of complete turns: ${pct(overall.at99.falseCutoffRate)} (threshold ${fix(overall.at99.threshold, 3)})`,
  ];
  if (perCategory.size > 0) {
    lines.push(
      '',
      `${'category'.padEnd(14)} ${'n'.padStart(6)}  ${'accuracy'.padStart(8)}  ${'AUC'.padStart(6)}  ${'FCR@95'.padStart(6)}  ${'FCR@99'.padStart(6)}`,
    );
    for (const [name, f] of perCategory) {
      lines.push(
        `${name.padEnd(14)} ${String(f.n).padStart(6)}  ${pct(f.accuracy).padStart(8)}  ${fix(f.auc, 4).padStart(6)}  ${pct(f.at95.falseCutoffRate).padStart(6)}  ${pct(f.at99.falseCutoffRate).padStart(6)}`,
      );
    }
    lines.push(
      "(FCR@R: share of incomplete turns judged complete at the threshold that keeps R of complete turns complete; per category at the category's own threshold)",
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// JSONL input

/** One input line. */
export interface TurnLine {
  /** The line's "id" (or its line number when absent). */
  id: string | number;
  context: TurnContextMessage[];
  text: string;
  label?: 0 | 1;
  category?: string;
}

/** A bad input line: the message names the file and line. */
export class TurnInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TurnInputError';
  }
}

/** Parses JSONL text; throws a {@link TurnInputError} naming the first bad line. */
export function parseTurnLines(source: string, name: string, needLabels: boolean): TurnLine[] {
  const out: TurnLine[] = [];
  const lines = source.split('\n');
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '') return;
    const at = `${name} line ${lineNo}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new TurnInputError(
        `${at}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TurnInputError(`${at}: expected a JSON object like {"id", "context", "text"}`);
    }
    const o = value as Record<string, unknown>;
    if (typeof o['text'] !== 'string') {
      throw new TurnInputError(`${at}: "text" must be a string (the user's transcript)`);
    }
    const id = o['id'] ?? lineNo;
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new TurnInputError(`${at}: "id" must be a string or a number`);
    }
    const ctx = o['context'] ?? [];
    if (!Array.isArray(ctx)) {
      throw new TurnInputError(`${at}: "context" must be an array of {"role", "content"} messages`);
    }
    const context: TurnContextMessage[] = ctx.map((m, i) => {
      const msg = m as Record<string, unknown> | null;
      if (
        typeof msg !== 'object' ||
        msg === null ||
        typeof msg['role'] !== 'string' ||
        typeof msg['content'] !== 'string'
      ) {
        throw new TurnInputError(
          `${at}: context[${i}] must be an object with string "role" and "content"`,
        );
      }
      return { role: msg['role'], content: msg['content'] };
    });
    const entry: TurnLine = { id, context, text: o['text'] };
    if (needLabels) {
      const label = o['label'];
      if (label !== 0 && label !== 1) {
        throw new TurnInputError(`${at}: "label" must be 1 (complete) or 0 (not finished)`);
      }
      entry.label = label;
    }
    if (o['category'] !== undefined) {
      if (typeof o['category'] !== 'string') {
        throw new TurnInputError(`${at}: "category" must be a string`);
      }
      entry.category = o['category'];
    }
    out.push(entry);
  });
  if (out.length === 0) throw new TurnInputError(`${name}: no lines to read`);
  return out;
}

async function readLines(path: string, needLabels: boolean): Promise<TurnLine[]> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TurnInputError(
      code === 'ENOENT'
        ? `${path} does not exist`
        : code === 'EISDIR'
          ? `${path} is a folder; expected a .jsonl file`
          : `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseTurnLines(source, path, needLabels);
}

// ---------------------------------------------------------------------------------------------
// The command

async function predictAll(lines: readonly TurnLine[], modelPath: string | undefined) {
  const { OnnxTurnDetector } = await import('../providers/local/onnx-turn-detector.ts');
  const detector = new OnnxTurnDetector(modelPath === undefined ? {} : { modelPath });
  try {
    const scores = new Float32Array(lines.length);
    const batch = 256;
    for (let i = 0; i < lines.length; i += batch) {
      const part = await detector.predictMany(lines.slice(i, i + batch));
      scores.set(part, i);
    }
    return scores;
  } finally {
    await detector.close();
  }
}

/**
 * Runs `predict` or `eval` (see the module comment); returns the exit code: 0 done, 1 bad
 * input or model, 2 bad usage. Errors are one line on stderr.
 */
export async function turnDetectorCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'predict' && sub !== 'eval') {
    console.error(
      `turn-detector: unknown subcommand "${sub}"; expected predict or eval\n\n${USAGE}`,
    );
    return 2;
  }
  let values: { input?: string; model?: string; json?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        input: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    console.error(`turn-detector ${sub}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.input) {
    console.error(`turn-detector ${sub}: --input is required\n\n${USAGE}`);
    return 2;
  }
  try {
    const lines = await readLines(values.input, sub === 'eval');
    const scores = await predictAll(lines, values.model);
    if (sub === 'predict') {
      const out = lines.map((l, i) =>
        JSON.stringify({ id: l.id, probability: Number(scores[i]!.toFixed(6)) }),
      );
      process.stdout.write(`${out.join('\n')}\n`);
      return 0;
    }
    const labels = lines.map((l) => l.label!);
    const overall = evaluate(scores, labels);
    const byCategory = new Map<string, number[]>();
    lines.forEach((l, i) => {
      if (l.category === undefined) return;
      const idx = byCategory.get(l.category) ?? [];
      idx.push(i);
      byCategory.set(l.category, idx);
    });
    const perCategory = new Map<string, EvalFigures>();
    for (const [name, idx] of byCategory) {
      perCategory.set(
        name,
        evaluate(
          idx.map((i) => scores[i]!),
          idx.map((i) => labels[i]!),
        ),
      );
    }
    console.log(formatReport(overall, perCategory));
    if (values.json) {
      await writeFile(
        values.json,
        `${JSON.stringify({ overall, perCategory: Object.fromEntries(perCategory) }, null, 2)}\n`,
      );
      console.log(`wrote ${values.json}`);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(err instanceof TurnInputError ? `turn-detector ${sub}: ${message}` : message);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await turnDetectorCommand(process.argv.slice(2));
}
