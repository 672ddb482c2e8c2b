/**
 * A loopback server that speaks Deepgram's live-transcription wire protocol, for testing the
 * Deepgram provider through the real `@deepgram/sdk`: a WebSocket upgrade on `/v1/listen`
 * (checked `Authorization: Token <key>`, recorded query parameters), binary audio in (byte
 * count recorded), JSON control messages in (`KeepAlive`, `Finalize`, `CloseStream`), and
 * scripted JSON out (`Results`, `SpeechStarted`, `UtteranceEnd`, `Metadata`).
 *
 * Tests drive each connection explicitly: wait until the server has received some audio or a
 * control message, then make it send messages, so nothing depends on timing. `Finalize` is
 * answered with a final `from_finalize: true` result, `CloseStream` with `Metadata` and a
 * normal close, unless the test says otherwise.
 */

import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/** A word of a scripted result; times in seconds from the stream start, like Deepgram. */
export interface WireWord {
  word: string;
  start: number;
  end: number;
  confidence?: number;
  punctuatedWord?: string;
}

/** A scripted `Results` message. */
export interface WireResult {
  transcript: string;
  words?: WireWord[];
  confidence?: number;
  /** Seconds from the stream start. Default: the first word's start, else 0. */
  start?: number;
  /** Seconds. Default: up to the last word's end, else 0. */
  duration?: number;
  isFinal?: boolean;
  speechFinal?: boolean;
  fromFinalize?: boolean;
}

/** Builds the JSON of a Deepgram `Results` message. */
export function resultsMessage(r: WireResult): Record<string, unknown> {
  const words = r.words ?? [];
  const start = r.start ?? words[0]?.start ?? 0;
  const duration = r.duration ?? Math.max(0, (words.at(-1)?.end ?? start) - start);
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration,
    start,
    is_final: r.isFinal ?? false,
    speech_final: r.speechFinal ?? false,
    from_finalize: r.fromFinalize ?? false,
    channel: {
      alternatives: [
        {
          transcript: r.transcript,
          confidence: r.confidence ?? 0.9,
          words: words.map((w) => ({
            word: w.word,
            start: w.start,
            end: w.end,
            confidence: w.confidence ?? 0.95,
            punctuated_word: w.punctuatedWord ?? w.word,
          })),
        },
      ],
    },
    metadata: {
      request_id: 'wire-request',
      model_info: { name: 'general', version: 'test', arch: 'test' },
      model_uuid: 'wire-model',
    },
  };
}

/** One accepted WebSocket connection, as recorded by the server. */
export class WireConnection {
  /** Path of the upgrade request (without the query). */
  readonly path: string;
  /** Query parameters of the upgrade request; repeated keys keep every value. */
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Binary audio bytes received so far. */
  audioBytes = 0;
  /** Binary messages received (their sizes). */
  readonly audioMessages: number[] = [];
  /** Parsed text messages received, in order (`{ type: 'KeepAlive' }`, ...). */
  readonly controls: Record<string, unknown>[] = [];
  /** True once the socket closed (either side). */
  closed = false;
  /** Close code seen by the server. */
  closeCode: number | undefined;
  /** Transcript sent in answer to `Finalize` (`null`: answer nothing). */
  finalizeTranscript: string | null = 'finalized words';
  /** Answer `CloseStream` with `Metadata` and a normal close (else ignore it). */
  honourCloseStream = true;
  private readonly ws: WebSocket;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(ws: WebSocket, req: IncomingMessage) {
    this.ws = ws;
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.path = url.pathname;
    this.query = url.searchParams;
    this.headers = req.headers;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const size = Array.isArray(data)
          ? data.reduce((n, b) => n + b.length, 0)
          : (data as Buffer).byteLength;
        this.audioBytes += size;
        this.audioMessages.push(size);
      } else {
        const msg = JSON.parse(String(data)) as Record<string, unknown>;
        this.controls.push(msg);
        this.onControl(msg);
      }
      this.wake();
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.wake();
    });
  }

  /** Seconds of audio received, assuming linear16 mono at the requested sample rate. */
  get audioSeconds(): number {
    const rate = Number(this.query.get('sample_rate') ?? 16000);
    return this.audioBytes / 2 / rate;
  }

  /** Control messages received of one type. */
  controlsOf(type: string): Record<string, unknown>[] {
    return this.controls.filter((c) => c.type === type);
  }

  /** Sends raw JSON. */
  sendJson(msg: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendResults(r: WireResult): void {
    this.sendJson(resultsMessage(r));
  }

  sendSpeechStarted(timestamp: number): void {
    this.sendJson({ type: 'SpeechStarted', channel: [0], timestamp });
  }

  sendUtteranceEnd(lastWordEnd: number): void {
    this.sendJson({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: lastWordEnd });
  }

  sendMetadata(): void {
    this.sendJson({
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: 'wire-request',
      sha256: '0'.repeat(64),
      created: new Date(0).toISOString(),
      duration: this.audioSeconds,
      channels: 1,
    });
  }

  /** Closes the WebSocket normally (code 1000). */
  closeNormally(): void {
    this.ws.close(1000);
  }

  /** Destroys the TCP connection without a close frame (a network failure). */
  drop(): void {
    this.ws.terminate();
  }

  /** Resolves once `check()` holds (checked after every message and at the close). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  /** Resolves once at least `bytes` audio bytes arrived. */
  waitForAudio(bytes: number): Promise<void> {
    return this.until(() => this.audioBytes >= bytes);
  }

  /** Resolves once `count` control messages of `type` arrived. */
  waitForControl(type: string, count = 1): Promise<void> {
    return this.until(() => this.controlsOf(type).length >= count);
  }

  waitForClose(): Promise<void> {
    return this.until(() => this.closed);
  }

  private onControl(msg: Record<string, unknown>): void {
    if (msg.type === 'Finalize' && this.finalizeTranscript !== null) {
      const end = this.audioSeconds;
      this.sendResults({
        transcript: this.finalizeTranscript,
        start: 0,
        duration: end,
        isFinal: true,
        fromFinalize: true,
      });
    } else if (msg.type === 'CloseStream' && this.honourCloseStream) {
      this.sendMetadata();
      this.ws.close(1000);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (w.check()) w.resolve();
      else this.waiters.push(w);
    }
  }
}

