/**
 * Barge-in while SPEAKING pauses the agent; when the user stops and nothing meaningful is said
 * within falseInterruptionTimeout the agent resumes where it stopped, and the chat keeps the whole
 * reply (it was all heard in the end).
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const longReply = 'one two three four five six seven eight nine ten eleven twelve';

describe('false interruption', () => {
  it('pauses on 500 ms of speech and resumes after 2000 ms of silence with no transcript', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    expect(h.agentState()).toBe('SPEAKING');
    h.speak('', { durationMs: 700 }); // a cough: speech but no transcript
    await h.advance(600);
    expect(h.agentState()).toBe('PAUSED');
    expect(h.events('agent.paused')).toHaveLength(1);
    await h.advance(2150);
    expect(h.agentState()).toBe('SPEAKING');
    const resumed = h.events('agent.falseInterruptionResumed');
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.reason).toBe('timeout');
    await h.advance(10_000);
    expect(h.agentState()).toBe('IDLE');
    const last = h.context().chat.at(-1);
    expect(last).toMatchObject({ role: 'assistant', content: longReply });
    expect(last && 'interrupted' in last ? last.interrupted : undefined).toBeUndefined();
    const seg = Object.values(h.speechCommands).at(-1);
    expect(seg).toEqual(expect.arrayContaining(['speech.pause', 'speech.resume']));
  });

  it('ignores speech shorter than minInterruptionDuration', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('hm', { durationMs: 300 });
    await h.advance(1000);
    expect(h.agentStates).not.toContain('PAUSED');
    expect(h.agentState()).toBe('SPEAKING');
  });

  it('a new speech start while paused cancels the resume timer but keeps the pause', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('', { durationMs: 600 });
    await h.advance(1500); // paused, user silent for 900 ms
    h.speak('', { durationMs: 400 });
    await h.advance(1500); // resume would have fired at 2000 ms after the first end
    expect(h.agentState()).toBe('PAUSED');
    await h.advance(1000);
    expect(h.agentState()).toBe('SPEAKING');
  });

  it('with resumeFalseInterruption off, barge-in stops at once and keeps only what was heard', async () => {
    const h = createHarness({
      config: { resumeFalseInterruption: false },
      llm: () => ({ text: longReply }),
    });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('', { durationMs: 700 });
    await h.advance(2500);
    expect(h.agentStates).not.toContain('PAUSED');
    const interrupted = h.events('agent.interrupted');
    expect(interrupted).toHaveLength(1);
    const msg = h.context().chat.find((m) => m.role === 'assistant');
    expect(msg).toMatchObject({ interrupted: true });
    expect(msg?.content.length).toBeLessThan(longReply.length);
    expect(longReply.startsWith(msg?.content ?? 'x')).toBe(true);
  });
});
