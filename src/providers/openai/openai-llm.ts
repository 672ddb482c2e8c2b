/**
 * LLM provider for the OpenAI chat-completions API and the servers that speak it (llama.cpp's
 * `llama-server`, Ollama, vLLM, LM Studio, ...), on the official `openai` SDK.
 */

import { Duration, Effect, Schedule } from 'effect';
import type OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { ProviderError, ProviderTimeoutError } from '../errors.ts';
import type { Llm, LlmCapabilities, LlmChatRequest, LlmChunk } from '../llm.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import {
  type DeveloperRole,
  ToolCallAccumulator,
  toChatCompletionMessages,
  toChatCompletionTools,
} from './chat-format.ts';
import {
  causeCode,
  causeMessage,
  createOpenAiClient,
  type ErrorContext,
  isNetworkFailure,
  isOpenAiPlatform,
  missingKeyError,
  type OpenAiConnection,
  type OpenAiConnectionOptions,
  readEnv,
  resolveConnection,
  toProviderError,
} from './client.ts';

/** Options of {@link OpenAiLlm}. */
export interface OpenAiLlmOptions extends OpenAiConnectionOptions {
  /** e.g. `'gpt-4o-mini'`, or the model name your local server serves (`'llama3.2'` on Ollama). */
  model: string;
  temperature?: number;
  /** Upper bound on generated tokens; sent as {@link OpenAiLlmOptions.maxTokensField}. */
  maxTokens?: number;
  /**
   * Deadline for the first output of each attempt (connection, headers, then the first text,
   * tool-call or reasoning token), in ms. A slow first token is retried like a failed
   * request. Not applied after that: a stream that stalls later runs until `signal` aborts
   * it. Default 30000.
   */
  timeoutMs?: number;
  /**
   * Retries of a request that failed before producing any output (429, 5xx, connection
   * errors, timeouts, a stream dropped before its first token). Once output has been
   * yielded the request is never retried: the error is thrown. Default 2.
   */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each next one, in ms. Default 250. */
  retryDelayMs?: number;
  /** Role `developer` messages are sent as. Default `'system'`, which every server knows. */
  developerRole?: DeveloperRole;
  /**
   * Request field for `maxTokens`. Default `'max_completion_tokens'` on api.openai.com
   * (reasoning models reject `max_tokens`), `'max_tokens'` elsewhere (llama-cpp-python,
   * llamafile and older llama.cpp ignore the newer name).
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Default `'openai-llm'`. */
  label?: string;
}

/** The SDK stream once it has produced its first meaningful chunk. */
interface OpenedStream {
  iterator: AsyncIterator<ChatCompletionChunk>;
  first: ChatCompletionChunk;
}

const DEFAULTS = { timeoutMs: 30_000, maxRetries: 2, retryDelayMs: 250 };

/**
 * Whether a chunk shows the model producing something: text, tool calls, reasoning
 * (`reasoning_content` on llama.cpp / vLLM / DeepSeek), a finish reason or usage. Role-only
 * chunks and empty ones (Azure's content-filter results) don't.
 */
function hasOutput(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage) return true;
  const choice = chunk.choices?.[0];
  if (choice === undefined) return false;
  if (choice.finish_reason) return true;
  const delta = (choice.delta ?? {}) as Record<string, unknown>;
  return Object.entries(delta).some(
    ([key, value]) =>
      key !== 'role' &&
      value !== null &&
      value !== undefined &&
      value !== '' &&
      !(Array.isArray(value) && value.length === 0),
  );
}

/**
 * Streaming chat completions with tool calls through the official `openai` SDK.
 *
 * - Messages map to the chat-completions format (assistant `tool_calls`, `tool` messages
 *   with `tool_call_id`); tools become `{ type: 'function', function }` entries.
 * - Tool calls stream in fragments; each is emitted complete (id, name, JSON arguments) once
 *   the model finishes, in order. Usage is requested with `stream_options.include_usage`
 *   and emitted as a `usage` chunk when the server sends it; `done` comes last.
 * - Failures before the first output (HTTP 408/409/429/5xx, connection errors, the
 *   first-token deadline `timeoutMs`, a stream dropped before its first token) are retried
 *   with exponential backoff (Effect `Schedule`); after output was yielded nothing is
 *   retried. Errors are {@link ProviderError}s whose `code` is the HTTP status (or
 *   `'timeout'`, a socket error code, `'incomplete'`): 401 says to set `OPENAI_API_KEY`, a
 *   refused connection names the base URL, and a stream cut short (no `finish_reason`)
 *   fails instead of passing for a complete answer.
 * - Aborting `signal` closes the HTTP stream; iteration then throws the abort reason.
 *   Leaving the `for await` loop early closes it too.
 *
 * Configuration comes from the options, else the environment: `OPENAI_BASE_URL`,
 * `OPENAI_API_KEY` (a placeholder is sent to servers other than api.openai.com when it is
 * unset) and, through {@link OpenAiLlm.fromEnv}, `VOICECHART_LLM_MODEL`. The SDK's own
 * retries are disabled (they would multiply with these).
 *
 * @example
 * ```ts
 * // OpenAI: OPENAI_API_KEY=sk-... VOICECHART_LLM_MODEL=gpt-4o-mini
 * // llama.cpp: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 VOICECHART_LLM_MODEL=any (no key needed)
 * // Ollama: OPENAI_BASE_URL=http://127.0.0.1:11434/v1 VOICECHART_LLM_MODEL=llama3.2
 * const llm = OpenAiLlm.isConfigured() ? OpenAiLlm.fromEnv() : new RuleBasedLlm();
 * for await (const chunk of llm.chat({ messages, tools, signal })) {
 *   if (chunk.type === 'delta') process.stdout.write(chunk.text);
 *   else if (chunk.type === 'toolCall') console.log(chunk.call.name, JSON.parse(chunk.call.arguments));
 * }
 * ```
 */
