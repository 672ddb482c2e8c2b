/**
 * The README stays true: its first lines are the two commands, and its lifecycle diagram is the
 * one generated from the machine (`npm run diagram` after changing transitions).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lifecycleDiagram } from '../../src/machines/lifecycle-diagram.ts';
import { sessionMachine } from '../../src/machines/session.machine.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('starts with the set-up-and-run command and the test command', () => {
    const block = readme.split('```')[1] ?? '';
    expect(block).toContain('npm ci && npm run demo');
    expect(block).toContain('npm test');
  });

  it('shows the lifecycle diagram generated from the machine', () => {
    expect(readme).toContain(lifecycleDiagram(sessionMachine));
  });

  it('documents every config key', async () => {
    const { DEFAULT_SESSION_CONFIG } = await import('../../src/machines/session-config.ts');
    for (const key of Object.keys(DEFAULT_SESSION_CONFIG)) expect(readme).toContain(`\`${key}\``);
  });
});

describe('README scenario example', () => {
  it('is a valid scenario that runs', async () => {
    const { parseScenario } = await import('../../src/eval/scenario.ts');
    const { runScenario } = await import('../../src/eval/runner.ts');
    const block = readme.split('```yaml\n')[1]?.split('```')[0] ?? '';
    const scenario = parseScenario(block, 'README-example.yaml');
    const result = await runScenario(scenario);
    expect(result.error).toBeUndefined();
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.turns.length).toBeGreaterThan(0);
  });
});
