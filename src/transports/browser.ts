/**
 * A browser transport: an HTTP server that serves a small web page (browser/ at the package
 * root: index.html, client.js, capture-worklet.js) which captures the microphone and plays the
 * agent, connected to a voicechart session over a WebSocket at `/ws`. Listens on 127.0.0.1
 * unless told otherwise (browsers only grant the microphone to localhost or HTTPS pages).
 *
 * Wire protocol (one session per socket; binary frames are little-endian Int16 PCM, mono):
 *
 * browser → server
 * - `{"type":"hello","sampleRate":16000}` first (the rate of the binary frames that follow).
 * - binary: microphone audio at the hello's rate (the page downsamples to 16 kHz).
 * - `{"type":"played","segmentId":"…","positionMs":1234.5}` about every 100 ms while a segment
 *   plays, and once more when its queue drained: milliseconds of that segment played so far.
 *
 * server → browser
 * - `{"type":"segment","segmentId":"…","sampleRate":24000}` announces a segment; every binary
 *   frame after it, until the next `segment`, is that segment's audio at that rate.
 * - `{"type":"pause"|"resume"|"stop","segmentId":"…"}` controls the page's playback queue
 *   (pause freezes it, stop drops it).
 * - `{"type":"status","text":"…"}` optional text the page shows (agent state, transcript).
 *
 * The page positions audio on its AudioContext clock. When the context cannot run (no audio
 * device, autoplay refused) it falls back to the wall clock, so `played` acknowledgements still
 * advance as if the scheduled audio were heard.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { AudioFrame } from '../audio/audio-frame.ts';
import { AsyncQueue } from '../providers/async-queue.ts';
import { BrowserAudioOutput, type BrowserOutboundMessage } from './browser-audio-output.ts';

export {
  BrowserAudioOutput,
  type BrowserAudioOutputOptions,
  type BrowserOutboundMessage,
} from './browser-audio-output.ts';

/** The page's folder: browser/ at the package root (from src/ and from dist/). */
export const BROWSER_PAGE_DIR = fileURLToPath(new URL('../../browser/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** Why a connection ended: the page left, or {@link BrowserConnection.close}. */
export type BrowserConnectionEnd = 'closed' | 'hangup';

/** One page connected over the WebSocket. */
export interface BrowserConnection {
  /** For `createAgentSession({ transport })` (noise-canceller selection). */
  readonly transport: { name: 'browser'; sampleRate: 16000 };
  /** The microphone: mono frames at the hello's rate (16 kHz), stamped by sample count. */
  readonly input: AsyncIterable<AudioFrame>;
  /** The agent's voice to the page. */
  readonly output: BrowserAudioOutput;
  /** Resolves once the page left or the connection was closed. */
  readonly closed: Promise<BrowserConnectionEnd>;
  /** Shows `text` on the page (e.g. the agent's state or the transcript). */
  status(text: string): void;
  /** Closes the socket; the input ends and the output stops. */
  close(): Promise<void>;
}

export interface BrowserTransportServerOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Called once per page, after its hello. Errors are reported, not thrown. */
  onSession(connection: BrowserConnection): void | Promise<void>;
  /** A connection that failed (no hello) or an `onSession` that threw. */
  onError?: (error: Error) => void;
  /** Protocol problems (bad JSON, unknown messages); never thrown. */
  onWarning?: (message: string) => void;
  /** Rate of the agent audio sent to pages. Default 24000. */
  outputSampleRate?: number;
  /** Give up on a socket that sends no hello in this time. Default 10 000 ms. */
  helloTimeoutMs?: number;
}

export interface BrowserTransportServer {
  /** `http://host:port/`: open it in a browser (add `?autostart=1` to skip the button). */
  readonly url: string;
  readonly port: number;
  /** Stops serving and closes the open connections. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Takes over a WebSocket a page opened and resolves with the connection once its hello arrives
 * (rejects if the socket closes first or no hello comes in `helloTimeoutMs`).
 *
 * @example
 * ```ts
 * wss.on('connection', async (ws) => {
 *   const conn = await acceptBrowserConnection(ws);
 *   const session = createAgentSession({ stt, llm, tts, vad, input: conn.input,
 *     output: conn.output, transport: conn.transport });
 *   await conn.closed;
 *   await session.close();
 * });
 * ```
 */
export function acceptBrowserConnection(
  ws: WebSocket,
  options: Pick<
    BrowserTransportServerOptions,
    'onWarning' | 'outputSampleRate' | 'helloTimeoutMs'
  > = {},
): Promise<BrowserConnection> {
  const warn = options.onWarning ?? (() => {});
  const audio = new AsyncQueue<AudioFrame>();
  let connection: BrowserConnection | null = null;
  let inputRate = 16000;
  let inputSamples = 0;
  let endReason: BrowserConnectionEnd | null = null;
  let resolveClosed: (reason: BrowserConnectionEnd) => void = () => {};
  const closed = new Promise<BrowserConnectionEnd>((resolve) => {
    resolveClosed = resolve;
  });
  const send = (message: BrowserOutboundMessage | Int16Array): boolean => {
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (message instanceof Int16Array) {
      ws.send(Buffer.from(message.buffer, message.byteOffset, message.byteLength));
    } else {
      ws.send(JSON.stringify(message));
    }
    return true;
  };
  const output = new BrowserAudioOutput({
    send,
    ...(options.outputSampleRate !== undefined ? { sampleRate: options.outputSampleRate } : {}),
  });
  const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;

  return new Promise<BrowserConnection>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (connection) return;
      reject(new Error(`acceptBrowserConnection: no hello within ${helloTimeoutMs} ms`));
      finish('closed');
      ws.close(1008, 'no hello');
    }, helloTimeoutMs);

    const finish = (reason: BrowserConnectionEnd) => {
      if (endReason) return;
      endReason = reason;
      clearTimeout(timer);
      audio.end();
      output.disconnect();
      if (!connection) reject(new Error('acceptBrowserConnection: the socket closed before hello'));
      resolveClosed(reason);
    };

    const onHello = (message: Json) => {
      if (connection) {
        warn('a second hello was ignored');
        return;
      }
      const rate = Number(message['sampleRate']);
      if (Number.isInteger(rate) && rate >= 8000 && rate <= 96000) inputRate = rate;
      else warn(`hello without a valid sampleRate; assuming ${inputRate} Hz`);
      clearTimeout(timer);
      connection = {
        transport: { name: 'browser', sampleRate: 16000 },
        input: audio,
        output,
        closed,
        status: (text) => void send({ type: 'status', text }),
        async close() {
          if (ws.readyState === WebSocket.CLOSED) return;
          const done = new Promise<void>((r) => ws.once('close', () => r()));
          finish('hangup');
          ws.close(1000, 'hangup');
          await done;
        },
      };
      resolve(connection);
    };

    const onAudio = (data: Buffer) => {
      if (!connection) {
        warn('audio before hello was ignored');
        return;
      }
      const samples = Math.floor(data.length / 2);
      if (samples === 0) return;
      const pcm = new Int16Array(samples);
      for (let i = 0; i < samples; i++) pcm[i] = data.readInt16LE(i * 2);
      audio.push(new AudioFrame(pcm, inputRate, 1, (inputSamples * 1000) / inputRate));
      inputSamples += samples;
    };

    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (endReason) return;
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      if (isBinary) {
        onAudio(bytes);
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(bytes.toString('utf8'));
      } catch {
        warn('a text message that is not JSON was ignored');
        return;
      }
      if (!isObject(message)) {
        warn('a message that is not a JSON object was ignored');
        return;
      }
      if (message['type'] === 'hello') onHello(message);
      else if (message['type'] === 'played') {
        const id = typeof message['segmentId'] === 'string' ? message['segmentId'] : '';
        output.acknowledge(id, Number(message['positionMs']));
      } else warn(`unknown message type ${JSON.stringify(message['type'])} was ignored`);
    });
    ws.on('close', () => finish('closed'));
    ws.on('error', (error) => warn(`socket error: ${error.message}`));
  });
}

