/**
 * `turn-detector predict|eval` run as a standalone module on small JSONL files: output in
 * input order, the eval report, and one-line errors (with the line number) for bad input.
 * Also the metric helpers on hand-checked values.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cutoffAtRecall,
  evaluate,
  parseTurnLines,
  rocAuc,
} from '../../src/cli/turn-detector-command.ts';

const CLI = join(import.meta.dirname, '../../src/cli/turn-detector-command.ts');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'labelled.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'voicechart-turn-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

const line = (o: unknown) => JSON.stringify(o);
const phone = [{ role: 'assistant', content: "What's your phone number?" }];

describe('turn-detector predict', () => {
  it('prints one {"id", "probability"} line per input line, in input order', () => {
    const input = file(
      'predict.jsonl',
      [
        line({ id: 'b', context: phone, text: 'my number is five five five' }),
        '',
        line({ id: 7, context: [], text: "yes that's right" }),
        line({ text: 'i want to uh' }),
      ].join('\n'),
    );
    const r = run('predict', '--input', input);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(['b', 7, 4]); // a missing id is the line number
    for (const o of out) expect(o.probability).toBeGreaterThanOrEqual(0);
    expect(out[0].probability).toBeLessThan(0.1);
    expect(out[1].probability).toBeGreaterThan(0.9);
    expect(out[2].probability).toBeLessThan(0.1);
  });
});

describe('turn-detector eval', () => {
  it('prints accuracy, ROC AUC, false cut-off rates at 95% and 99% recall, per category', () => {
    const json = join(dir, 'eval.json');
    const r = run('eval', '--input', FIXTURE, '--json', json);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^37 turns \(18 complete, 19 incomplete\)/);
    expect(r.stdout).toMatch(/accuracy \(p >= 0\.5\)\s+100\.0%/);
    expect(r.stdout).toMatch(/ROC AUC\s+1\.0000/);
    expect(r.stdout).toMatch(/false cut-offs at 95% recall of complete turns: 0\.0%/);
    expect(r.stdout).toMatch(/false cut-offs at 99% recall of complete turns: 0\.0%/);
    expect(r.stdout).toMatch(/^phone\s+6\s+100\.0%/m);
    expect(r.stdout).toMatch(/^short_answer\s+4\s/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.overall.n).toBe(37);
    expect(Object.keys(report.perCategory)).toContain('spelled_name');
  });

  it('works without categories', () => {
    const input = file(
      'nocat.jsonl',
      [
        line({ id: 1, context: phone, text: 'five five five', label: 0 }),
        line({
          id: 2,
          context: phone,
          text: 'five five five two one two four four three seven',
          label: 1,
        }),
      ].join('\n'),
    );
    const r = run('eval', '--input', input);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ROC AUC\s+1\.0000/);
    expect(r.stdout).not.toMatch(/category/);
  });
});

describe('turn-detector: bad input', () => {
  const good = line({ id: 1, context: [], text: 'yes', label: 1 });
  const cases: Array<[string, string[], RegExp, number]> = [
    [
      'invalid JSON',
      ['eval', '--input', file('badjson.jsonl', `${good}\n${good}\n{"id": 3, "text": }\n`)],
      /badjson\.jsonl line 3: not valid JSON/,
      1,
    ],
    [
      'a line that is not an object',
      ['predict', '--input', file('array.jsonl', `${good}\n[1, 2]\n`)],
      /array\.jsonl line 2: expected a JSON object/,
      1,
    ],
    [
      'a missing text',
      ['predict', '--input', file('notext.jsonl', line({ id: 1, context: [] }))],
      /notext\.jsonl line 1: "text" must be a string/,
      1,
    ],
    [
      'a bad context',
      [
        'predict',
        '--input',
        file('ctx.jsonl', `${good}\n${line({ text: 'x', context: [{ role: 'assistant' }] })}`),
      ],
      /ctx\.jsonl line 2: context\[0\] must be an object with string "role" and "content"/,
      1,
    ],
    [
      'a bad label',
      ['eval', '--input', file('label.jsonl', `${good}\n${line({ text: 'x', label: 'yes' })}`)],
      /label\.jsonl line 2: "label" must be 1 \(complete\) or 0 \(not finished\)/,
      1,
    ],
    [
      'a missing label in eval',
      ['eval', '--input', file('nolabel.jsonl', line({ text: 'x' }))],
      /nolabel\.jsonl line 1: "label" must be 1/,
      1,
    ],
    [
      'an empty file',
      ['predict', '--input', file('empty.jsonl', '\n\n')],
      /empty\.jsonl: no lines to read/,
      1,
    ],
    [
      'a missing file',
      ['predict', '--input', join(dir, 'nope.jsonl')],
      /nope\.jsonl does not exist/,
      1,
    ],
    ['a folder', ['predict', '--input', dir], /is a folder; expected a \.jsonl file/, 1],
    ['no --input', ['eval'], /turn-detector eval: --input is required/, 2],
    ['an unknown subcommand', ['train'], /unknown subcommand "train"; expected predict or eval/, 2],
    [
      'an unknown option',
      ['predict', '--inptu', 'x'],
      /turn-detector predict: Unknown option '--inptu'/,
      2,
    ],
  ];
  for (const [what, args, message, code] of cases) {
    it(`${what}: a clear message, exit code ${code}, no stack trace`, () => {
      const r = run(...args);
      expect(r.code).toBe(code);
      expect(r.stderr.split('\n')[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }

  it('a bad line fails before any model is loaded (even with a missing model)', () => {
    const r = run(
      'predict',
      '--input',
      file('early.jsonl', '{oops'),
      '--model',
      join(dir, 'none.onnx'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/early\.jsonl line 1: not valid JSON/);
  });

  it('a missing model: one line saying how to build it', () => {
    file(
      'config.json',
      '{"featureVersion": 1, "hashBuckets": 64, "input": "feature_ids", "output": "probability"}',
    );
    const r = run('predict', '--input', file('ok.jsonl', good), '--model', join(dir, 'none.onnx'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model file .*none\.onnx is missing; run `npm run train:turn`/);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('ROC AUC counts ties as half and needs both classes', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 10);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.2, 0.9], [1, 1])).toBeNaN();
  });

  it('the false cut-off rate is taken at the threshold that keeps the requested recall', () => {
    // 20 complete turns at 0.05..1.0, incomplete turns at 0.02, 0.5, 0.97, 0.99.
    const pos = Array.from({ length: 20 }, (_, i) => (i + 1) / 20);
    const scores = [...pos, 0.02, 0.5, 0.97, 0.99];
    const labels = [...pos.map(() => 1), 0, 0, 0, 0];
    const at95 = cutoffAtRecall(scores, labels, 0.95); // drop 1 of 20: threshold 0.10
    expect(at95.threshold).toBeCloseTo(0.1, 10);
    expect(at95.recall).toBe(0.95);
    expect(at95.falseCutoffRate).toBe(0.75);
    const f = evaluate(scores, labels);
    expect(f.n).toBe(24);
    expect(f.at99.recall).toBe(1);
  });

  it('parses JSONL lines with their ids, contexts and optional categories', () => {
    const lines = parseTurnLines(
      `${line({ id: 'x', context: phone, text: 't', label: 0, category: 'phone' })}\n`,
      'f',
      true,
    );
    expect(lines).toEqual([{ id: 'x', context: phone, text: 't', label: 0, category: 'phone' }]);
  });
});
