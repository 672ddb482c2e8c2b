/**
 * Provider errors never wedge the session: an LLM error or a TTS error mid-speech is reported as
 * an `error` event, what was heard is kept, and the agent returns to IDLE ready for the next turn.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

describe('provider errors', () => {
  it('LLM error before any text: error event, back to IDLE, next turn works', async () => {
    const h = createHarness({
      config: { preemptiveGeneration: false },
      llm: (_i, n) =>
        n === 0 ? { error: { afterMs: 200, message: 'HTTP 500' } } : { text: 'Hi again.' },
    });
    h.speak('hello', { durationMs: 500 });
    await h.advance(3000);
    expect(h.agentState()).toBe('IDLE');
    expect(h.events('error')[0]).toMatchObject({ source: 'llm', message: 'HTTP 500' });
    h.speak('hello again', { durationMs: 600 });
    await h.advance(6000);
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Hi again.' });
  });

  it('LLM error mid-stream: the text already streamed is spoken and kept', async () => {
    const h = createHarness({
      config: { preemptiveGeneration: false },
      llm: () => ({
        text: 'one two three four five six',
        chunkIntervalMs: 100,
        error: { afterMs: 350, message: 'stream dropped' },
      }),
    });
    h.speak('count', { durationMs: 500 });
    await h.advance(8000);
    expect(h.agentState()).toBe('IDLE');
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'one two three ' });
    expect(h.events('error')).toHaveLength(1);
  });

  it('TTS error mid-speech: stops, keeps what was heard, back to IDLE', async () => {
    const long = 'one two three four five six seven eight nine ten';
    const h = createHarness({ llm: () => ({ text: long }), tts: { errorAfterMs: 1500 } });
    h.speak('count', { durationMs: 500 });
    await h.advance(6000);
    expect(h.agentState()).toBe('IDLE');
    expect(h.events('error')[0]).toMatchObject({ source: 'tts' });
    const msg = h.context().chat.at(-1);
    expect(msg).toMatchObject({ role: 'assistant', interrupted: true });
    expect(msg?.content.length).toBeGreaterThan(0);
    expect(long.startsWith(msg?.content ?? 'x')).toBe(true);
    expect(h.events('agent.interrupted')).toHaveLength(0);
  });
});
