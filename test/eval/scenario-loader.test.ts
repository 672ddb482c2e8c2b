import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, scenarioFiles } from '../../src/eval/scenario.ts';
import { splitLine } from '../../src/sim/caller.ts';

const dir = mkdtempSync(join(tmpdir(), 'voicechart-scenarios-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bad =
  (text: string, file = 'x.yaml') =>
  () =>
    parseScenario(text, file);

describe('scenario files', () => {
  it('parses YAML and JSON alike', () => {
    const yaml = parseScenario('name: a\nuser:\n  steps:\n    - say: hello\n', 'a.yaml');
    const json = parseScenario('{"name":"a","user":{"steps":[{"say":"hello"}]}}', 'a.json');
    expect(yaml).toEqual(json);
  });

  it('names the file and the field for every kind of mistake', () => {
    expect(bad('name: a\nuser: [oops')).toThrow(/^x\.yaml: not valid YAML: /);
    expect(bad('{"name":', 'x.json')).toThrow(/^x\.json: not valid JSON: /);
    expect(bad('name: a\nuser:\n  steps:\n    - say: hi\n      sya: typo\n')).toThrow(
      'x.yaml: /user/steps/0: unknown field "sya"',
    );
    expect(bad('name: a\nuser:\n  steps:\n    - say: hi\n      after: agent.talking\n')).toThrow(
      /\/user\/steps\/0\/after: must be one of "agent.speaking", "agent.thinking"/,
    );
    expect(bad('name: a\nuser:\n  steps: []\n')).toThrow(
      /\/user\/steps: must NOT have fewer than 1 items/,
    );
    expect(bad('user:\n  steps:\n    - say: hi\n')).toThrow(/must have required property 'name'/);
    expect(
      bad('name: a\nconfig:\n  minEndpointingDelay: -5\nuser:\n  steps:\n    - pause: 10\n'),
    ).toThrow(/^x\.yaml: config: .*minEndpointingDelay/);
    expect(bad('name: a\nuser:\n  steps:\n    - say: hi\n')).not.toThrow();
    try {
      bad('name: 1\nuser:\n  steps:\n    - say: hi\n')();
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
    }
  });

  it('lists a folder’s scenarios in natural order and refuses an empty folder', () => {
    for (const f of ['10-b.yaml', '2-a.yml', '1-c.json', 'notes.txt'])
      writeFileSync(join(dir, f), '');
    expect(scenarioFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual([
      '1-c.json',
      '2-a.yml',
      '10-b.yaml',
    ]);
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(() => scenarioFiles(empty)).toThrow(/no \.yaml, \.yml or \.json scenarios/);
    expect(() => scenarioFiles(join(dir, 'missing'))).toThrow(/does not exist/);
  });

  it('splits lines at their pauses', () => {
    expect(splitLine('i need a table for [pause 900] four people')).toEqual({
      parts: ['i need a table for', 'four people'],
      pauses: [900],
    });
    expect(splitLine('[pause 300] well [pause 200][pause 100] ok')).toEqual({
      parts: ['well', 'ok'],
      pauses: [300, 300],
    });
  });
});
