/**
 * A loopback WebSocket server that speaks Cartesia's TTS WebSocket wire protocol
 * (`/tts/websocket`), for testing the Cartesia provider through the real SDK. It checks the
 * API key and the API version on the upgrade, records every client message, and answers
 * generation requests per `context_id`: each complete word becomes a short sine tone (sent
 * as base64 `chunk` events of odd sizes, to exercise re-framing) followed by a `timestamps`
 * event; `flush` gets a `flush_done`, `continue: false` a `done`, `cancel` silences the
 * context. Scripted faults: an error event, a dropped connection, a stall.
 */

import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** Scripted behaviour of a {@link CartesiaWireServer}. */
export interface CartesiaWireServerOptions {
  /** The accepted key (`Authorization: Bearer`, `X-API-Key` or `?api_key=`). Default `'test-key'`. */
  apiKey?: string;
  /** Duration of each word's tone, in ms. Default 120. */
  msPerWord?: number;
  /** Size of the PCM pieces sent per `chunk` event, in bytes (even). Default 1234. */
  chunkBytes?: number;
  /** Reply with an error event instead of the audio of the first word equal to `word`. */
  failOn?: { word: string; statusCode: number; title: string; message: string };
  /** Terminate the TCP connection instead of answering the first word equal to this. */
  dropOn?: string;
  /** After this many words of a context, stop answering it (until it is cancelled). */
  stallAfterWords?: number;
}

/** What one upgrade request carried. */
export interface CartesiaWireConnection {
  url: string;
  headers: IncomingMessage['headers'];
  version: string | undefined;
}

interface ContextState {
  pending: string;
  words: number;
  /** Audio already sent, in seconds: the start of the next word. */
  clock: number;
  flushId: number;
  cancelled: boolean;
  ended: boolean;
}

/**
 * The server. `start()` listens on an ephemeral loopback port; `url` is the base URL to give
 * the provider (`http://127.0.0.1:<port>`; the SDK appends `/tts/websocket`).
 *
 * @example
 * ```ts
 * const server = await CartesiaWireServer.start({ msPerWord: 100 });
 * const tts = new CartesiaTts({ apiKey: 'test-key', baseUrl: server.url, voice: 'v1' });
 * // ... then: server.messages, server.connections
 * await server.close();
 * ```
 */
