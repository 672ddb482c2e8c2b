// OpenAiLlm through the real `openai` SDK against a loopback server speaking the wire format:
// what goes out (messages, tools, model, stream options), what comes back (text, complete tool
// calls, usage, done), and how failures surface (retries before the first token only, HTTP
// errors with their status, a dropped or cut-short stream, the first-token deadline, abort).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError, ProviderTimeoutError } from '../../../src/providers/errors.ts';
import type { LlmChunk, ToolDefinition } from '../../../src/providers/llm.ts';
import { ToolCallAccumulator } from '../../../src/providers/openai/chat-format.ts';
import { PLACEHOLDER_API_KEY } from '../../../src/providers/openai/client.ts';
import { OpenAiLlm, type OpenAiLlmOptions } from '../../../src/providers/openai/openai-llm.ts';
import type { ChatMessage } from '../../../src/text/chat-context.ts';
import { type OpenAiWireServer, startOpenAiWireServer } from '../../helpers/openai-wire-server.ts';

const hello: ChatMessage[] = [
  { id: 's', role: 'system', content: 'Be brief.' },
  { id: 'u1', role: 'user', content: 'Hi!' },
];

const weatherTool: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const timeTool: ToolDefinition = {
  name: 'get_time',
  description: 'Local time in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let server: OpenAiWireServer;

beforeEach(async () => {
  server = await startOpenAiWireServer();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

function makeLlm(opts: Partial<OpenAiLlmOptions> = {}): OpenAiLlm {
  return new OpenAiLlm({
    baseURL: server.baseURL,
    apiKey: 'test-key',
    model: 'test-model',
    retryDelayMs: 1,
    ...opts,
  });
}

async function collect(chunks: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

/** Collects until the iteration throws; returns what came before and the error. */
async function collectUntilError(
  chunks: AsyncIterable<LlmChunk>,
): Promise<{ chunks: LlmChunk[]; error: unknown }> {
  const out: LlmChunk[] = [];
  try {
    for await (const chunk of chunks) out.push(chunk);
  } catch (error) {
    return { chunks: out, error };
  }
  throw new Error(`expected the stream to fail; it yielded ${JSON.stringify(out)}`);
}

function chatBody(index = 0): Record<string, unknown> {
  const request = server.requestsTo('/chat/completions')[index];
  if (request === undefined) throw new Error(`no chat request #${index}`);
  return request.body as Record<string, unknown>;
}

describe('OpenAiLlm: streaming', () => {
  it('streams text deltas, then usage and done, from what the SDK sent', async () => {
    server.replyChat({
      text: ['Hel', 'lo', ' there'],
      usage: { promptTokens: 12, completionTokens: 3 },
    });
    const chunks = await collect(makeLlm().chat({ messages: hello }));

    expect(chunks).toEqual([
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'delta', text: ' there' },
      { type: 'usage', promptTokens: 12, completionTokens: 3 },
      { type: 'done', finishReason: 'stop' },
    ]);
    const [request] = server.requestsTo('/chat/completions');
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers['authorization']).toBe('Bearer test-key');
    expect(chatBody()).toEqual({
      model: 'test-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi!' },
      ],
    });
  });

  it('sends temperature, max tokens (max_tokens off the OpenAI platform) and developer messages', async () => {
    const llm = makeLlm({ temperature: 0.2, maxTokens: 64, developerRole: 'developer' });
    await collect(
      llm.chat({ messages: [{ id: 'd', role: 'developer', content: 'Speak French.' }] }),
    );
    expect(chatBody()).toMatchObject({
      temperature: 0.2,
      max_tokens: 64,
      messages: [{ role: 'developer', content: 'Speak French.' }],
    });
    expect(chatBody()).not.toHaveProperty('max_completion_tokens');
  });

  it('ends with done without usage when the server sends none', async () => {
    server.replyChat({ text: ['a'], finishReason: 'length', usage: null });
    const chunks = await collect(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([
      { type: 'delta', text: 'a' },
      { type: 'done', finishReason: 'length' },
    ]);
  });
});

describe('OpenAiLlm: tool calls', () => {
  it('sends the tool definitions and reassembles a call split over many chunks', async () => {
    server.replyChat({
      toolCalls: [
        { id: 'call_1', name: 'get_weather', arguments: ['{"ci', 'ty":', ' "Par', 'is"', '}'] },
      ],
    });
    const chunks = await collect(
      makeLlm().chat({ messages: hello, tools: [weatherTool], toolChoice: 'auto' }),
    );

    expect(chunks.filter((c) => c.type !== 'usage')).toEqual([
      {
        type: 'toolCall',
        call: { id: 'call_1', name: 'get_weather', arguments: '{"city": "Paris"}' },
      },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
    expect(chatBody()['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: weatherTool.parameters,
        },
      },
    ]);
    expect(chatBody()['tool_choice']).toBe('auto');
  });

  it('emits two parallel tool calls complete and in index order, after the text', async () => {
    server.replyChat({
      text: ['Checking.'],
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: ['{"city":', '"Oslo"}'] },
        { id: 'call_b', name: 'get_time', arguments: ['{"city"', ':"Lima"', '}'] },
      ],
    });
    const chunks = await collect(
      makeLlm().chat({ messages: hello, tools: [weatherTool, timeTool] }),
    );

    expect(chunks.filter((c) => c.type !== 'usage')).toEqual([
      { type: 'delta', text: 'Checking.' },
      {
        type: 'toolCall',
        call: { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
      { type: 'toolCall', call: { id: 'call_b', name: 'get_time', arguments: '{"city":"Lima"}' } },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
  });

  it('reassembles parallel calls whose fragments interleave, and argument-less calls', async () => {
    const frag = (index: number, fn: Record<string, string>, id?: string) => ({
      tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }],
    });
    server.replyChat({
      deltas: [
        frag(0, { name: 'get_weather', arguments: '' }, 'call_a'),
        frag(1, { name: 'get_time', arguments: '{"ci' }, 'call_b'),
        frag(0, { arguments: '{"city":"Rome"' }),
        frag(1, { arguments: 'ty":"Nuuk"}' }),
        frag(0, { arguments: '}' }),
        frag(2, { name: 'hang_up' }, 'call_c'),
      ],
      finishReason: 'tool_calls',
    });
    const chunks = await collect(makeLlm().chat({ messages: hello }));
    expect(chunks.filter((c) => c.type === 'toolCall').map((c) => c.call)).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { id: 'call_b', name: 'get_time', arguments: '{"city":"Nuuk"}' },
      { id: 'call_c', name: 'hang_up', arguments: '{}' },
    ]);
  });

  it('round-trips assistant tool calls and tool results in the request format', async () => {
    const messages: ChatMessage[] = [
      { id: 'u1', role: 'user', content: 'Weather in Oslo and time in Lima?' },
      {
        id: 'a1',
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { id: 'call_b', name: 'get_time', arguments: '{"city":"Lima"}' },
        ],
      },
      {
        id: 't1',
        role: 'tool',
        toolCallId: 'call_a',
        name: 'get_weather',
        content: '{"sky":"snow"}',
      },
      { id: 't2', role: 'tool', toolCallId: 'call_b', name: 'get_time', content: '09:30' },
      { id: 'a2', role: 'assistant', content: 'Snowing; half past nine.', interrupted: true },
    ];
    await collect(makeLlm().chat({ messages, tools: [weatherTool, timeTool] }));

    expect(chatBody()['messages']).toEqual([
      { role: 'user', content: 'Weather in Oslo and time in Lima?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
          },
          {
            id: 'call_b',
            type: 'function',
            function: { name: 'get_time', arguments: '{"city":"Lima"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"sky":"snow"}' },
      { role: 'tool', tool_call_id: 'call_b', content: '09:30' },
      { role: 'assistant', content: 'Snowing; half past nine.' },
    ]);
  });
});