/** Construction options of {@link startDeepgramWireServer}. */
export interface DeepgramWireServerOptions {
  /** The key expected in `Authorization: Token <key>`; others get a 401. Default `'test-key'`. */
  apiKey?: string;
}

/** A running wire server. */
export interface DeepgramWireServer {
  /** `http://127.0.0.1:PORT`, to pass as the provider's `baseUrl`. */
  readonly url: string;
  /** Accepted connections, in order. */
  readonly connections: WireConnection[];
  /** Upgrade requests rejected, with their status. */
  readonly rejected: { status: number; authorization: string | undefined }[];
  /** Answer the next upgrades with this HTTP status instead of accepting them (`undefined`: accept). */
  rejectWith: number | undefined;
  /** Resolves with the `index`-th accepted connection (0-based) once it is open. */
  connection(index?: number): Promise<WireConnection>;
  close(): Promise<void>;
}

/**
 * Starts a Deepgram wire server on a free loopback port.
 *
 * @example
 * ```ts
 * const server = await startDeepgramWireServer();
 * const stt = new DeepgramStt({ apiKey: 'test-key', baseUrl: server.url });
 * const stream = stt.stream();
 * const conn = await server.connection();
 * conn.sendResults({ transcript: 'hello', isFinal: true });
 * ```
 */
export async function startDeepgramWireServer(
  opts: DeepgramWireServerOptions = {},
): Promise<DeepgramWireServer> {
  const apiKey = opts.apiKey ?? 'test-key';
  const wss = new WebSocketServer({ noServer: true });
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const connections: WireConnection[] = [];
  const rejected: { status: number; authorization: string | undefined }[] = [];
  let waiters: { index: number; resolve: (c: WireConnection) => void }[] = [];
  const server: DeepgramWireServer = {
    url: '',
    connections,
    rejected,
    rejectWith: undefined,
    connection(index = 0) {
      const existing = connections[index];
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => waiters.push({ index, resolve }));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      http.close();
      await once(http, 'close');
    },
  };
  const reject = (socket: Duplex, status: number, body: string) => {
    socket.end(
      `HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  http.on('upgrade', (req, socket, head) => {
    const authorization = req.headers.authorization;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let status = server.rejectWith;
    if (status === undefined && authorization !== `Token ${apiKey}`) status = 401;
    if (status === undefined && path !== '/v1/listen') status = 404;
    if (status !== undefined) {
      rejected.push({ status, authorization });
      reject(
        socket,
        status,
        JSON.stringify({
          err_code: status === 401 ? 'INVALID_AUTH' : 'ERROR',
          err_msg: 'rejected',
        }),
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new WireConnection(ws, req);
      connections.push(conn);
      const index = connections.length - 1;
      const ready = waiters.filter((w) => w.index === index);
      waiters = waiters.filter((w) => w.index !== index);
      for (const w of ready) w.resolve(conn);
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  Object.assign(server, { url: `http://127.0.0.1:${port}` });
  return server;
}
