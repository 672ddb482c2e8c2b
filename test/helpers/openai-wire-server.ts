/**
 * A loopback HTTP server that speaks the OpenAI wire format, for testing providers through
 * the real `openai` SDK: `POST /v1/chat/completions` (SSE streaming and plain JSON) and
 * `POST /v1/audio/transcriptions` (multipart in, `json` / `verbose_json` out). Replies are
 * scripted in order (HTTP errors, slow first token, a connection dropped or stalled
 * mid-stream), and every request is recorded with its parsed body so tests can assert what
 * the SDK actually sent, and whether the client hung up.
 */

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One tool call of a scripted reply; `arguments` is sent in the given pieces. */
export interface WireToolCall {
  id: string;
  name: string;
  /** Pieces of the JSON arguments text, one chunk each (joined for non-streaming replies). */
  arguments: string[];
}

/** A scripted answer to one chat-completions request. */
export interface ChatReply {
  /** Text pieces, one `delta.content` chunk each. */
  text?: string[];
  /**
   * Tool calls, streamed one after the other like OpenAI does: a first chunk with `index`,
   * `id`, `type` and `name`, then one chunk per arguments piece carrying only `index`.
   */
  toolCalls?: WireToolCall[];
  /** Raw `choices[0].delta` objects; replaces `text` and `toolCalls` when set. */
  deltas?: Record<string, unknown>[];
  /**
   * Default `'tool_calls'` when there are tool calls, else `'stop'`. `null`: the stream ends
   * properly (`[DONE]`) but without the finishing chunk, like a proxy cutting an answer short.
   */
  finishReason?: string | null;
  /**
   * Token counts, sent as a last chunk with empty `choices` when the request asks for
   * `stream_options.include_usage` (always in JSON replies). Default: 10 prompt tokens,
   * one completion token per delta. `null`: never sent, like servers that ignore the option.
   */
  usage?: { promptTokens: number; completionTokens: number } | null;
  /** Answer with this HTTP status and an OpenAI-style JSON error body instead. */
  status?: number;
  errorMessage?: string;
  /** Wait before answering at all (before the HTTP headers). */
  firstChunkDelayMs?: number;
  /** Wait after the headers and the role chunk, before the first delta (a slow first token). */
  firstTokenDelayMs?: number;
  /** Wait between deltas. */
  chunkDelayMs?: number;
  /** Destroy the socket after this many delta chunks (no finish chunk, no `[DONE]`). */
  dropAfterChunks?: number;
  /** Send this many delta chunks, then nothing more until the client hangs up. */
  stallAfterChunks?: number;
  /** Destroy the socket right after the finishing chunk (no usage chunk, no `[DONE]`). */
  dropAfterFinish?: boolean;
  /** After `afterChunks` delta chunks, send an SSE `{ error }` payload and end the response. */
  errorEvent?: { afterChunks: number; message: string };
}

/** A scripted answer to one transcription request. */
export interface TranscriptionReply {
  text?: string;
  /** Word timings (seconds), sent when the request asks for `verbose_json`. */
  words?: { word: string; start: number; end: number }[];
  /** Reported in `verbose_json` replies. Default `'english'`. */
  language?: string;
  /** Answer with this HTTP status and an OpenAI-style JSON error body instead. */
  status?: number;
  errorMessage?: string;
  /** Sent as the `retry-after-ms` header of an error reply (the SDK honours it). */
  retryAfterMs?: number;
  /** Wait before answering (a slow recognition). */
  delayMs?: number;
}

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body (undefined for non-JSON bodies). */
  body: unknown;
  /** Parts of a multipart body. */
  parts?: MultipartPart[];
  /** The text fields of a multipart body (the last value of repeated names wins). */
  fields?: Record<string, string>;
  /** The first file part of a multipart body. */
  file?: { filename: string; contentType?: string; size: number; data: Buffer };
  /** Resolves when the response closes; `finished` is false when the client hung up first. */
  closed: Promise<{ finished: boolean }>;
}

