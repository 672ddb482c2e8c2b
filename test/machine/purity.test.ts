/**
 * The machine stays pure: no clock reads, timers or I/O in src/machines (time comes from events
 * and named delays), and its context is plain JSON at every step of a conversation with
 * interruptions and tools, so snapshots can be persisted, diffed and sent to an inspector.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const machineDir = new URL('../../src/machines/', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });

describe('machine purity', () => {
  it('src/machines reads no clock and does no I/O', () => {
    const forbidden =
      /Date\.now|performance\.now|new Date\(|setTimeout|setInterval|Math\.random|['"]node:|process\./;
    for (const file of files(machineDir)) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, file).not.toMatch(forbidden);
    }
  });

  it('context is JSON at every step', async () => {
    const h = createHarness({
      llm: (input, n) =>
        input.messages.some((m) => m.role === 'tool')
          ? { text: 'Done with the tool.' }
          : n === 0
            ? {
                text: 'one two three four five six seven eight nine ten',
                toolCalls: [{ id: 'c', name: 'lookup', arguments: '{}' }],
              }
            : { text: 'Sure.' },
    });
    let checked = 0;
    h.actor.subscribe((snapshot) => {
      const ctx = snapshot.context;
      expect(JSON.parse(JSON.stringify(ctx))).toEqual(ctx);
      checked++;
    });
    h.speak('look it up', { durationMs: 700 });
    h.speak('mhm', { inMs: 3000, durationMs: 600 });
    h.speak('no stop that', { inMs: 6000, durationMs: 900 });
    await h.advance(20_000);
    expect(checked).toBeGreaterThan(30);
    const persisted = JSON.parse(JSON.stringify(h.actor.getPersistedSnapshot()));
    expect(persisted.context.chat.length).toBeGreaterThan(2);
  });
});
