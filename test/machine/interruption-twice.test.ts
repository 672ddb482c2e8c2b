/** Two barge-ins in a row: each pauses, the second real utterance commits; nothing wedges. */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const longReply =
  'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';

describe('two interruptions in a row', () => {
  it('false interruption, resume, then a real interruption', async () => {
    const h = createHarness({ llm: (_i, n) => ({ text: n === 0 ? longReply : 'Okay.' }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('', { durationMs: 600 });
    await h.advance(3000);
    expect(h.agentState()).toBe('SPEAKING');
    h.speak('stop please', { durationMs: 800 });
    await h.advance(4000);
    expect(h.events('agent.paused')).toHaveLength(2);
    expect(h.events('agent.interrupted')).toHaveLength(1);
    expect(h.context().chat.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    await h.advance(5000);
    expect(h.agentState()).toBe('IDLE');
  });

  it('interrupting the reply to an interruption', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2500);
    h.speak('no a different one', { durationMs: 1000 });
    await h.advance(3500);
    expect(h.agentState()).toBe('SPEAKING');
    h.speak('never mind', { durationMs: 800 });
    await h.advance(3000);
    expect(h.events('agent.interrupted')).toHaveLength(2);
    const assistants = h.context().chat.filter((m) => m.role === 'assistant');
    expect(assistants.slice(0, 2).every((m) => m.role === 'assistant' && m.interrupted)).toBe(true);
    await h.advance(20_000);
    expect(h.agentState()).toBe('IDLE');
  });
});