/** Handle on a running wire server. */
export interface OpenAiWireServer {
  /** e.g. `http://127.0.0.1:43210/v1`, the SDK's `baseURL`. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Queues chat replies, answered in order; when empty, the reply is `{ text: ['ok'] }`. */
  replyChat(...replies: ChatReply[]): void;
  /** Queues transcription replies; when empty, the reply is `{ text: 'hello' }`. */
  replyTranscription(...replies: TranscriptionReply[]): void;
  /** Requests to a path suffix, e.g. `'/chat/completions'`. */
  requestsTo(pathSuffix: string): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 with an OS-assigned port.
 *
 * @example
 * ```ts
 * const server = await startOpenAiWireServer();
 * server.replyChat({ text: ['Hel', 'lo'] }, { status: 429 });
 * const llm = new OpenAiLlm({ baseURL: server.baseURL, model: 'test-model' });
 * // ... then inspect server.requests[0].body
 * await server.close();
 * ```
 */
export async function startOpenAiWireServer(): Promise<OpenAiWireServer> {
  const requests: RecordedRequest[] = [];
  const chatReplies: ChatReply[] = [];
  const transcriptionReplies: TranscriptionReply[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(err));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const closed = new Promise<{ finished: boolean }>((resolve) => {
      res.once('close', () => resolve({ finished: res.writableFinished }));
    });
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const contentType = req.headers['content-type'] ?? '';
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: undefined,
      closed,
    };
    if (contentType.includes('json') && raw.length > 0) {
      record.body = JSON.parse(raw.toString('utf8'));
    }
    if (contentType.startsWith('multipart/form-data')) {
      const parts = parseMultipart(raw, contentType);
      record.parts = parts;
      record.fields = Object.fromEntries(
        parts.filter((p) => p.filename === undefined).map((p) => [p.name, p.data.toString('utf8')]),
      );
      const file = parts.find((p) => p.filename !== undefined);
      if (file !== undefined) {
        record.file = {
          filename: file.filename ?? '',
          size: file.data.length,
          data: file.data,
          ...(file.contentType === undefined ? {} : { contentType: file.contentType }),
        };
      }
    }
    requests.push(record);

