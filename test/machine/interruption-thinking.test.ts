/**
 * User speech over a reply nobody has heard yet (THINKING, or audio ready but not played) cancels
 * that reply and the user keeps the floor; when the reply answered the turn the user is still
 * continuing, the continuation joins the same user message instead of making two.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

describe('interruption while THINKING', () => {
  it('continuing the sentence cancels the reply and merges the turn', async () => {
    const h = createHarness({
      config: { preemptiveGeneration: false },
      llm: (_input, n) => ({
        ttftMs: n === 0 ? 2000 : 100,
        text: n === 0 ? 'First answer.' : 'Merged answer.',
      }),
    });
    h.speak('book a flight', { durationMs: 800 });
    await h.advance(1400); // committed at 800 + 500
    expect(h.agentState()).toBe('THINKING');
    h.speak('to paris tomorrow', { durationMs: 1200 });
    await h.advance(600);
    expect(h.agentState()).toBe('LISTENING');
    expect(h.cancelledGenerations).toHaveLength(1);
    await h.advance(4000);
    const users = h.context().chat.filter((m) => m.role === 'user');
    expect(users).toHaveLength(1);
    expect(users[0]?.content).toBe('book a flight to paris tomorrow');
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Merged answer.' });
    expect(h.llmRequests.at(-1)?.messages.at(-1)).toMatchObject({
      content: 'book a flight to paris tomorrow',
    });
  });

  it('short speech while thinking does not cancel; ready audio waits until the user stops', async () => {
    const h = createHarness({
      config: { preemptiveGeneration: false },
      llm: () => ({ ttftMs: 50, text: 'Hello there.' }),
    });
    h.speak('hi', { durationMs: 500 });
    await h.advance(1020); // committed at 1000
    h.speak('', { durationMs: 400 });
    await h.advance(300); // audio ready at ~1150, user speaking until 1420
    expect(h.agentState()).toBe('THINKING');
    expect(h.matches({ agent: { THINKING: { audio: 'ready' } } })).toBe(true);
    await h.advance(200);
    expect(h.agentState()).toBe('SPEAKING');
    expect(h.cancelledGenerations).toHaveLength(0);
  });

  it('interrupting before the first audio frame leaves no assistant message and no wedge', async () => {
    const h = createHarness({ config: { preemptiveGeneration: false }, tts: { ttfbMs: 3000 } });
    h.speak('hello', { durationMs: 500 });
    await h.advance(1200);
    expect(h.agentState()).toBe('THINKING');
    h.speak('wait a second', { durationMs: 1000 });
    await h.advance(700);
    expect(h.agentState()).toBe('LISTENING');
    expect(h.context().chat.filter((m) => m.role === 'assistant')).toHaveLength(0);
    await h.advance(20_000);
    expect(h.agentState()).toBe('IDLE');
  });

  it('thinking thresholds are separate from speaking thresholds', async () => {
    const h = createHarness({
      config: { preemptiveGeneration: false, thinkingMinInterruptionDuration: 2000 },
      llm: () => ({ ttftMs: 3000, text: 'Slow answer.' }),
    });
    h.speak('hello', { durationMs: 500 });
    await h.advance(1100);
    h.speak('', { durationMs: 1000 });
    await h.advance(1200);
    expect(h.agentState()).toBe('THINKING');
    expect(h.cancelledGenerations).toHaveLength(0);
    h.send({ type: 'session.updateConfig', config: { thinkingMinInterruptionDuration: 300 } });
    h.speak('', { durationMs: 1000 });
    await h.advance(400);
    expect(h.agentState()).toBe('LISTENING');
  });
});
