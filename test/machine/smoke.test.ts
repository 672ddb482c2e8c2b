/** A plain two-turn conversation goes IDLE → LISTENING → THINKING → SPEAKING → IDLE twice. */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

describe('session machine smoke', () => {
  it('answers a user turn', async () => {
    const h = createHarness();
    h.speak('what is the weather today', { durationMs: 1500 });
    await h.advance(10_000);
    console.log(h.agentStates, h.context().chat, h.events('metrics'));
    expect(h.agentStates).toEqual(['IDLE', 'LISTENING', 'THINKING', 'SPEAKING', 'IDLE']);
  });
});
