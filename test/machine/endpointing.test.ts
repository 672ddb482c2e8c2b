/**
 * Endpointing: after the end of speech the turn waits between minEndpointingDelay and
 * maxEndpointingDelay, the delay mapped continuously from the turn detector's probability and
 * counted from the back-dated end of speech; new speech cancels the wait.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_CONFIG, endpointingDelayFor } from '../../src/machines/session-config.ts';
import { createHarness } from '../helpers/harness.ts';

const commitTime = async (p: number | null) => {
  const h = createHarness(p === null ? {} : { eot: () => p });
  const { end } = h.speak('is it going to rain', { durationMs: 1000 });
  await h.advance(6000);
  return (h.events('user.turnCompleted')[0]?.at ?? Number.NaN) - end;
};

describe('endpointing', () => {
  it('maps probability to delay continuously between min and max', () => {
    const c = DEFAULT_SESSION_CONFIG;
    expect(endpointingDelayFor(c, 1)).toBe(500);
    expect(endpointingDelayFor(c, 0)).toBe(3000);
    expect(endpointingDelayFor(c, null)).toBe(500);
    const values = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1].map((p) => endpointingDelayFor(c, p));
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!);
    expect(endpointingDelayFor(c, 0.649)).toBeCloseTo(500 + 2500 * 0.351 ** 3, 6);
  });

  it('commits min delay after the end of speech without a turn detector', async () => {
    expect(await commitTime(null)).toBe(500);
  });

  it('commits after the mapped delay, counted from the end of speech', async () => {
    expect(await commitTime(1)).toBe(500);
    expect(await commitTime(0)).toBe(3000);
    expect(await commitTime(0.5)).toBeCloseTo(endpointingDelayFor(DEFAULT_SESSION_CONFIG, 0.5), 6);
  });

  it('new speech cancels the wait', async () => {
    const h = createHarness({ eot: () => 0.2 });
    h.speak('my number is', { durationMs: 800 });
    h.speak('five five five', { inMs: 1800, durationMs: 900 });
    await h.advance(10_000);
    const turns = h.events('user.turnCompleted');
    expect(turns).toHaveLength(1);
    expect(turns[0]?.text).toBe('my number is five five five');
  });

  it('drops a turn whose speech never got a transcript', async () => {
    const h = createHarness();
    h.speak('', { durationMs: 600 });
    await h.advance(5000);
    expect(h.agentState()).toBe('IDLE');
    expect(h.events('user.turnCompleted')).toHaveLength(0);
  });

  it('a late final after IDLE still opens the turn', async () => {
    const h = createHarness();
    h.speak('', { durationMs: 600 });
    await h.advance(5000);
    h.send({ type: 'stt.final', at: h.clock.now(), text: 'hello?' });
    await h.advance(3000);
    expect(h.events('user.turnCompleted')).toHaveLength(1);
  });

  it('updateConfig changes the delay at run time', async () => {
    const h = createHarness();
    h.send({ type: 'session.updateConfig', config: { minEndpointingDelay: 1200 } });
    const { end } = h.speak('hello', { durationMs: 500 });
    await h.advance(4000);
    expect((h.events('user.turnCompleted')[0]?.at ?? 0) - end).toBe(1200);
  });

  it('invalid updateConfig is reported and ignored', async () => {
    const h = createHarness();
    h.send({ type: 'session.updateConfig', config: { minEndpointingDelay: -5 } });
    expect(h.events('error')[0]?.message).toMatch(/minEndpointingDelay/);
    expect(h.context().config.minEndpointingDelay).toBe(500);
  });
});
