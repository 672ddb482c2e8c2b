/**
 * Telephony over Twilio Media Streams (bidirectional, `<Connect><Stream>`): Twilio opens a
 * WebSocket to this server and exchanges JSON messages: the caller's audio as base64 μ-law
 * 8 kHz `media`, `dtmf`, `mark` echoes and `stop` in; the agent's `media`, `mark` and `clear`
 * out. {@link acceptTwilioCall} turns one such socket into a {@link TwilioCall} whose `input`,
 * `output` and `transport` plug straight into `createAgentSession`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { AudioFrame } from '../audio/audio-frame.ts';
import { G711_SAMPLE_RATE, mulawToFrame } from '../audio/g711.ts';
import { AsyncQueue } from '../providers/async-queue.ts';
import { TwilioAudioOutput } from './twilio-audio-output.ts';

export {
  TwilioAudioOutput,
  type TwilioAudioOutputOptions,
  type TwilioOutboundMessage,
} from './twilio-audio-output.ts';

/** What Twilio's `start` message says about the stream. */
export interface TwilioStreamInfo {
  readonly streamSid: string;
  readonly callSid: string;
  readonly accountSid: string;
  readonly tracks: readonly string[];
  /** `<Parameter>`s of the `<Stream>` TwiML, e.g. a caller id or a signed token. */
  readonly customParameters: Readonly<Record<string, string>>;
  readonly mediaFormat: { encoding: string; sampleRate: number; channels: number };
}

/** Why a call ended: Twilio's `stop`, the socket closing, or {@link TwilioCall.hangup}. */
export type TwilioCallEnd = 'stop' | 'closed' | 'hangup';

export interface TwilioCallOptions {
  /** Audio between progress marks on the output. Default 250 ms. */
  markIntervalMs?: number;
  /** Give up (close the socket) if no `start` arrives in this time. Default 10 000 ms. */
  startTimeoutMs?: number;
  /** Protocol problems (bad JSON, unknown events, media before start); never thrown. */
  onWarning?: (message: string) => void;
}

/** One phone call on a Twilio Media Streams socket. */
export interface TwilioCall extends TwilioStreamInfo {
  /** For `createAgentSession({ transport })` (noise-canceller selection). */
  readonly transport: { name: 'twilio'; sampleRate: 8000 };
  /** The caller's audio: 8 kHz mono frames stamped with Twilio's media timestamps. Ends with the call. */
  readonly input: AsyncIterable<AudioFrame>;
  /** The agent's voice back to the caller. */
  readonly output: TwilioAudioOutput;
  /** Keypad digits as they are pressed (one consumer). Ends with the call. */
  readonly dtmf: AsyncIterable<string>;
  /** Resolves once the call is over. */
  readonly ended: Promise<TwilioCallEnd>;
  /** Calls `handler` for every digit; returns an unsubscribe function. */
  onDtmf(handler: (digit: string) => void): () => void;
  /**
   * Closes the stream socket. Twilio then continues with the TwiML after `<Connect>` (with
   * none, the call ends); to end a call regardless, update it via Twilio's REST API.
   */
  hangup(): Promise<void>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function streamInfo(message: Json): TwilioStreamInfo {
  const start = isObject(message['start']) ? message['start'] : {};
  const format = isObject(start['mediaFormat']) ? start['mediaFormat'] : {};
  const params = isObject(start['customParameters']) ? start['customParameters'] : {};
  const customParameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) customParameters[k] = String(v);
  return {
    streamSid: str(start['streamSid']) || str(message['streamSid']),
    callSid: str(start['callSid']),
    accountSid: str(start['accountSid']),
    tracks: Array.isArray(start['tracks']) ? start['tracks'].map(String) : ['inbound'],
    customParameters,
    mediaFormat: {
      encoding: str(format['encoding']) || 'audio/x-mulaw',
      sampleRate: Number(format['sampleRate']) || G711_SAMPLE_RATE,
      channels: Number(format['channels']) || 1,
    },
  };
}

/**
 * Takes over a WebSocket that Twilio opened and resolves with the call once Twilio's `start`
 * arrives (rejects if the socket closes first or no `start` comes in `startTimeoutMs`).
 * Malformed messages are reported to `onWarning` and skipped; the socket closing ends the
 * input and stops the output at the position Twilio confirmed.
 *
 * @example
 * ```ts
 * wss.on('connection', async (ws) => {
 *   const call = await acceptTwilioCall(ws);
 *   const session = createAgentSession({ stt, llm, tts, vad, input: call.input,
 *     output: call.output, transport: call.transport });
 *   session.on('input.ended', () => void session.close());
 * });
 * ```
 */