/**
 * Serves the browser page and accepts its WebSocket: one {@link BrowserConnection} per page,
 * handed to `onSession`.
 *
 * @example
 * ```ts
 * const server = await browserTransportServer({
 *   onSession: async (conn) => {
 *     const session = createAgentSession({ stt, llm, tts, vad, input: conn.input,
 *       output: conn.output, transport: conn.transport });
 *     session.on('agent.stateChanged', (e) => conn.status(e.to));
 *     await conn.closed;
 *     await session.close();
 *   },
 * });
 * console.log(`open ${server.url}`);
 * ```
 */
export async function browserTransportServer(
  options: BrowserTransportServerOptions,
): Promise<BrowserTransportServer> {
  const host = options.host ?? '127.0.0.1';
  const root = BROWSER_PAGE_DIR.endsWith(sep) ? BROWSER_PAGE_DIR : BROWSER_PAGE_DIR + sep;
  const reply = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return reply(res, 405, 'text/plain', 'GET only');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(root, path === '/' ? 'index.html' : decodeURIComponent(path)));
    const type = TYPES[extname(file)];
    if (!file.startsWith(root) || type === undefined) {
      return reply(res, 404, 'text/plain', 'not found');
    }
    try {
      reply(res, 200, type, await readFile(file));
    } catch {
      reply(res, 404, 'text/plain', 'not found');
    }
  };
  const http = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 500, 'text/plain', 'error'));
  });
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  const report = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  wss.on('connection', (ws) => {
    acceptBrowserConnection(ws, options)
      .then((connection) => options.onSession(connection))
      .catch(report);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
