/**
 * A transcribed backchannel ("mhm", "okay", "got it") during the agent's speech resumes it
 * instead of becoming a hard interruption and a new user turn (LiveKit agents#6750); a real
 * utterance commits the interruption; the classifier is pluggable.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const longReply = 'one two three four five six seven eight nine ten eleven twelve';

describe('backchannel', () => {
  it('"mhm" resumes the paused agent and adds no user turn', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('mhm', { durationMs: 600, sttDelayMs: 100 });
    await h.advance(650);
    expect(h.agentState()).toBe('PAUSED');
    await h.advance(100);
    expect(h.agentState()).toBe('SPEAKING');
    expect(h.events('agent.falseInterruptionResumed')[0]?.reason).toBe('backchannel');
    await h.advance(10_000);
    expect(h.context().chat.filter((m) => m.role === 'user')).toHaveLength(1);
    expect(h.context().stats.backchannelResumes).toBe(1);
    expect(h.llmRequests).toHaveLength(1);
  });

  it('"okay got it" is a backchannel too, "okay but wait" is not', async () => {
    const h = createHarness({ llm: () => ({ text: longReply }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('okay got it', { durationMs: 800 });
    await h.advance(1200);
    expect(h.agentState()).toBe('SPEAKING');
    h.speak('okay but wait', { durationMs: 800 });
    await h.advance(1000);
    expect(h.agentState()).not.toBe('SPEAKING');
    expect(h.events('agent.interrupted')).toHaveLength(1);
  });

  it('a real utterance commits the interruption and becomes the next user turn', async () => {
    const h = createHarness({ llm: (_i, n) => ({ text: n === 0 ? longReply : 'Paris it is.' }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('actually book a flight to paris', { durationMs: 1500 });
    await h.advance(5000);
    const chat = h.context().chat;
    expect(chat.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(chat[1]).toMatchObject({ interrupted: true });
    expect(chat[2]).toMatchObject({ content: 'actually book a flight to paris' });
    expect(chat[3]).toMatchObject({ content: 'Paris it is.' });
  });

  it('the phrase list is configurable', async () => {
    const h = createHarness({
      llm: () => ({ text: longReply }),
      config: { backchannelPhrases: ['tell me more'] },
    });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('tell me more', { durationMs: 800 });
    await h.advance(1200);
    expect(h.agentState()).toBe('SPEAKING');
    expect(h.events('agent.falseInterruptionResumed')[0]?.reason).toBe('backchannel');
  });

  it('the classifier is pluggable through machine.provide', async () => {
    // A classifier for another language: "ajá" acknowledges, "mhm" does not.
    const h = createHarness({
      llm: () => ({ text: longReply }),
      guards: {
        isBackchannel: ({ event }) => event.type === 'stt.final' && event.text === 'ajá',
      },
    });
    h.speak('cuéntame una historia', { durationMs: 1000 });
    await h.advance(2000);
    h.speak('ajá', { durationMs: 800 });
    await h.advance(1200);
    expect(h.agentState()).toBe('SPEAKING');
    h.speak('mhm', { durationMs: 800 });
    await h.advance(1200);
    expect(h.events('agent.interrupted')).toHaveLength(1);
  });
});
