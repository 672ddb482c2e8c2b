/**
 * Watchdogs: every wait on a child actor has a timeout that moves the session to a safe state, so
 * a provider that stops answering never wedges it. Each timeout is reported as an `error` event,
 * counted in `stats.timeouts`, and the next user turn is answered normally. (The tool-result
 * timeout is pinned in tool-calls.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.ts';

const tenWords = 'one two three four five six seven eight nine ten';

/** A following user turn is answered: nothing is wedged. */
async function answersNextTurn(h: Harness, reply: string) {
  expect(h.agentState()).toBe('IDLE');
  h.speak('are you still there', { durationMs: 1000 });
  await h.advance(8000);
  expect(h.agentState()).toBe('IDLE');
  expect(h.context().chat.at(-2)).toMatchObject({ role: 'user', content: 'are you still there' });
  expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: reply });
}

/** The one error event a watchdog reports, naming the wait that timed out. */
const timeoutError = (h: Harness, name: string) =>
  h.events('error').filter((e) => e.message.includes(`(${name})`));

describe('watchdogs', () => {
  it('LLM first token: the request times out, the turn ends in IDLE, the next turn works', async () => {
    const h = createHarness({
      llm: (_i, n) => (n === 0 ? { hang: true } : { text: 'Back again.' }),
    });
    h.speak('hello', { durationMs: 500 }); // committed at 1000 (the hanging speculation adopted)
    await h.advance(10_900);
    expect(h.agentState()).toBe('THINKING');
    expect(h.events('error')).toHaveLength(0);
    await h.advance(200); // llmFirstTokenTimeout (10 s) counted from the commit
    expect(h.agentState()).toBe('IDLE');
    expect(timeoutError(h, 'llmFirstToken')).toHaveLength(1);
    expect(h.events('error')).toContainEqual(
      expect.objectContaining({ source: 'llm', message: expect.stringMatching(/timed out/) }),
    );
    expect(h.context().stats.timeouts).toEqual({ llmFirstToken: 1 });
    expect(h.cancelledGenerations).toEqual([h.llmRequests[0]?.generationId]);
    expect(h.context().chat.filter((m) => m.role === 'assistant')).toHaveLength(0);
    await answersNextTurn(h, 'Back again.');
  });

  it('LLM first token: a speculation that never answers is dropped quietly before the commit', async () => {
    const h = createHarness({
      config: { llmFirstTokenTimeout: 1000 },
      eot: () => 0, // endpointing waits 3000 ms: longer than the first-token timeout
      llm: (_i, n) => (n === 0 ? { hang: true } : { text: 'Fresh answer.' }),
    });
    h.speak('hello there', { durationMs: 600 });
    await h.advance(8000);
    expect(h.llmRequests.map((r) => r.speculative)).toEqual([true, false]);
    expect(h.context().stats).toMatchObject({ speculativeDiscarded: 1, speculativeReused: 0 });
    expect(h.events('error')).toHaveLength(0);
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Fresh answer.' });
  });

  it('LLM response: a stream that stops after its first delta times out; what was spoken is kept', async () => {
    const h = createHarness({
      config: { llmResponseTimeout: 5000 },
      llm: (_i, n) =>
        n === 0 ? { text: 'Let me think about that', stallAfterChunks: 2 } : { text: 'Hi.' },
    });
    h.speak('hello', { durationMs: 500 }); // committed at 1000, speaking from 1100
    await h.advance(5900);
    expect(h.agentState()).toBe('SPEAKING'); // text 'Let me ' played; no end of stream yet
    await h.advance(200); // llmResponseTimeout counted from the commit
    await h.advance(500);
    expect(h.agentState()).toBe('IDLE');
    expect(timeoutError(h, 'llmResponse')).toHaveLength(1);
    expect(h.events('error')).toContainEqual(expect.objectContaining({ source: 'llm' }));
    expect(h.context().stats.timeouts).toEqual({ llmResponse: 1 });
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Let me ' });
    await answersNextTurn(h, 'Hi.');
  });

  it('TTS first audio: a segment that never produces audio is abandoned', async () => {
    const h = createHarness({
      llm: (_i, n) => ({ text: n === 0 ? 'Never heard.' : 'Now you hear me.' }),
      ttsFor: (segment) => (segment === 0 ? { silent: true } : undefined),
    });
    h.speak('hello', { durationMs: 500 }); // committed at 1000, text sent to TTS at once
    await h.advance(10_900);
    expect(h.agentState()).toBe('THINKING');
    await h.advance(200); // ttsFirstAudioTimeout (10 s)
    expect(h.agentState()).toBe('IDLE');
    expect(timeoutError(h, 'ttsFirstAudio')).toHaveLength(1);
    expect(h.context().stats.timeouts).toEqual({ ttsFirstAudio: 1 });
    expect(Object.values(h.speechCommands)[0]).toContain('speech.stop');
    expect(h.context().chat.filter((m) => m.role === 'assistant')).toHaveLength(0);
    await answersNextTurn(h, 'Now you hear me.');
  });

  it('a watchdog that ends a reply while the user talks leaves the floor to the user', async () => {
    const h = createHarness({
      config: { ttsFirstAudioTimeout: 2000, thinkingMinInterruptionDuration: 5000 },
      llm: (_i, n) => ({ text: n === 0 ? 'Never heard.' : 'Answering the second part.' }),
      ttsFor: (segment) => (segment === 0 ? { silent: true } : undefined),
    });
    h.speak('hello', { durationMs: 500 }); // committed at 1000; first-audio timeout at 3000
    h.speak('and another thing', { inMs: 2500, durationMs: 1500 }); // talking 2500 to 4000
    await h.advance(3100);
    expect(timeoutError(h, 'ttsFirstAudio')).toHaveLength(1);
    expect(h.matches({ agent: { LISTENING: 'userSpeaking' } })).toBe(true);
    expect(h.agentStates).not.toContain('SPEAKING');
    await h.advance(6000);
    expect(h.events('user.turnCompleted').map((e) => e.text)).toEqual([
      'hello',
      'and another thing',
    ]);
    expect(h.context().chat.at(-1)).toMatchObject({
      role: 'assistant',
      content: 'Answering the second part.',
    });
    expect(h.agentState()).toBe('IDLE');
  });

  it('TTS response: synthesis that never finishes is stopped; what was heard is kept', async () => {
    const h = createHarness({
      config: { ttsResponseTimeout: 2000 },
      llm: (_i, n) => ({ text: n === 0 ? tenWords : 'Recovered.' }),
      ttsFor: (segment) => (segment === 0 ? { neverDone: true } : undefined),
    });
    h.speak('count to ten', { durationMs: 500 }); // committed at 1000, all text sent to TTS
    await h.advance(2900);
    expect(h.agentState()).toBe('SPEAKING');
    await h.advance(200); // ttsResponseTimeout from the end of text: stop at 3000, 1900 ms played
    expect(h.agentState()).toBe('IDLE');
    expect(timeoutError(h, 'ttsResponse')).toHaveLength(1);
    expect(h.context().stats.timeouts).toEqual({ ttsResponse: 1 });
    expect(h.events('agent.interrupted')).toHaveLength(0); // an error, not a barge-in
    expect(h.context().chat.at(-1)).toMatchObject({
      role: 'assistant',
      content: 'one two three four five',
      interrupted: true,
    });
    await answersNextTurn(h, 'Recovered.');
  });

  it('playout end: audio that never reports its end is stopped after the remaining audio plus grace', async () => {
    const h = createHarness({
      llm: (_i, n) => ({ text: n === 0 ? tenWords : 'Recovered.' }),
      ttsFor: (segment) => (segment === 0 ? { neverFinishPlayout: true } : undefined),
    });
    h.speak('count to ten', { durationMs: 500 }); // speaking from 1100, synthesis done at 1100
    await h.advance(7000); // 4000 ms of audio + playoutGraceTimeout 2000 → 7100
    expect(h.agentState()).toBe('SPEAKING');
    await h.advance(200);
    expect(h.agentState()).toBe('IDLE');
    expect(h.events('error')).toContainEqual(
      expect.objectContaining({ source: 'playout', recoverable: true }),
    );
    expect(h.context().stats.timeouts).toEqual({ playoutGrace: 1 });
    expect(h.context().chat.at(-1)).toMatchObject({ role: 'assistant', content: tenWords });
    await answersNextTurn(h, 'Recovered.');
  });

  it('interrupt settle: a stopped speech that never reports is settled; the user turn proceeds', async () => {
    const h = createHarness({
      llm: (_i, n) => ({ text: n === 0 ? tenWords : 'Okay, stopping.' }),
      tts: { stopLatencyMs: Number.POSITIVE_INFINITY },
    });
    h.speak('count to ten', { durationMs: 500 }); // speaking from 1100
    await h.advance(2000);
    h.speak('stop right there', { durationMs: 900 }); // paused at 2500, final at 3050 → stop
    await h.advance(1100);
    expect(h.matches({ agent: { PAUSED: 'settling' } })).toBe(true);
    await h.advance(4900);
    expect(h.agentState()).toBe('PAUSED'); // still waiting for the stopped speech
    await h.advance(200); // interruptSettleTimeout (5 s) from the stop
    expect(h.agentStates.at(-1)).not.toBe('PAUSED');
    expect(timeoutError(h, 'interruptSettle')).toHaveLength(1);
    expect(h.context().stats).toMatchObject({ interruptions: 1, timeouts: { interruptSettle: 1 } });
    // No position was ever reported: it is estimated from the timeline (played from 1100 to
    // the pause at 2500, 1400 ms at the configured speaking rate), so the words heard are kept.
    const [interrupted] = h.events('agent.interrupted');
    expect(interrupted).toMatchObject({ reason: 'user' });
    expect(interrupted?.playedText).toBe('one two three four'); // word 4 starts at 1071 ms
    expect(h.context().chat[1]).toMatchObject({
      role: 'assistant',
      interrupted: true,
      content: 'one two three four',
    });
    await h.advance(3000);
    expect(h.agentState()).toBe('IDLE');
    expect(h.events('user.turnCompleted').map((e) => e.text)).toEqual([
      'count to ten',
      'stop right there',
    ]);
    expect(h.context().chat.at(-1)).toMatchObject({
      role: 'assistant',
      content: 'Okay, stopping.',
    });
  });

  it('interrupt settle: session.interrupt on a speech that never reports still reaches IDLE', async () => {
    const h = createHarness({
      llm: (_i, n) => ({ text: n === 0 ? tenWords : 'Hello.' }),
      tts: { stopLatencyMs: Number.POSITIVE_INFINITY },
    });
    h.speak('count to ten', { durationMs: 500 });
    await h.advance(2000);
    h.send({ type: 'session.interrupt', at: h.clock.now() });
    await h.advance(4900);
    expect(h.agentState()).toBe('SPEAKING');
    await h.advance(200);
    expect(h.agentState()).toBe('IDLE');
    expect(h.context().stats.timeouts).toEqual({ interruptSettle: 1 });
    expect(h.events('agent.interrupted')).toEqual([expect.objectContaining({ reason: 'command' })]);
    await answersNextTurn(h, 'Hello.');
  });
});
