/**
 * updateConfig while a wait runs re-times it: the new threshold applies to the wait in progress,
 * still counted from the same (back-dated) instant, not only to the next one.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const longReply = 'one two three four five six seven eight nine ten eleven twelve thirteen';

describe('updateConfig re-times running waits', () => {
  it('a shorter maxEndpointingDelay ends a long endpointing wait sooner', async () => {
    const h = createHarness({ eot: () => 0 }); // incomplete: the wait is maxEndpointingDelay
    const { end } = h.speak('my number is five five five', { durationMs: 1000 });
    await h.advance(1000 + 400);
    expect(h.events('user.turnCompleted')).toHaveLength(0);
    h.send({
      type: 'session.updateConfig',
      config: { maxEndpointingDelay: 1200 },
      at: h.clock.now(),
    });
    await h.advance(4000);
    const committed = h.events('user.turnCompleted')[0];
    expect(committed?.at).toBe(end + 1200);
  });

  it('a wait already past the new threshold ends at once', async () => {
    const h = createHarness({ eot: () => 0 });
    const { end } = h.speak('my number is five five five', { durationMs: 1000 });
    await h.advance(1000 + 1500);
    h.send({
      type: 'session.updateConfig',
      config: { maxEndpointingDelay: 1000 },
      at: h.clock.now(),
    });
    await h.advance(100);
    expect(h.events('user.turnCompleted')[0]?.at).toBeGreaterThanOrEqual(end + 1000);
    expect(h.events('user.turnCompleted')).toHaveLength(1);
  });

  it('a longer falseInterruptionTimeout keeps the agent paused longer', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    const { end } = h.speak('', { durationMs: 700 });
    await h.advance(700 + 500);
    expect(h.agentState()).toBe('PAUSED');
    h.send({
      type: 'session.updateConfig',
      config: { falseInterruptionTimeout: 4000 },
      at: h.clock.now(),
    });
    await h.advance(2500); // past the old 2000 ms
    expect(h.agentState()).toBe('PAUSED');
    await h.advance(2000);
    expect(h.agentState()).toBe('SPEAKING');
    expect(h.events('agent.falseInterruptionResumed')[0]?.at).toBe(end + 4000);
    expect(h.context().config.falseInterruptionTimeout).toBe(4000);
  });
});