export function acceptTwilioCall(
  ws: WebSocket,
  options: TwilioCallOptions = {},
): Promise<TwilioCall> {
  const warn = options.onWarning ?? (() => {});
  const audio = new AsyncQueue<AudioFrame>();
  const digits = new AsyncQueue<string>();
  const dtmfHandlers = new Set<(digit: string) => void>();
  let call: TwilioCall | null = null;
  let output: TwilioAudioOutput | null = null;
  let endReason: TwilioCallEnd | null = null;
  let resolveEnded: (reason: TwilioCallEnd) => void = () => {};
  const ended = new Promise<TwilioCallEnd>((resolve) => {
    resolveEnded = resolve;
  });
  let nextMs = 0;

  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  return new Promise<TwilioCall>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (call) return;
      reject(new Error(`acceptTwilioCall: no "start" message within ${startTimeoutMs} ms`));
      finish('closed');
      ws.close(1008, 'no start');
    }, startTimeoutMs);

    const finish = (reason: TwilioCallEnd) => {
      if (endReason) return;
      endReason = reason;
      clearTimeout(timer);
      audio.end();
      digits.end();
      output?.disconnect();
      if (!call) reject(new Error(`acceptTwilioCall: the socket closed before "start"`));
      resolveEnded(reason);
    };

    const send = (message: object): boolean => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    };

    const onStart = (message: Json) => {
      if (call) {
        warn('a second "start" message was ignored');
        return;
      }
      const info = streamInfo(message);
      if (info.mediaFormat.encoding !== 'audio/x-mulaw' || info.mediaFormat.sampleRate !== 8000) {
        warn(
          `unexpected media format ${JSON.stringify(info.mediaFormat)}; decoding as μ-law 8 kHz`,
        );
      }
      clearTimeout(timer);
      output = new TwilioAudioOutput({
        streamSid: info.streamSid,
        send,
        ...(options.markIntervalMs !== undefined ? { markIntervalMs: options.markIntervalMs } : {}),
      });
      call = {
        ...info,
        transport: { name: 'twilio', sampleRate: 8000 },
        input: audio,
        output,
        dtmf: digits,
        ended,
        onDtmf(handler) {
          dtmfHandlers.add(handler);
          return () => dtmfHandlers.delete(handler);
        },
        async hangup() {
          if (ws.readyState === WebSocket.CLOSED) return;
          const closed = new Promise<void>((done) => ws.once('close', () => done()));
          finish('hangup');
          ws.close(1000, 'hangup');
          await closed;
        },
      };
      resolve(call);
    };

    const onMedia = (message: Json) => {
      const media = message['media'];
      if (!call || !isObject(media)) {
        warn(
          call
            ? 'a "media" message without media was ignored'
            : '"media" before "start" was ignored',
        );
        return;
      }
      const track = str(media['track']);
      if (track && track !== 'inbound') return; // outbound echo of a unidirectional stream
      const bytes = Buffer.from(str(media['payload']), 'base64');
      if (bytes.length === 0) return;
      const stamp = Number(media['timestamp']);
      const startMs = Number.isFinite(stamp) && str(media['timestamp']) !== '' ? stamp : nextMs;
      const frame = mulawToFrame(
        new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
        startMs,
      );
      nextMs = frame.endMs;
      audio.push(frame);
    };

    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (endReason) return;
      let message: unknown;
      try {
        message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString() : String(data));
      } catch {
        warn('a message that is not JSON was ignored');
        return;
      }
      if (!isObject(message)) {
        warn('a message that is not a JSON object was ignored');
        return;
      }
      switch (message['event']) {
        case 'connected':
          return;
        case 'start':
          onStart(message);
          return;
        case 'media':
          onMedia(message);
          return;
        case 'mark': {
          const mark = message['mark'];
          const name = isObject(mark) ? str(mark['name']) : '';
          if (!output?.acknowledge(name)) warn(`mark ${JSON.stringify(name)} was not expected`);
          return;
        }
        case 'dtmf': {
          const dtmf = message['dtmf'];
          const digit = isObject(dtmf) ? str(dtmf['digit']) : '';
          if (!call || !digit) {
            warn('a "dtmf" message without a call or digit was ignored');
            return;
          }
          digits.push(digit);
          for (const handler of dtmfHandlers) handler(digit);
          return;
        }
        case 'stop':
          finish('stop');
          return;
        default:
          warn(`unknown event ${JSON.stringify(message['event'])} was ignored`);
      }
    };

    ws.on('message', onMessage);
    ws.on('close', () => finish('closed'));
    ws.on('error', (error) => warn(`socket error: ${error.message}`));
  });
}

export interface TwilioMediaStreamsServerOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default '127.0.0.1'; use '0.0.0.0' behind a public proxy. */
  host?: string;
  /** URL path Twilio's `<Stream url>` points at. Default: any path. */
  path?: string;
  /** Called once per call, after Twilio's `start`. Errors are reported, not thrown. */
  onCall(call: TwilioCall): void | Promise<void>;
  /** A call that failed to start, or an `onCall` that threw. */
  onError?: (error: Error) => void;
  /** Options for every call. */
  call?: TwilioCallOptions;
}

export interface TwilioMediaStreamsServer {
  readonly port: number;
  /** `ws://host:port/path` (put it behind `wss://` for Twilio). */
  readonly url: string;
  /** Stops accepting calls and closes the open ones. */
  close(): Promise<void>;
}

/**
 * A WebSocket server for `<Connect><Stream url="wss://…">`: one {@link TwilioCall} per
 * connection, handed to `onCall`.
 *
 * @example
 * ```ts
 * const server = await twilioMediaStreamsServer({ port: 8080, host: '0.0.0.0', path: '/twilio',
 *   onCall: async (call) => {
 *     const session = createAgentSession({ stt, llm, tts, vad, input: call.input,
 *       output: call.output, transport: call.transport });
 *     await call.ended;
 *     await session.close();
 *   } });
 * ```
 */
export async function twilioMediaStreamsServer(
  options: TwilioMediaStreamsServerOptions,
): Promise<TwilioMediaStreamsServer> {
  const host = options.host ?? '127.0.0.1';
  const wss = new WebSocketServer({
    port: options.port ?? 0,
    host,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', () => resolve());
    wss.once('error', reject);
  });
  const report = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  wss.on('connection', (ws) => {
    acceptTwilioCall(ws, options.call)
      .then((call) => options.onCall(call))
      .catch(report);
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    port,
    url: `ws://${host}:${port}${options.path ?? '/'}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
