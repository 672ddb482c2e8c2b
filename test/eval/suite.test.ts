/**
 * The public scenario suite passes, its JSON matches the documented schema (stable API), and the
 * CLI exits with 1 when an expectation fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/eval/suite.ts';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'voicechart-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resultSchema = JSON.parse(readFileSync(join(ROOT, 'schema/eval-result.schema.json'), 'utf8'));
const validateResult = new Ajv({ allErrors: true, strict: false }).compile(resultSchema);

describe('scenario suite (test/scenarios)', () => {
  it('every expectation of every scenario holds, and the JSON matches its schema', async () => {
    const result = await runSuite(join(ROOT, 'test/scenarios'));
    const failures = result.scenarios
      .filter((s) => !s.ok)
      .map(
        (s) => `${s.name}: ${s.error ?? ''} ${JSON.stringify(s.expectations.filter((e) => !e.ok))}`,
      );
    expect(failures).toEqual([]);
    expect(result.scenarios.length).toBeGreaterThanOrEqual(1);
    const valid = validateResult(JSON.parse(JSON.stringify(result)));
    expect(validateResult.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  }, 120_000);
});

describe('voicechart eval', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'src/cli/voicechart.ts'), 'eval', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exits with 1 and names the failed expectation; writes the JSON', () => {
    const file = join(dir, 'failing.yaml');
    writeFileSync(
      file,
      'name: too strict\nuser:\n  steps:\n    - say: hello there\nexpect:\n  agentReplies: 3\n',
    );
    const json = join(dir, 'm.json');
    const r = cli(file, '--json', json);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL too strict/);
    expect(r.stdout).toMatch(/expected agentReplies: 3, got 1/);
    const written = JSON.parse(readFileSync(json, 'utf8'));
    expect(written.aggregate).toMatchObject({ scenarios: 1, failed: 1 });
  });

  it('a bad scenario file fails its own line without stopping the suite', () => {
    const suite = mkdtempSync(join(dir, 'suite-'));
    writeFileSync(join(suite, '1-bad.yaml'), 'name: x\nuser:\n  stepz: []\n');
    writeFileSync(join(suite, '2-good.yaml'), 'name: fine\nuser:\n  steps:\n    - say: hi\n');
    const r = cli(suite);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\[1\/2\] FAIL .*1-bad\.yaml: .*unknown field "stepz"/);
    expect(r.stdout).toMatch(/\[2\/2\] ok {3}fine/);
  });

  it('usage errors exit with 2', () => {
    expect(cli().status).toBe(2);
    expect(cli(join(dir, 'nope.yaml')).status).toBe(1);
  });
});
