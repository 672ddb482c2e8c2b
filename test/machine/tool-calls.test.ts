/**
 * Tool calls run after the LLM step is committed (never speculatively), the reply continues with
 * a follow-up LLM step that sees the results, and a barge-in while a tool is pending cancels it
 * and records a result for every call so the chat stays valid for the next request.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.ts';

const weatherCall = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };

describe('tool calls', () => {
  it('executes the tool, then a follow-up step answers with its result', async () => {
    const h = createHarness({
      llm: (input) =>
        input.messages.some((m) => m.role === 'tool')
          ? { text: 'It is sunny in Paris.' }
          : { text: 'Let me check.', toolCalls: [weatherCall] },
      tools: { get_weather: { latencyMs: 300, output: '{"sky":"sunny"}' } },
    });
    h.speak('weather in paris', { durationMs: 800 });
    await h.advance(10_000);
    expect(h.toolCalls).toEqual(['get_weather']);
    const roles = h.context().chat.map((m) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(h.context().chat[1]).toMatchObject({
      content: 'Let me check.',
      toolCalls: [weatherCall],
    });
    expect(h.context().chat[2]).toMatchObject({ toolCallId: 'call_1', content: '{"sky":"sunny"}' });
    expect(h.context().chat[3]).toMatchObject({ content: 'It is sunny in Paris.' });
    expect(h.agentState()).toBe('IDLE');
  });

  it('a speculative request with tool calls runs no tool until the turn is committed', async () => {
    const h = createHarness({
      llm: (input) =>
        input.messages.some((m) => m.role === 'tool')
          ? { text: 'Done.' }
          : { ttftMs: 10, toolCalls: [weatherCall] },
    });
    h.speak('weather in paris', { durationMs: 800 });
    await h.advance(1100); // final at 950, speculation done by ~960, commit at 1300
    expect(h.llmRequests[0]?.speculative).toBe(true);
    expect(h.toolCalls).toEqual([]);
    await h.advance(5000);
    expect(h.toolCalls).toEqual(['get_weather']);
  });

  it('barge-in while a tool is pending cancels it and records a cancelled result', async () => {
    const h = createHarness({
      llm: (_i, n) =>
        n === 0
          ? {
              text: 'Let me look that up for you right now, one moment please.',
              toolCalls: [weatherCall],
            }
          : { text: 'Okay, forgotten.' },
      tools: { get_weather: { hang: true } },
    });
    h.speak('weather in paris', { durationMs: 800 });
    await h.advance(2500);
    expect(h.agentState()).toBe('SPEAKING');
    h.speak('forget it', { durationMs: 800 });
    await h.advance(3000);
    const tool = h.context().chat.find((m) => m.role === 'tool');
    expect(tool).toMatchObject({ toolCallId: 'call_1', isError: true });
    expect(h.context().chat.find((m) => m.role === 'assistant')).toMatchObject({
      interrupted: true,
    });
    await h.advance(10_000);
    expect(h.agentState()).toBe('IDLE');
  });

  it('a tool that never answers times out into an error result', async () => {
    const h = createHarness({
      config: { toolTimeout: 1000 },
      llm: (input) =>
        input.messages.some((m) => m.role === 'tool')
          ? { text: 'Sorry, that failed.' }
          : { toolCalls: [weatherCall] },
      tools: { get_weather: { hang: true } },
    });
    h.speak('weather', { durationMs: 500 });
    await h.advance(6000);
    expect(h.context().chat.find((m) => m.role === 'tool')).toMatchObject({ isError: true });
    expect(h.context().chat.at(-1)).toMatchObject({ content: 'Sorry, that failed.' });
    expect(h.context().stats.timeouts['tool']).toBe(1);
  });
});
