/**
 * Presence: when the user stays silent for `userAwayTimeout` while the agent idles, the user
 * region enters `away` and `user.away` is emitted once. The timer counts from entering IDLE (a
 * long reply is not silence), speaking again leaves `away`, and the timeout can be changed at
 * run time with `session.updateConfig`.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const longReply = Array.from({ length: 50 }, (_, i) => `word${i}`).join(' '); // 20 s of audio

describe('user away', () => {
  it('silent for userAwayTimeout while IDLE: away, user.away emitted once', async () => {
    const h = createHarness();
    await h.advance(14_999);
    expect(h.matches({ user: 'silent' })).toBe(true);
    expect(h.events('user.away')).toHaveLength(0);
    await h.advance(1);
    expect(h.matches({ user: 'away' })).toBe(true);
    expect(h.events('user.away')).toHaveLength(1);
    await h.advance(60_000);
    expect(h.events('user.away')).toHaveLength(1);
    expect(h.agentState()).toBe('IDLE');
  });

  it('not while the agent is speaking: the timer counts from entering IDLE', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me everything', { durationMs: 1000 }); // committed at 1500, audio from 1600
    await h.advance(20_000);
    expect(h.agentState()).toBe('SPEAKING');
    expect(h.events('user.away')).toHaveLength(0);
    await h.advance(2000); // audio ends at 21 600
    expect(h.agentState()).toBe('IDLE');
    await h.advance(21_600 + 14_999 - h.clock.now());
    expect(h.events('user.away')).toHaveLength(0);
    await h.advance(1);
    expect(h.events('user.away')).toHaveLength(1);
    expect(h.matches({ user: 'away' })).toBe(true);
  });

  it('speaking again leaves away, and the user is answered', async () => {
    const h = createHarness({ llm: () => ({ text: 'Welcome back.' }) });
    await h.advance(15_000);
    expect(h.matches({ user: 'away' })).toBe(true);
    h.speak('i am back', { durationMs: 900 });
    await h.advance(500);
    expect(h.matches({ user: 'speaking' })).toBe(true);
    expect(h.agentState()).toBe('LISTENING');
    await h.advance(5000);
    expect(h.matches({ user: 'silent' })).toBe(true);
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Welcome back.' });
    // A new absence is reported again, once.
    await h.advance(30_000);
    expect(h.events('user.away')).toHaveLength(2);
  });

  it('a user turn in progress is not silence', async () => {
    const h = createHarness();
    h.speak('hmm let me think', { inMs: 10_000, durationMs: 8000 });
    await h.advance(17_900);
    expect(h.events('user.away')).toHaveLength(0);
    expect(h.matches({ user: 'speaking' })).toBe(true);
  });

  it('userAwayTimeout is configurable at run time', async () => {
    const h = createHarness({ llm: () => ({ text: 'Okay.' }) });
    h.send({ type: 'session.updateConfig', config: { userAwayTimeout: 5000 } });
    h.speak('hello', { durationMs: 500 }); // reply ends at ~1900
    await h.advance(3000);
    expect(h.agentState()).toBe('IDLE');
    const idleAt = h.context().now; // the reply's playout.finished
    await h.advance(idleAt + 4999 - h.clock.now());
    expect(h.events('user.away')).toHaveLength(0);
    await h.advance(1);
    expect(h.events('user.away')).toHaveLength(1);
  });

  it('an invalid userAwayTimeout is rejected with an error event and the old value kept', async () => {
    const h = createHarness();
    h.send({ type: 'session.updateConfig', config: { userAwayTimeout: -1 } });
    expect(h.events('error')).toEqual([
      expect.objectContaining({
        source: 'config',
        message: expect.stringMatching(/userAwayTimeout/),
      }),
    ]);
    expect(h.context().config.userAwayTimeout).toBe(15_000);
    await h.advance(15_000);
    expect(h.events('user.away')).toHaveLength(1);
  });
});
