/**
 * `session.say` plays a fixed text without the LLM and adds it to the chat as an assistant
 * message (unless `addToChat: false`). It waits its turn behind the current speech, can opt out of
 * interruptions, and when interrupted keeps only what was heard. `session.interrupt` stops the
 * current speech and drops the queue; `session.generateReply` starts an LLM reply on command.
 */
import { describe, expect, it } from 'vitest';
import { createHarness, type HarnessOptions } from '../helpers/harness.ts';

const tenWords = 'one two three four five six seven eight nine ten';

/** say(tenWords) at 0: first audio at 100, 400 ms a word; the user barges in at 1000. */
async function interruptedSay(options: HarnessOptions) {
  const h = createHarness(options);
  h.send({ type: 'session.say', at: 0, text: tenWords });
  h.speak('hold on please', { inMs: 1000, durationMs: 900 }); // paused at 1500: 1400 ms played
  await h.advance(6000);
  return h;
}

describe('session.say', () => {
  it('plays the text and adds it to the chat as an assistant message, without the LLM', async () => {
    const h = createHarness();
    h.send({ type: 'session.say', at: 0, text: 'Welcome to the demo.' });
    await h.advance(5000);
    expect(h.agentStates).toEqual(['IDLE', 'THINKING', 'SPEAKING', 'IDLE']);
    expect(h.llmRequests).toHaveLength(0);
    expect(h.context().chat).toEqual([
      expect.objectContaining({ role: 'assistant', content: 'Welcome to the demo.' }),
    ]);
    expect(h.events('agent.speechCommitted')).toHaveLength(1);
    expect(Object.values(h.speechCommands)[0]).toEqual([
      'speech.text',
      'speech.end',
      'speech.play',
    ]);
  });

  it('allowInterruptions: false is neither paused nor interrupted by user speech', async () => {
    const h = createHarness();
    h.send({ type: 'session.say', at: 0, text: tenWords, allowInterruptions: false });
    h.speak('hold on please', { inMs: 1000, durationMs: 1500 });
    await h.advance(8000);
    expect(h.agentStates).not.toContain('PAUSED');
    expect(h.events('agent.paused')).toHaveLength(0);
    expect(h.events('agent.interrupted')).toHaveLength(0);
    const said = h.context().chat.find((m) => m.role === 'assistant');
    expect(said).toMatchObject({ content: tenWords });
    expect(said && 'interrupted' in said ? said.interrupted : undefined).toBeUndefined();
    expect(h.agentState()).toBe('IDLE');
  });

  it('by default user speech pauses a say()', async () => {
    const h = createHarness();
    h.send({ type: 'session.say', at: 0, text: tenWords });
    h.speak('', { inMs: 1000, durationMs: 700 }); // no transcript: resumes after 2000 ms
    await h.advance(2000);
    expect(h.agentStates).toContain('PAUSED');
    await h.advance(6000);
    expect(h.events('agent.falseInterruptionResumed')).toHaveLength(1);
    expect(h.context().chat).toEqual([expect.objectContaining({ content: tenWords })]);
  });

  it('an interrupted say() keeps only the words heard, from the TTS word timings', async () => {
    const h = await interruptedSay({ tts: { wordTimings: true } });
    expect(h.context().chat[0]).toMatchObject({
      role: 'assistant',
      content: 'one two three four', // words starting before 1400 ms: 0, 400, 800, 1200
      interrupted: true,
    });
    expect(h.events('agent.interrupted')).toEqual([
      expect.objectContaining({ reason: 'user', playedText: 'one two three four' }),
    ]);
    // The user's utterance then takes the turn and is answered.
    expect(h.context().chat.slice(1)).toEqual([
      expect.objectContaining({ role: 'user', content: 'hold on please' }),
      expect.objectContaining({ role: 'assistant', content: 'Sure, I can help with that.' }),
    ]);
  });

  it('without word timings, what was heard is estimated from speakingRateWordsPerSecond', async () => {
    const estimate = await interruptedSay({ tts: { wordTimings: false } });
    // 1400 ms at 2.8 words/s: ceil(3.92) = 4 words
    expect(estimate.context().chat[0]).toMatchObject({
      content: 'one two three four',
      interrupted: true,
    });
    const faster = await interruptedSay({
      tts: { wordTimings: false },
      config: { speakingRateWordsPerSecond: 5 },
    });
    // 1400 ms at 5 words/s: 7 words
    expect(faster.context().chat[0]).toMatchObject({
      content: 'one two three four five six seven',
      interrupted: true,
    });
  });

  it('addToChat: false plays but adds nothing to the chat', async () => {
    const h = createHarness();
    h.send({ type: 'session.say', at: 0, text: 'Just so you know.', addToChat: false });
    await h.advance(5000);
    expect(h.agentStates).toContain('SPEAKING');
    expect(h.context().chat).toEqual([]);
    expect(h.context().chatVersion).toBe(0);
    expect(h.events('agent.speechCommitted')).toHaveLength(0);
  });

  it('say() while the agent is speaking is queued and plays after the current speech', async () => {
    const h = createHarness({ llm: () => ({ text: 'The answer is forty two.' }) });
    h.speak('what is the answer', { durationMs: 1000 }); // speaking from 1600 to 3600
    await h.advance(2000);
    expect(h.agentState()).toBe('SPEAKING');
    h.send({ type: 'session.say', at: h.clock.now(), text: 'Anything else?' });
    await h.advance(1000);
    expect(h.context().queue).toHaveLength(1);
    expect(Object.keys(h.speechCommands)).toHaveLength(1);
    await h.advance(5000);
    expect(h.context().queue).toHaveLength(0);
    expect(h.context().chat.map((m) => m.content)).toEqual([
      'what is the answer',
      'The answer is forty two.',
      'Anything else?',
    ]);
    // The queued say() starts in the same step the reply ends (IDLE is only passed through).
    expect(h.agentStates).toEqual([
      'IDLE',
      'LISTENING',
      'THINKING',
      'SPEAKING',
      'THINKING',
      'SPEAKING',
      'IDLE',
    ]);
  });

  it('session.interrupt stops the current speech and clears the queue', async () => {
    const h = createHarness();
    h.send({ type: 'session.say', at: 0, text: tenWords });
    h.send({ type: 'session.say', at: 0, text: 'Never said.' });
    h.send({ type: 'session.generateReply', at: 0 });
    await h.advance(1100); // 1000 ms played
    expect(h.context().queue).toHaveLength(2);
    h.send({ type: 'session.interrupt', at: h.clock.now() });
    await h.advance(5000);
    expect(h.agentState()).toBe('IDLE');
    expect(h.context().queue).toHaveLength(0);
    expect(Object.keys(h.speechCommands)).toHaveLength(1);
    expect(h.llmRequests).toHaveLength(0);
    expect(h.events('agent.interrupted')).toEqual([
      expect.objectContaining({ reason: 'command', playedText: 'one two three' }),
    ]);
    expect(h.context().chat).toEqual([
      expect.objectContaining({ content: 'one two three', interrupted: true }),
    ]);
  });
});