describe('OpenAiLlm: failures', () => {
  it('retries a 429 before the first token, then streams the answer', async () => {
    server.replyChat({ status: 429, errorMessage: 'Rate limit reached' }, { text: ['fine'] });
    const chunks = await collect(makeLlm().chat({ messages: hello }));
    expect(chunks.filter((c) => c.type === 'delta')).toEqual([{ type: 'delta', text: 'fine' }]);
    expect(server.requestsTo('/chat/completions')).toHaveLength(2);
    // Same request both times.
    expect(chatBody(1)).toEqual(chatBody(0));
  });

  it('gives up after maxRetries with the last error, marked retryable', async () => {
    server.replyChat({ status: 503 }, { status: 502 }, { status: 500, errorMessage: 'boom' });
    const { error } = await collectUntilError(makeLlm({ maxRetries: 2 }).chat({ messages: hello }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: '500', retryable: true, provider: 'openai-llm' });
    expect((error as Error).message).toContain('boom');
    expect(server.requestsTo('/chat/completions')).toHaveLength(3);
  });

  it('does not retry a 400: ProviderError with the status and the server message', async () => {
    server.replyChat({ status: 400, errorMessage: "Invalid schema for function 'get_weather'" });
    const { chunks, error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: '400', retryable: false });
    expect((error as Error).message).toMatch(/HTTP 400: Invalid schema for function 'get_weather'/);
    expect(server.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('says to set OPENAI_API_KEY on a 401', async () => {
    server.replyChat({ status: 401, errorMessage: 'Incorrect API key provided' });
    const { error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(error).toMatchObject({ code: '401', retryable: false });
    expect((error as Error).message).toContain('Set OPENAI_API_KEY');
  });

  it('names the model and base URL on a 404', async () => {
    server.replyChat({ status: 404, errorMessage: 'model not found' });
    const { error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(error).toMatchObject({ code: '404' });
    expect((error as Error).message).toContain('"test-model"');
  });

  it('fails with a ProviderError, without retrying, when the stream drops mid-response', async () => {
    server.replyChat({ text: ['one ', 'two ', 'three'], dropAfterChunks: 2 });
    const { chunks, error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([
      { type: 'delta', text: 'one ' },
      { type: 'delta', text: 'two ' },
    ]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('before completion');
    expect(server.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('fails when a dropped stream took a tool call with it (no silent partial call)', async () => {
    server.replyChat({
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: ['{"city":', '"Oslo"}'] }],
      dropAfterChunks: 2,
    });
    const { chunks, error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
  });

  it('completes when only the usage report was lost after the finish reason', async () => {
    server.replyChat({ text: ['all of it'], dropAfterFinish: true });
    const chunks = await collect(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([
      { type: 'delta', text: 'all of it' },
      { type: 'done', finishReason: 'stop' },
    ]);
  });

  it('retries a stream dropped before its first token', async () => {
    server.replyChat({ text: ['lost'], dropAfterChunks: 0 }, { text: ['kept'] });
    const chunks = await collect(makeLlm().chat({ messages: hello }));
    expect(chunks.filter((c) => c.type === 'delta')).toEqual([{ type: 'delta', text: 'kept' }]);
    expect(server.requestsTo('/chat/completions')).toHaveLength(2);
  });

  it('fails when the stream ends cleanly but without a finish_reason', async () => {
    // A proxy that closes the response properly mid-answer: no socket error, just no end.
    server.replyChat({ text: ['half'], finishReason: null, usage: null });
    const { chunks, error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([{ type: 'delta', text: 'half' }]);
    expect(error).toMatchObject({ code: 'incomplete' });
  });

  it('reports an error event inside the stream as a ProviderError', async () => {
    server.replyChat({
      text: ['par', 'tial'],
      errorEvent: { afterChunks: 1, message: 'overloaded' },
    });
    const { chunks, error } = await collectUntilError(makeLlm().chat({ messages: hello }));
    expect(chunks).toEqual([{ type: 'delta', text: 'par' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('server reported overloaded');
  });

  it('times out a slow first token with ProviderTimeoutError and hangs up', async () => {
    server.replyChat({ text: ['late'], firstTokenDelayMs: 10_000 });
    const llm = makeLlm({ timeoutMs: 100, maxRetries: 0 });
    const { error } = await collectUntilError(llm.chat({ messages: hello }));
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true, timeoutMs: 100 });
    const [request] = server.requestsTo('/chat/completions');
    expect(await request?.closed).toEqual({ finished: false });
  });

  it('retries a first-token timeout like a failed request', async () => {
    server.replyChat({ text: ['late'], firstTokenDelayMs: 10_000 }, { text: ['prompt'] });
    const chunks = await collect(
      makeLlm({ timeoutMs: 500, maxRetries: 1 }).chat({ messages: hello }),
    );
    expect(chunks.filter((c) => c.type === 'delta')).toEqual([{ type: 'delta', text: 'prompt' }]);
  });

  it('times out a server that does not even send headers', async () => {
    server.replyChat({ text: ['late'], firstChunkDelayMs: 10_000 });
    const { error } = await collectUntilError(
      makeLlm({ timeoutMs: 100, maxRetries: 0 }).chat({ messages: hello }),
    );
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(await server.requestsTo('/chat/completions')[0]?.closed).toEqual({ finished: false });
  });

  it('names the base URL when nothing listens there', async () => {
    const baseURL = server.baseURL;
    await server.close();
    server = await startOpenAiWireServer(); // for afterEach
    const { error } = await collectUntilError(
      makeLlm({ baseURL, maxRetries: 0 }).chat({ messages: hello }),
    );
    expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
    expect((error as Error).message).toContain(`cannot connect to ${baseURL}`);
  });
});

describe('OpenAiLlm: cancellation', () => {
  it('abort mid-stream throws the abort reason and closes the connection', async () => {
    server.replyChat({ text: ['a', 'b', 'never'], stallAfterChunks: 2 });
    const controller = new AbortController();
    const reason = new Error('barge-in');
    const seen: LlmChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of makeLlm().chat({ messages: hello, signal: controller.signal })) {
        seen.push(chunk);
        if (seen.length === 2) controller.abort(reason);
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBe(reason);
    expect(seen).toEqual([
      { type: 'delta', text: 'a' },
      { type: 'delta', text: 'b' },
    ]);
    const [request] = server.requestsTo('/chat/completions');
    expect(await request?.closed).toEqual({ finished: false });
  });

  it('abort while waiting for the next chunk ends the iteration', async () => {
    server.replyChat({ text: ['a', 'never'], stallAfterChunks: 1 });
    const controller = new AbortController();
    const iterator = makeLlm()
      .chat({ messages: hello, signal: controller.signal })
      [Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: 'delta', text: 'a' } });
    const pending = iterator.next();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    const [request] = server.requestsTo('/chat/completions');
    expect(await request?.closed).toEqual({ finished: false });
  });

  it('abort before the first token cancels the request (and its retries)', async () => {
    server.replyChat({ text: ['late'], firstTokenDelayMs: 10_000 });
    const controller = new AbortController();
    const chunks = makeLlm().chat({ messages: hello, signal: controller.signal });
    const result = collectUntilError(chunks);
    while (server.requestsTo('/chat/completions').length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort(new Error('never mind'));
    expect((await result).error).toEqual(new Error('never mind'));
    const [request] = server.requestsTo('/chat/completions');
    expect(await request?.closed).toEqual({ finished: false });
    expect(server.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('a signal aborted up front sends nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already'));
    const { error } = await collectUntilError(
      makeLlm().chat({ messages: hello, signal: controller.signal }),
    );
    expect(error).toEqual(new Error('already'));
    expect(server.requests).toHaveLength(0);
  });

  it('leaving the loop early closes the connection', async () => {
    server.replyChat({ text: ['a', 'b'], stallAfterChunks: 2 });
    for await (const chunk of makeLlm().chat({ messages: hello })) {
      if (chunk.type === 'delta') break;
    }
    const [request] = server.requestsTo('/chat/completions');
    expect(await request?.closed).toEqual({ finished: false });
  });

  it('close() aborts streams in flight and refuses new ones', async () => {
    server.replyChat({ text: ['a', 'b'], stallAfterChunks: 1 });
    const llm = makeLlm();
    const iterator = llm.chat({ messages: hello })[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await llm.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await expect(collect(llm.chat({ messages: hello }))).rejects.toThrow(/after close/);
  });
});

describe('OpenAiLlm: configuration', () => {
  it('fromEnv reads OPENAI_BASE_URL and VOICECHART_LLM_MODEL, sending a placeholder key locally', async () => {
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('VOICECHART_LLM_MODEL', 'llama3.2');
    expect(OpenAiLlm.isConfigured()).toBe(true);
    const llm = OpenAiLlm.fromEnv({ retryDelayMs: 1 });
    expect(llm.connection).toEqual({ baseURL: server.baseURL, keyConfigured: false });
    await collect(llm.chat({ messages: hello }));
    const [request] = server.requestsTo('/chat/completions');
    expect(request?.headers['authorization']).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
    expect(chatBody()['model']).toBe('llama3.2');
  });

  it('the constructor takes OPENAI_API_KEY from the environment too', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    await collect(new OpenAiLlm({ baseURL: server.baseURL, model: 'm' }).chat({ messages: hello }));
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-from-env');
  });

  it('fromEnv requires a model for servers other than OpenAI', () => {
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    vi.stubEnv('VOICECHART_LLM_MODEL', '');
    expect(() => OpenAiLlm.fromEnv()).toThrow(/VOICECHART_LLM_MODEL/);
  });

  it('refuses to call api.openai.com without a key, before any network traffic', async () => {
    vi.stubEnv('OPENAI_BASE_URL', '');
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('VOICECHART_LLM_MODEL', '');
    const llm = OpenAiLlm.fromEnv();
    expect(llm.connection.baseURL).toBe('https://api.openai.com/v1');
    await expect(collect(llm.chat({ messages: hello }))).rejects.toMatchObject({
      code: 'no-api-key',
      message: expect.stringContaining('Set OPENAI_API_KEY'),
    });
  });

  it('updateOptions switches model and server for the next request', async () => {
    const other = await startOpenAiWireServer();
    try {
      const llm = makeLlm();
      llm.updateOptions({ baseURL: other.baseURL, model: 'other-model' });
      await collect(llm.chat({ messages: hello }));
      expect(server.requests).toHaveLength(0);
      expect(other.requests[0]?.body).toMatchObject({ model: 'other-model' });
    } finally {
      await other.close();
    }
  });
});

describe('ToolCallAccumulator', () => {
  it('handles servers that split or repeat the name and omit ids', () => {
    let n = 0;
    const calls = new ToolCallAccumulator(() => `gen_${++n}`);
    calls.add({ index: 0, function: { name: 'get_', arguments: '{' } });
    calls.add({ index: 0, function: { name: 'weather', arguments: '}' } });
    calls.add({ index: 1, id: 'x', function: { name: 'get_time', arguments: '{"a"' } });
    calls.add({ index: 1, function: { name: 'get_time', arguments: ':1}' } });
    expect(calls.flush()).toEqual([
      { id: 'gen_1', name: 'get_weather', arguments: '{}' },
      { id: 'x', name: 'get_time', arguments: '{"a":1}' },
    ]);
    expect(calls.empty).toBe(true);
  });

  it('tells complete calls sent without an index apart by position and by id', () => {
    const calls = new ToolCallAccumulator();
    const call = (id: string, name: string) =>
      ({ id, type: 'function', function: { name, arguments: '{}' } }) as never;
    // Two calls in one delta, then a third in the next one: none of them has an index.
    calls.add(call('a', 'hang_up'), 0);
    calls.add(call('b', 'get_time'), 1);
    calls.add(call('c', 'get_weather'), 0);
    expect(calls.flush().map((c) => `${c.id}:${c.name}`)).toEqual([
      'a:hang_up',
      'b:get_time',
      'c:get_weather',
    ]);
  });
});
