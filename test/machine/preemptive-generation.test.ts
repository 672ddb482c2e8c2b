/**
 * Preemptive generation: a final transcript starts the LLM before the turn is committed; on commit
 * the speculation is reused when the committed text and chat are equivalent (one request billed,
 * not two), discarded and replaced otherwise; requests per turn are capped and counted.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

describe('preemptive generation', () => {
  it('reuses the speculation when the committed text is equivalent', async () => {
    const h = createHarness();
    h.speak('What is the weather?', { durationMs: 800 });
    await h.advance(5000);
    expect(h.llmRequests).toHaveLength(1);
    expect(h.llmRequests[0]?.speculative).toBe(true);
    const { stats } = h.context();
    expect(stats).toMatchObject({
      llmRequests: 1,
      speculativeRequests: 1,
      speculativeReused: 1,
      speculativeDiscarded: 0,
    });
    expect(h.events('metrics')[0]?.metrics.speculativeReused).toBe(true);
  });

  it('a failed speculation is reported and the commit asks again', async () => {
    const h = createHarness({
      llm: (_i, n) =>
        n === 0 ? { error: { afterMs: 50, message: 'connection reset' } } : { text: 'Sunny.' },
    });
    h.speak('What is the weather?', { durationMs: 800 });
    await h.advance(5000);
    expect(h.llmRequests.map((r) => r.speculative)).toEqual([true, false]);
    expect(h.events('error')).toEqual([
      expect.objectContaining({
        source: 'llm',
        message: 'speculative request failed: connection reset',
        recoverable: true,
      }),
    ]);
    expect(h.context().stats.errors).toBe(1);
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Sunny.' });
  });

  it('discards and restarts when the user adds words before the commit', async () => {
    const h = createHarness({
      eot: (t) => (t.endsWith('and') ? 0 : 1),
      llm: (_i, n) => ({ ttftMs: n === 0 ? 3000 : 100, text: 'Booked.' }),
    });
    h.speak('book a flight and', { durationMs: 800 });
    h.speak('a hotel', { inMs: 1200, durationMs: 600 });
    await h.advance(8000);
    const spec = h.llmRequests.filter((r) => r.speculative);
    expect(spec).toHaveLength(2);
    expect(h.context().stats).toMatchObject({
      speculativeDiscarded: 1,
      speculativeReused: 1,
      llmRequests: 2,
    });
    expect(h.cancelledGenerations).toHaveLength(1);
    expect(h.context().chat[0]).toMatchObject({ content: 'book a flight and a hotel' });
  });

  it('caps speculative requests per turn', async () => {
    const h = createHarness({ config: { maxSpeculativeRequests: 2 }, eot: () => 0 });
    h.speak('one', { durationMs: 300 });
    h.speak('two', { inMs: 1000, durationMs: 300 });
    h.speak('three', { inMs: 2000, durationMs: 300 });
    h.speak('four', { inMs: 3000, durationMs: 300 });
    await h.advance(12_000);
    expect(h.context().stats.speculativeRequests).toBe(2);
    expect(h.context().stats.llmRequests).toBe(3); // 2 speculative + 1 committed
  });

  it('off: no request before the commit', async () => {
    const h = createHarness({ config: { preemptiveGeneration: false } });
    h.speak('hello there', { durationMs: 600 });
    await h.advance(1000);
    expect(h.llmRequests).toHaveLength(0);
    await h.advance(3000);
    expect(h.llmRequests).toHaveLength(1);
    expect(h.llmRequests[0]?.speculative).toBe(false);
  });

  it('speculation sees the pending user text but never reaches TTS before commit', async () => {
    const h = createHarness({ eot: () => 0 });
    h.speak('hello there', { durationMs: 600 });
    await h.advance(2000); // speculation done, endpointing still waiting (p = 0 → 3000 ms)
    expect(h.llmRequests[0]?.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'hello there',
    });
    expect(Object.keys(h.speechCommands)).toHaveLength(0);
    await h.advance(4000);
    expect(h.context().stats.speculativeReused).toBe(1);
    expect(h.agentStates).toContain('SPEAKING');
  });
});