describe('session.generateReply', () => {
  it('adds userInput as the user message when the reply starts and passes instructions', async () => {
    const h = createHarness({ llm: () => ({ text: 'It is noon.' }) });
    h.send({ type: 'session.say', at: 0, text: 'Hello there.' });
    h.send({
      type: 'session.generateReply',
      at: 0,
      userInput: 'What time is it?',
      instructions: 'Answer in three words.',
    });
    await h.advance(500); // the say() is playing; the reply waits
    expect(h.context().chat.filter((m) => m.role === 'user')).toHaveLength(0);
    await h.advance(5000);
    expect(h.context().chat.map((m) => [m.role, m.content])).toEqual([
      ['assistant', 'Hello there.'],
      ['user', 'What time is it?'],
      ['assistant', 'It is noon.'],
    ]);
    expect(h.llmRequests).toHaveLength(1);
    expect(h.llmRequests[0]).toMatchObject({
      instructions: 'Answer in three words.',
      speculative: false,
      toolChoice: 'auto',
    });
    expect(h.llmRequests[0]?.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'What time is it?',
    });
    expect(h.agentState()).toBe('IDLE');
  });

  it('without userInput replies to the chat as it is', async () => {
    const h = createHarness({ llm: () => ({ text: 'Hi, how can I help?' }) });
    h.send({ type: 'session.generateReply', at: 0, instructions: 'Greet the user.' });
    await h.advance(5000);
    expect(h.llmRequests[0]?.messages).toEqual([]);
    expect(h.llmRequests[0]?.instructions).toBe('Greet the user.');
    expect(h.context().chat).toEqual([
      expect.objectContaining({ role: 'assistant', content: 'Hi, how can I help?' }),
    ]);
  });
});