export class OpenAiLlm implements Llm<OpenAiLlmOptions> {
  readonly label: string;
  readonly capabilities: LlmCapabilities = { streaming: true, toolCalls: true };
  private opts: OpenAiLlmOptions;
  private conn: OpenAiConnection;
  private client: OpenAI;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(opts: OpenAiLlmOptions) {
    this.opts = { ...opts };
    this.label = opts.label ?? 'openai-llm';
    this.conn = resolveConnection(opts);
    this.client = createOpenAiClient(this.conn);
  }

  /** Whether the environment names an endpoint: `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set. */
  static isConfigured(): boolean {
    return readEnv('OPENAI_BASE_URL') !== undefined || readEnv('OPENAI_API_KEY') !== undefined;
  }

  /**
   * Options from the environment, overridden by `overrides`:
   * - `OPENAI_BASE_URL`: the server, default `https://api.openai.com/v1`;
   * - `OPENAI_API_KEY`: optional for local servers (a placeholder is sent);
   * - `VOICECHART_LLM_MODEL`: the model; defaults to `gpt-4o-mini` on api.openai.com and is
   *   required for other servers (they serve models of their own).
   *
   * @throws Error when no model is set for a non-OpenAI server.
   */
  static fromEnv(overrides: Partial<OpenAiLlmOptions> = {}): OpenAiLlm {
    const { baseURL } = resolveConnection(overrides);
    let model = overrides.model ?? readEnv('VOICECHART_LLM_MODEL');
    if (model === undefined) {
      if (!isOpenAiPlatform(baseURL)) {
        throw new Error(
          `OpenAiLlm.fromEnv: set VOICECHART_LLM_MODEL to a model served by ${baseURL} (e.g. llama3.2 on Ollama)`,
        );
      }
      model = 'gpt-4o-mini';
    }
    return new OpenAiLlm({ ...overrides, baseURL, model });
  }

  /** Where requests go: the resolved base URL, and whether a real key is configured. */
  get connection(): { baseURL: string; keyConfigured: boolean } {
    return { baseURL: this.conn.baseURL, keyConfigured: this.conn.keyConfigured };
  }

  /** Takes effect for the next request; a new `baseURL` or `apiKey` makes a new client. */
  updateOptions(opts: Partial<OpenAiLlmOptions>): void {
    const reconnect =
      (opts.baseURL !== undefined && opts.baseURL !== this.opts.baseURL) ||
      (opts.apiKey !== undefined && opts.apiKey !== this.opts.apiKey);
    this.opts = { ...this.opts, ...opts };
    if (reconnect) {
      this.conn = resolveConnection(this.opts);
      this.client = createOpenAiClient(this.conn);
    }
  }

  /** Nothing to load: connections open on the first request. */
  async prewarm(): Promise<void> {}

