import { describe, expect, it } from 'vitest';
import type { LlmChunk } from '../../../src/providers/llm.ts';
import { demoWeatherTool, RuleBasedLlm } from '../../../src/providers/local/rule-based-llm.ts';
import type { ChatMessage } from '../../../src/text/chat-context.ts';

const user = (content: string, id = 'u'): ChatMessage => ({ id, role: 'user', content });
const tools = [demoWeatherTool];

async function collect(stream: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

const textOf = (chunks: LlmChunk[]) =>
  chunks.map((c) => (c.type === 'delta' ? c.text : '')).join('');

describe('RuleBasedLlm', () => {
  it('streams a greeting word by word and ends with done', async () => {
    const chunks = await collect(new RuleBasedLlm().chat({ messages: [user('hello there')] }));
    expect(chunks.filter((c) => c.type === 'delta').length).toBeGreaterThan(3);
    expect(textOf(chunks)).toMatch(/^Hello! I'm Chart/);
    expect(chunks.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
  });

  it('calls get_weather for a city, tolerating "whether" from the recognizer', async () => {
    const llm = new RuleBasedLlm();
    const chunks = await collect(
      llm.chat({ messages: [user("what's the whether like in paris today")], tools }),
    );
    const call = chunks.find((c) => c.type === 'toolCall');
    expect(call?.type === 'toolCall' && call.call.name).toBe('get_weather');
    expect(call?.type === 'toolCall' && JSON.parse(call.call.arguments)).toEqual({ city: 'Paris' });
    expect(chunks.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('reads the tool result back as a sentence', async () => {
    const result = demoWeatherTool.execute(
      { city: 'Paris' },
      {
        signal: new AbortController().signal,
        callId: 'c1',
      },
    ) as { celsius: number; sky: string };
    const messages: ChatMessage[] = [
      user('weather in paris'),
      {
        id: 'a',
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      {
        id: 't',
        role: 'tool',
        toolCallId: 'c1',
        name: 'get_weather',
        content: JSON.stringify(result),
      },
    ];
    const text = textOf(await collect(new RuleBasedLlm().chat({ messages, tools })));
    expect(text).toBe(`In Paris it is ${result.celsius} degrees and ${result.sky}. Anything else?`);
  });

  it('asks which city, then uses the answer', () => {
    const llm = new RuleBasedLlm();
    const first = llm.reply([user('what is the weather')], tools);
    expect(first).toEqual({ text: 'Sure, which city should I check the weather for?' });
    const second = llm.reply(
      [
        user('what is the weather'),
        { id: 'a', role: 'assistant', content: 'text' in first ? first.text : '' },
        user('london please'),
      ],
      tools,
    );
    expect(second).toEqual({ toolCall: { name: 'get_weather', args: { city: 'London' } } });
  });

  it('does sums said in words, remembers names, and falls back to a follow-up', () => {
    const llm = new RuleBasedLlm();
    expect(llm.reply([user('what is twenty three plus four')], [])).toEqual({
      text: '23 plus 4 is 27. Anything else?',
    });
    // The recognizer's homophones of number words, with no "what" in front.
    expect(llm.reply([user('is to plus five')], [])).toEqual({
      text: '2 plus 5 is 7. Anything else?',
    });
    expect(llm.reply([user('what is six times for please')], [])).toEqual({
      text: '6 times 4 is 24. Anything else?',
    });
    expect(llm.reply([user('my name is ada')], [])).toEqual({
      text: 'Nice to meet you, Ada. What can I do for you today?',
    });
    const fallback = llm.reply([user('tell me about quantum chromodynamics')], []);
    expect('text' in fallback && fallback.text).toMatch(/Could you tell me more/);
  });

  it('without the tool, says it cannot look up the weather instead of calling it', () => {
    expect(new RuleBasedLlm().reply([user('weather in rome')], [])).toEqual({
      text: 'I cannot look up the weather in this setup, sorry.',
    });
  });

  it('stops with the abort reason when cancelled', async () => {
    const controller = new AbortController();
    const stream = new RuleBasedLlm().chat({
      messages: [user('hello')],
      signal: controller.signal,
    });
    controller.abort(new Error('barge-in'));
    await expect(collect(stream)).rejects.toThrow('barge-in');
  });

  it('the demo weather tool is deterministic and refuses an empty city', () => {
    const ctx = { signal: new AbortController().signal, callId: 'c' };
    expect(demoWeatherTool.execute({ city: 'Oslo' }, ctx)).toEqual(
      demoWeatherTool.execute({ city: 'Oslo' }, ctx),
    );
    expect(() => demoWeatherTool.execute({ city: ' ' }, ctx)).toThrow('a city is required');
  });
});