    if (req.method === 'POST' && path.endsWith('/chat/completions')) {
      const reply = chatReplies.shift() ?? { text: ['ok'] };
      const body = (record.body ?? {}) as Record<string, unknown>;
      if (!(await waitUnlessClosed(res, reply.firstChunkDelayMs ?? 0))) return;
      if (reply.status !== undefined) {
        sendError(res, reply.status, reply.errorMessage ?? `scripted ${reply.status}`);
      } else if (body['stream'] === true) {
        await streamChat(res, reply, body);
      } else {
        sendJson(res, 200, completion(reply, body));
      }
      return;
    }
    if (req.method === 'POST' && path.endsWith('/audio/transcriptions')) {
      const reply = transcriptionReplies.shift() ?? { text: 'hello' };
      if (!(await waitUnlessClosed(res, reply.delayMs ?? 0))) return;
      if (reply.status !== undefined) {
        const headers: Record<string, string> = {};
        if (reply.retryAfterMs !== undefined)
          headers['retry-after-ms'] = String(reply.retryAfterMs);
        sendError(res, reply.status, reply.errorMessage ?? `scripted ${reply.status}`, headers);
        return;
      }
      const format = record.fields?.['response_format'] ?? 'json';
      if (format === 'verbose_json') {
        sendJson(res, 200, {
          task: 'transcribe',
          language: reply.language ?? 'english',
          duration: wavDurationSeconds(record.file?.data),
          text: reply.text ?? '',
          ...(reply.words === undefined ? {} : { words: reply.words }),
        });
      } else if (format === 'text') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(reply.text ?? '');
      } else {
        sendJson(res, 200, { text: reply.text ?? '' });
      }
      return;
    }
    sendError(res, 404, `no route for ${req.method} ${path}`);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    replyChat: (...replies) => void chatReplies.push(...replies),
    replyTranscription: (...replies) => void transcriptionReplies.push(...replies),
    requestsTo: (suffix) => requests.filter((r) => r.path.endsWith(suffix)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits `ms` (0: not at all); false when the client hung up meanwhile. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** An error in OpenAI's shape: `{ error: { message, type, param, code } }`. */
function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const type =
    status === 429
      ? 'requests'
      : status >= 400 && status < 500
        ? 'invalid_request_error'
        : 'server_error';
  const code = status === 429 ? 'rate_limit_exceeded' : null;
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

/** The `choices[0].delta` objects of a reply, in order (tool calls: id+name first, then args). */
function replyDeltas(reply: ChatReply): Record<string, unknown>[] {
  if (reply.deltas) return reply.deltas;
  const deltas: Record<string, unknown>[] = (reply.text ?? []).map((content) => ({ content }));
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    deltas.push({
      tool_calls: [
        { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
      ],
    });
    for (const piece of call.arguments) {
      deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  }
  return deltas;
}

function finishReasonOf(reply: ChatReply): string | null {
  if (reply.finishReason !== undefined) return reply.finishReason;
  return (reply.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'stop';
}

function usageOf(reply: ChatReply) {
  if (reply.usage === null) return undefined;
  const u = reply.usage ?? { promptTokens: 10, completionTokens: replyDeltas(reply).length };
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

function chunkEnvelope(body: Record<string, unknown>, choices: unknown[], usage?: unknown) {
  return {
    id: 'chatcmpl-wire',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: String(body['model'] ?? 'unknown'),
    choices,
    ...(usage === undefined ? {} : { usage }),
  };
}

async function streamChat(
  res: ServerResponse,
  reply: ChatReply,
  body: Record<string, unknown>,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // Resolves once the bytes are handed to the kernel, so a drop that follows cannot discard them.
  let flushed: Promise<void> = Promise.resolve();
  const send = (value: unknown) => {
    flushed = new Promise<void>((resolve) => {
      res.write(`data: ${JSON.stringify(value)}\n\n`, () => resolve());
    });
  };
  const drop = async () => {
    await flushed;
    res.socket?.destroy();
  };
  // Like OpenAI: a first chunk announcing the role, with empty content.
  send(chunkEnvelope(body, [{ index: 0, delta: { role: 'assistant', content: '' } }]));
  const deltas = replyDeltas(reply);
  for (let i = 0; ; i++) {
    if (reply.dropAfterChunks === i) {
      await drop(); // mid-body: no finish chunk, no [DONE], no chunked-encoding terminator
      return;
    }
    if (reply.errorEvent?.afterChunks === i) {
      send({
        error: { message: reply.errorEvent.message, type: 'server_error', param: null, code: null },
      });
      res.end();
      return;
    }
    if (reply.stallAfterChunks === i) {
      await new Promise((resolve) => res.once('close', resolve));
      return;
    }
    const delta = deltas[i];
    if (delta === undefined) break;
    const delayMs = i === 0 ? (reply.firstTokenDelayMs ?? 0) : (reply.chunkDelayMs ?? 0);
    if (!(await waitUnlessClosed(res, delayMs))) return;
    send(chunkEnvelope(body, [{ index: 0, delta, finish_reason: null }]));
  }
  if (res.destroyed) return;
  const finishReason = finishReasonOf(reply);
  if (finishReason !== null) {
    send(chunkEnvelope(body, [{ index: 0, delta: {}, finish_reason: finishReason }]));
  }
  if (reply.dropAfterFinish) {
    await drop();
    return;
  }
  const options = body['stream_options'] as { include_usage?: boolean } | undefined;
  const usage = usageOf(reply);
  if (options?.include_usage && usage !== undefined) send(chunkEnvelope(body, [], usage));
  res.end('data: [DONE]\n\n');
}

function completion(reply: ChatReply, body: Record<string, unknown>) {
  let content = '';
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const delta of replyDeltas(reply)) {
    if (typeof delta['content'] === 'string') content += delta['content'];
    const toolCalls = (delta['tool_calls'] ?? []) as {
      index: number;
      id?: string;
      function?: { name?: string; arguments?: string };
    }[];
    for (const tc of toolCalls) {
      const call = calls.get(tc.index) ?? { id: '', name: '', arguments: '' };
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name = tc.function.name;
      call.arguments += tc.function?.arguments ?? '';
      calls.set(tc.index, call);
    }
  }
  const toolCalls = [...calls.values()].map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  return {
    id: 'chatcmpl-wire',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: String(body['model'] ?? 'unknown'),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: content === '' && toolCalls.length > 0 ? null : content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReasonOf(reply) ?? 'stop',
      },
    ],
    ...(usageOf(reply) === undefined ? {} : { usage: usageOf(reply) }),
  };
}

/** Duration of a 16-bit PCM WAV from its header, or 0 when it is not one. */
function wavDurationSeconds(data: Buffer | undefined): number {
  if (data === undefined || data.length < 44 || data.toString('ascii', 0, 4) !== 'RIFF') return 0;
  const byteRate = data.readUInt32LE(28);
  return byteRate > 0 ? data.readUInt32LE(40) / byteRate : 0;
}

/** Minimal multipart/form-data parser (enough for what fetch's FormData produces). */
function parseMultipart(raw: Buffer, contentType: string): MultipartPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = raw.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    // Skip the CRLF after this delimiter; the CRLF before the next one belongs to it.
    const part = raw.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const data = Buffer.from(part.subarray(headerEnd + 4));
    const name = /;\s*name="([^"]*)"/i.exec(headers)?.[1] ?? '';
    const filename = /;\s*filename="([^"]*)"/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    parts.push({
      name,
      data,
      ...(filename === undefined ? {} : { filename }),
      ...(type === undefined ? {} : { contentType: type.trim() }),
    });
    pos = next;
  }
  return parts;
}