export class CartesiaWireServer {
  /** Every JSON message received, in order, across connections. */
  readonly messages: Record<string, unknown>[] = [];
  /** Accepted upgrade requests. */
  readonly connections: CartesiaWireConnection[] = [];
  /** Upgrades refused (bad key or missing version), with the status sent. */
  readonly rejected: { status: number; url: string }[] = [];
  readonly sampleRates: number[] = [];
  url = '';
  private readonly opts: Required<Omit<CartesiaWireServerOptions, 'failOn' | 'dropOn'>> &
    CartesiaWireServerOptions;
  private readonly http = createServer((_req, res) => res.writeHead(404).end());
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];
  private failed = false;
  private dropped = false;

  private constructor(opts: CartesiaWireServerOptions) {
    this.opts = {
      apiKey: 'test-key',
      msPerWord: 120,
      chunkBytes: 1234,
      stallAfterWords: -1,
      ...opts,
    };
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  static async start(opts: CartesiaWireServerOptions = {}): Promise<CartesiaWireServer> {
    const server = new CartesiaWireServer(opts);
    server.http.listen(0, '127.0.0.1');
    await once(server.http, 'listening');
    server.url = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
    return server;
  }

  /** Resolves once `test()` holds after some message (checked at once too). */
  waitFor(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** The messages with a given `context_id`. */
  messagesOf(contextId: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.context_id === contextId);
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    this.http.close();
    await once(this.http, 'close');
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const auth = req.headers.authorization;
    const key =
      (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined) ??
      (req.headers['x-api-key'] as string | undefined) ??
      url.searchParams.get('api_key') ??
      undefined;
    const version =
      (req.headers['cartesia-version'] as string | undefined) ??
      url.searchParams.get('cartesia_version') ??
      undefined;
    const refuse = (status: number, text: string) => {
      this.rejected.push({ status, url: url.pathname });
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/tts/websocket') refuse(404, 'Not Found');
    else if (key !== this.opts.apiKey) refuse(401, 'Unauthorized');
    else if (version === undefined) refuse(400, 'Bad Request');
    else this.accept(req, socket, head, version);
  }

  private accept(req: IncomingMessage, socket: Socket, head: Buffer, version: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.connections.push({ url: req.url ?? '', headers: req.headers, version });
      this.serve(ws);
    });
  }

  private serve(ws: WebSocket): void {
    const contexts = new Map<string, ContextState>();
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      this.messages.push(msg);
      const id = String(msg.context_id);
      let ctx = contexts.get(id);
      if (msg.cancel === true) {
        if (ctx) ctx.cancelled = true;
      } else {
        if (!ctx) {
          ctx = { pending: '', words: 0, clock: 0, flushId: 0, cancelled: false, ended: false };
          contexts.set(id, ctx);
          const format = msg.output_format as { sample_rate?: number } | undefined;
          this.sampleRates.push(format?.sample_rate ?? 0);
        }
        if (!ctx.cancelled && !ctx.ended) this.generate(ws, id, ctx, msg);
      }
      for (const w of [...this.waiters]) {
        if (w.test()) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  }

  private generate(ws: WebSocket, id: string, ctx: ContextState, msg: Record<string, unknown>) {
    const last = msg.continue !== true;
    const rate = (msg.output_format as { sample_rate: number }).sample_rate;
    ctx.pending += String(msg.transcript ?? '');
    // Complete words only, unless this is a flush or the end of the input.
    const cut = last || msg.flush === true ? ctx.pending.length : ctx.pending.search(/\S*$/);
    const ready = ctx.pending.slice(0, cut).split(/\s+/).filter(Boolean);
    ctx.pending = ctx.pending.slice(cut);
    const send = (o: Record<string, unknown>) => ws.send(JSON.stringify({ context_id: id, ...o }));
    for (const word of ready) {
      if (this.opts.stallAfterWords >= 0 && ctx.words >= this.opts.stallAfterWords) return;
      if (this.opts.dropOn === word && !this.dropped) {
        this.dropped = true;
        ws.terminate();
        return;
      }
      const f = this.opts.failOn;
      if (f && f.word === word && !this.failed) {
        this.failed = true;
        ctx.ended = true;
        send({
          type: 'error',
          status_code: f.statusCode,
          title: f.title,
          message: f.message,
          done: true,
        });
        return;
      }
      const pcm = tone(rate, this.opts.msPerWord, 220 + 40 * (ctx.words % 10));
      for (let i = 0; i < pcm.length; i += this.opts.chunkBytes) {
        const data = Buffer.from(pcm.subarray(i, i + this.opts.chunkBytes)).toString('base64');
        send({ type: 'chunk', data, done: false, status_code: 206, step_time: 1 });
      }
      const end = ctx.clock + this.opts.msPerWord / 1000;
      send({
        type: 'timestamps',
        done: false,
        status_code: 206,
        word_timestamps: { words: [word], start: [ctx.clock], end: [end] },
      });
      ctx.clock = end;
      ctx.words++;
    }
    if (msg.flush === true) {
      ctx.flushId++;
      send({
        type: 'flush_done',
        done: false,
        flush_done: true,
        flush_id: ctx.flushId,
        status_code: 206,
      });
    }
    if (last) {
      ctx.ended = true;
      send({ type: 'done', done: true, status_code: 200 });
    }
  }
}

/** Little-endian Int16 bytes of a sine tone. */
function tone(sampleRate: number, ms: number, hz: number): Uint8Array {
  const n = Math.round((sampleRate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  return new Uint8Array(out.buffer);
}
