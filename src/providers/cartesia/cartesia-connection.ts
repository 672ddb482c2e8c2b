/**
 * One Cartesia TTS WebSocket (through the official SDK's `TTSWS`), shared by many synthesis
 * contexts: server events are routed by `context_id`, and SDK/socket failures are turned
 * into {@link ProviderError}s.
 */

import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import type { Cartesia } from '@cartesia/cartesia-js';
import type { WebsocketClientEvent, WebsocketResponse } from '@cartesia/cartesia-js/resources/tts';
import type { TTSWS } from '@cartesia/cartesia-js/resources/tts/ws';
import { ProviderError } from '../errors.ts';

// The SDK's ESM build cannot load the optional `ws` peer (it calls `require` from an ES
// module) and then falls back to the global WebSocket, which takes no headers or transport
// options. Its CommonJS build uses `ws`, so the key goes in a header and local plain-text
// servers can be reached: load that one.
const requireCjs = createRequire(import.meta.url);
const sdk = requireCjs('@cartesia/cartesia-js') as typeof import('@cartesia/cartesia-js');
const sdkWs = requireCjs(
  '@cartesia/cartesia-js/resources/tts/ws',
) as typeof import('@cartesia/cartesia-js/resources/tts/ws');

/** Receives the events of one context. */
export interface CartesiaContextSink {
  onEvent(event: WebsocketResponse): void;
  /** The connection failed; no more events will come. */
  onLost(err: ProviderError): void;
}

/** How to reach the API. */
export interface CartesiaConnectionParams {
  label: string;
  apiKey: string;
  /** `https://api.cartesia.ai` by default; `http://` / `ws://` URLs are reached without TLS. */
  baseUrl: string | undefined;
  /** Sent as the `cartesia-version` header; the SDK's default when undefined. */
  version: string | undefined;
  /** Called once the socket is gone (closed by either side or failed). */
  onDead: () => void;
}

/**
 * A connected socket. Open with {@link CartesiaConnection.open}; register a sink per context
 * before sending its first request.
 *
 * @example
 * ```ts
 * const conn = await CartesiaConnection.open({ label, apiKey, baseUrl, version, onDead });
 * conn.register('ctx1', sink);
 * conn.send({ context_id: 'ctx1', cancel: true });
 * ```
 */
export class CartesiaConnection {
  private readonly ws: TTSWS;
  private readonly label: string;
  private readonly sinks = new Map<string, CartesiaContextSink>();
  private readonly onDead: () => void;
  private dead: ProviderError | undefined;
  private closing = false;
  private lastSocketError = '';

  private constructor(ws: TTSWS, params: CartesiaConnectionParams) {
    this.ws = ws;
    this.label = params.label;
    this.onDead = params.onDead;
  }

  /** Connects; rejects with a {@link ProviderError} (auth failures are not retryable). */
  static async open(params: CartesiaConnectionParams): Promise<CartesiaConnection> {
    const baseURL = params.baseUrl;
    const client: Cartesia = new sdk.Cartesia({
      apiKey: params.apiKey,
      ...(baseURL === undefined ? {} : { baseURL }),
    });
    const wsOptions: NonNullable<ConstructorParameters<typeof sdkWs.TTSWS>[1]> = {};
    if (params.version !== undefined) wsOptions.headers = { 'cartesia-version': params.version };
    const plain = baseURL === undefined ? undefined : plainTextTarget(baseURL);
    // The SDK always dials `wss:`; for a plain-text base URL hand it a plain TCP socket.
    if (plain) wsOptions.createConnection = () => netConnect(plain);
    const ws = new sdkWs.TTSWS(client, wsOptions);
    const conn = new CartesiaConnection(ws, params);
    // Without an `error` listener the SDK turns errors into unhandled rejections.
    ws.on('error', (err) => {
      if (err.error === undefined) conn.lastSocketError = err.message;
    });
    ws.on('event', (event) => conn.route(event));
    ws.socket.addEventListener('close', (event: { code?: number }) => conn.lost(event.code));
    try {
      await ws.connect();
    } catch (err) {
      conn.closing = true;
      throw connectError(params.label, err);
    }
    return conn;
  }

  /** Routes the events of `contextId` to `sink` until {@link unregister}. */
  register(contextId: string, sink: CartesiaContextSink): void {
    if (this.dead) {
      queueMicrotask(() => sink.onLost(this.dead as ProviderError));
      return;
    }
    this.sinks.set(contextId, sink);
  }

  unregister(contextId: string): void {
    this.sinks.delete(contextId);
  }

  /** Sends a request; throws the connection's failure if it is gone. */
  send(event: WebsocketClientEvent): void {
    if (this.dead) throw this.dead;
    if (this.closing) throw new ProviderError(this.label, 'connection closed');
    // `TTSWS.send` would transparently reconnect a closed socket; `dead` rules that out.
    this.ws.send(event).catch(() => {});
  }

  /** Closes the socket; registered contexts get no more events. Idempotent. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.sinks.clear();
    this.ws.close();
  }

  private route(event: WebsocketResponse): void {
    const id = event.context_id;
    if (id !== undefined && id !== null && id !== '') {
      this.sinks.get(id)?.onEvent(event);
      return;
    }
    // An error not tied to a context (bad request JSON, ...): every context is affected.
    for (const sink of [...this.sinks.values()]) sink.onEvent(event);
  }

  private lost(code: number | undefined): void {
    if (this.dead) return;
    const detail = this.lastSocketError === '' ? '' : `: ${this.lastSocketError}`;
    this.dead = new ProviderError(
      this.label,
      `connection lost (close code ${code ?? '?'})${detail}`,
      {
        retryable: true,
        code: 'connection-lost',
      },
    );
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    this.onDead();
    if (this.closing) return;
    for (const sink of sinks) sink.onLost(this.dead);
  }
}

/** Host and port of an `http:` / `ws:` base URL, undefined for TLS ones. */
function plainTextTarget(baseUrl: string): { host: string; port: number } | undefined {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'ws:') return undefined;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}

/** The error of a failed WebSocket upgrade: auth problems are final, the rest retryable. */
export function connectError(label: string, err: unknown): ProviderError {
  const message =
    (err as { message?: unknown } | undefined)?.message ??
    (err as { error?: { message?: unknown } } | undefined)?.error?.message;
  const text = typeof message === 'string' ? message : String(err);
  const status = /response: (\d{3})/.exec(text)?.[1];
  if (status === '401' || status === '403') {
    return new ProviderError(
      label,
      `authentication failed (HTTP ${status}): check the API key (apiKey or CARTESIA_API_KEY)`,
      { code: status, cause: err },
    );
  }
  const retryable = status === undefined || status === '429' || status.startsWith('5');
  return new ProviderError(label, `cannot connect: ${text}`, {
    retryable,
    code: status ?? 'connect',
    cause: err,
  });
}

/** The error carried by a server `error` event (also the older `{ error: "..." }` shape). */
export function eventError(label: string, event: Record<string, unknown>): ProviderError {
  const status = typeof event.status_code === 'number' ? event.status_code : undefined;
  const parts = [event.title, event.message ?? event.error].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  const text = parts.length > 0 ? parts.join(': ') : 'unknown server error';
  const code =
    typeof event.error_code === 'string'
      ? event.error_code
      : status === undefined
        ? 'error'
        : String(status);
  if (status === 401 || status === 403) {
    return new ProviderError(label, `authentication failed: ${text}`, { code });
  }
  const retryable = status !== undefined && (status === 429 || status >= 500);
  return new ProviderError(label, text, { retryable, code });
}