  /** Aborts requests in flight (their iteration throws a `ProviderError`); later `chat()` calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const request of this.inFlight) {
      request.abort(new ProviderError(this.label, 'closed while streaming', { code: 'closed' }));
    }
    this.inFlight.clear();
  }

  chat(req: LlmChatRequest): AsyncIterable<LlmChunk> {
    return this.stream(req);
  }

  private async *stream(req: LlmChatRequest): AsyncGenerator<LlmChunk> {
    req.signal?.throwIfAborted();
    if (this.closed) {
      throw new ProviderError(this.label, 'chat() called after close()', { code: 'closed' });
    }
    const missingKey = missingKeyError(this.label, this.conn);
    if (missingKey) throw missingKey;
    const opts = this.opts;
    const ctx: ErrorContext = {
      label: this.label,
      baseURL: this.conn.baseURL,
      model: opts.model,
      operation: 'chat completion',
    };
    // This request's lifetime: the caller's abort, close(), or the consumer leaving the loop.
    const request = new AbortController();
    const unsubscribe = subscribeAbort(req.signal, (reason) => request.abort(reason));
    this.inFlight.add(request);
    try {
      const { iterator, first } = await this.open(this.client, this.body(req, opts), request, ctx);
      const calls = new ToolCallAccumulator();
      let finishReason: string | undefined;
      for (let chunk: ChatCompletionChunk | undefined = first; chunk !== undefined; ) {
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) yield { type: 'delta', text: choice.delta.content };
        for (const [position, fragment] of (choice?.delta?.tool_calls ?? []).entries()) {
          calls.add(fragment, position);
        }
        if (choice?.finish_reason) {
          finishReason = choice.finish_reason;
          for (const call of calls.flush()) yield { type: 'toolCall', call };
        }
        if (chunk.usage) {
          yield {
            type: 'usage',
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
          };
        }
        chunk = await this.next(iterator, ctx, finishReason !== undefined);
      }
      // The SDK ends a stream quietly when it is aborted, and when the body ends early.
      if (request.signal.aborted) throw request.signal.reason;
      if (finishReason === undefined) {
        throw new ProviderError(
          this.label,
          `chat completion stream from ${ctx.baseURL} ended without a finish_reason: the answer is incomplete`,
          { retryable: true, code: 'incomplete' },
        );
      }
      yield { type: 'done', finishReason };
    } catch (err) {
      if (request.signal.aborted) throw request.signal.reason;
      throw toProviderError(err, ctx);
    } finally {
      unsubscribe();
      this.inFlight.delete(request);
      request.abort(); // closes the HTTP stream if it is still open
    }
  }

  private body(req: LlmChatRequest, opts: OpenAiLlmOptions): ChatCompletionCreateParamsStreaming {
    const body: ChatCompletionCreateParamsStreaming = {
      model: opts.model,
      messages: toChatCompletionMessages(req.messages, opts.developerRole),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (req.tools !== undefined && req.tools.length > 0) {
      body.tools = toChatCompletionTools(req.tools);
      if (req.toolChoice !== undefined) body.tool_choice = req.toolChoice;
    }
    if (opts.temperature !== undefined) body.temperature = opts.temperature;
    if (opts.maxTokens !== undefined) {
      const field =
        opts.maxTokensField ??
        (isOpenAiPlatform(this.conn.baseURL) ? 'max_completion_tokens' : 'max_tokens');
      body[field] = opts.maxTokens;
    }
    return body;
  }

  /**
   * Sends the request and reads up to its first meaningful chunk, retrying retryable failures
   * with exponential backoff. Each attempt has its own deadline and its own connection, closed
   * when the attempt fails or is cut short by the deadline or the caller's abort.
   */
  private open(
    client: OpenAI,
    body: ChatCompletionCreateParamsStreaming,
    request: AbortController,
    ctx: ErrorContext,
  ): Promise<OpenedStream> {
    const timeoutMs = this.opts.timeoutMs ?? DEFAULTS.timeoutMs;
    const maxRetries = Math.max(0, Math.floor(this.opts.maxRetries ?? DEFAULTS.maxRetries));
    const retryDelayMs = Math.max(0, this.opts.retryDelayMs ?? DEFAULTS.retryDelayMs);
    const attempt = Effect.tryPromise({
      // `interrupted` aborts when the deadline (or the caller's abort) interrupts the attempt.
      try: (interrupted) =>
        openStream(client, body, AbortSignal.any([request.signal, interrupted]), this.label),
      catch: (err) => toProviderError(err, ctx),
    }).pipe(
      Effect.timeoutOrElse({
        duration: Duration.millis(timeoutMs),
        orElse: () =>
          Effect.fail(
            new ProviderTimeoutError(this.label, `first token from ${ctx.baseURL}`, timeoutMs),
          ),
      }),
    );
    // `times` counts retries: the first attempt runs before the schedule is consulted.
    const backoff = Schedule.exponential(Duration.millis(retryDelayMs)).pipe(
      Schedule.upTo({ times: maxRetries }),
    );
    const withRetries = attempt.pipe(
      Effect.retry({ schedule: backoff, while: (err: ProviderError) => err.retryable }),
    );
    return Effect.runPromise(withRetries, { signal: request.signal });
  }

  /**
   * The next chunk, or undefined at the end. A broken connection is an error (the answer is
   * incomplete), except after the finish reason, when only the usage report can be missing.
   */
  private async next(
    iterator: AsyncIterator<ChatCompletionChunk>,
    ctx: ErrorContext,
    finished: boolean,
  ): Promise<ChatCompletionChunk | undefined> {
    try {
      const result = await iterator.next();
      return result.done ? undefined : result.value;
    } catch (err) {
      if (!isNetworkFailure(err)) throw toProviderError(err, ctx);
      if (finished) return undefined;
      throw new ProviderError(
        this.label,
        `chat completion stream from ${ctx.baseURL} broke off before completion (${causeMessage(err)})`,
        { retryable: true, code: causeCode(err) ?? 'incomplete', cause: err },
      );
    }
  }
}

/** One attempt: the request, then chunks until one carries output. Closes the stream on failure. */
async function openStream(
  client: OpenAI,
  body: ChatCompletionCreateParamsStreaming,
  signal: AbortSignal,
  label: string,
): Promise<OpenedStream> {
  const stream = await client.chat.completions.create(body, { signal });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const result = await iterator.next();
      signal.throwIfAborted();
      if (result.done) {
        throw new ProviderError(label, 'chat completion stream ended before its first token', {
          retryable: true,
          code: 'incomplete',
        });
      }
      if (hasOutput(result.value)) return { iterator, first: result.value };
    }
  } catch (err) {
    await iterator.return?.();
    throw err;
  }
}
