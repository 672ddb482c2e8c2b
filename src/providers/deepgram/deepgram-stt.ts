/**
 * Streaming speech-to-text on Deepgram's live API (`/v1/listen` over WebSocket), through the
 * official `@deepgram/sdk`.
 */

import { DeepgramClient } from '@deepgram/sdk';
import type { AudioFrame } from '../../audio/audio-frame.ts';
import type { ResamplerQuality } from '../../audio/resampler.ts';
import { ProviderError } from '../errors.ts';
import type {
  Stt,
  SttCapabilities,
  SttEvent,
  SttRecognizeOptions,
  SttResult,
  SttStream,
  SttStreamOptions,
  SttWord,
} from '../stt.ts';
import {
  DEEPGRAM_SAMPLE_RATE,
  DeepgramStream,
  type DeepgramStreamSettings,
} from './deepgram-stream.ts';

/** Deepgram's API; used when neither `baseUrl` nor `DEEPGRAM_BASE_URL` is set. */
export const DEEPGRAM_DEFAULT_BASE_URL = 'https://api.deepgram.com';

/** Tunable options of {@link DeepgramStt}; they apply to streams opened afterwards. */
export interface DeepgramSttOptions {
  /** Deepgram model. Default `'nova-3'`. */
  model: string;
  /** BCP-47 language (`'en-US'`, `'multi'`, ...); Deepgram's default (English) when unset. */
  language?: string;
  /** Ask for `interim` results. Default true. */
  interimResults: boolean;
  /** Punctuation and capitalization. Default true. */
  punctuate: boolean;
  /** Smart formatting (numbers, dates, ...). Default true. */
  smartFormat: boolean;
  /**
   * Silence after which Deepgram finalizes a segment with `speech_final`, in ms; `false`
   * disables endpointing. Default 300.
   */
  endpointingMs: number | false;
  /**
   * Gap after the last word that sends `UtteranceEnd` (needs interim results), in ms; `false`
   * disables it. Default 1000.
   */
  utteranceEndMs: number | false;
  /** Words to boost: sent as `keyterm` to Nova-3 models, as `keywords` to older ones. Default none. */
  keywords: string[];
}

/** Construction options of {@link DeepgramStt}: the tunable options plus fixed settings. */
export interface DeepgramSttConfig extends Partial<DeepgramSttOptions> {
  /** Default `'deepgram-stt'`. */
  label?: string;
  /** API key. Default: the `DEEPGRAM_API_KEY` environment variable. */
  apiKey?: string;
  /**
   * Server base URL (`https://…`, `http://…`, `wss://…` or `ws://…`; the WebSocket scheme is
   * derived). Default: the `DEEPGRAM_BASE_URL` environment variable, else
   * {@link DEEPGRAM_DEFAULT_BASE_URL}.
   */
  baseUrl?: string;
  /** Idle time after which a `KeepAlive` is sent, in ms. Default 5000 (Deepgram closes after 10 s). */
  keepAliveMs?: number;
  /** How long `endInput()` waits for the server to close after `CloseStream`, in ms. Default 10000. */
  closeTimeoutMs?: number;
  /** Connection timeout, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Quality of the resampler for frames not at 16 kHz. Default `'good'`. */
  resamplerQuality?: ResamplerQuality;
}

const DEFAULTS: DeepgramSttOptions = {
  model: 'nova-3',
  interimResults: true,
  punctuate: true,
  smartFormat: true,
  endpointingMs: 300,
  utteranceEndMs: 1000,
  keywords: [],
};

function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** HTTP and WebSocket forms of a base URL. */
function baseUrls(base: string): { http: string; ws: string } {
  const url = new URL(base);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const rest = `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return {
    http: `${secure ? 'https' : 'http'}://${rest}`,
    ws: `${secure ? 'wss' : 'ws'}://${rest}`,
  };
}

function checkOptions(label: string, opts: DeepgramSttOptions): void {
  const fail = (message: string): never => {
    throw new ProviderError(label, message, { code: 'invalid_options' });
  };
  if (typeof opts.model !== 'string' || opts.model === '') fail('model must be a non-empty string');
  for (const key of ['endpointingMs', 'utteranceEndMs'] as const) {
    const v = opts[key];
    if (v !== false && (!Number.isInteger(v) || v < 0)) {
      fail(`${key} ${String(v)} is invalid; expected a whole number of ms >= 0, or false`);
    }
  }
  if (!Array.isArray(opts.keywords) || opts.keywords.some((k) => typeof k !== 'string')) {
    fail('keywords must be an array of strings');
  }
}

/**
 * Deepgram streaming STT over the live WebSocket API (via `@deepgram/sdk`).
 *
 * - **Input**: frames at any rate and channel count are downmixed and resampled to 16 kHz mono
 *   and sent as `linear16`; audio pushed before the socket opens is buffered.
 * - **Events**: `interim` for non-final results, `final` for `is_final` ones (words with
 *   stream-time `startMs`/`endMs`: Deepgram's seconds plus the first frame's `startMs`),
 *   `speechStarted` on `SpeechStarted` (or the first words of a segment), `speechEnded` on
 *   `speech_final` or `UtteranceEnd`, and `usage` deltas as audio is finalized (they sum to
 *   the billed duration reported in the closing `Metadata`).
 * - **Control**: `flush()` sends `Finalize`; `endInput()` sends `CloseStream` and iteration
 *   ends once the server has sent its last results and closed; `close()` drops the socket. A
 *   `KeepAlive` is sent when no audio was sent for `keepAliveMs`.
 * - **Errors** are {@link ProviderError}s: `no-api-key`; a rejected key (HTTP 401/403, not
 *   retryable, "check DEEPGRAM_API_KEY"); HTTP 400 (bad options, not retryable); 429/5xx,
 *   network failures and connections lost mid-stream (retryable). The SDK never reconnects
 *   on its own: retries are the caller's policy.
 * - **`recognize`** streams the buffer through the live API and joins the finals; word times
 *   are relative to the start of the buffer.
 *
 * @example
 * ```ts
 * const stt = new DeepgramStt({ model: 'nova-3', language: 'en-US' }); // DEEPGRAM_API_KEY
 * const stream = stt.stream();
 * mic.on('frame', (frame) => stream.pushFrame(frame)); // any rate, mono or stereo
 * for await (const ev of stream) if (ev.type === 'final') console.log(ev.text, ev.words);
 * ```
 */
export class DeepgramStt implements Stt<DeepgramSttOptions> {
  readonly label: string;
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    wordTimestamps: true,
  };
  /** Rate of the audio sent to Deepgram. */
  readonly sampleRate = DEEPGRAM_SAMPLE_RATE;
  private opts: DeepgramSttOptions;
  private readonly apiKey: string | undefined;
  private readonly urls: { http: string; ws: string };
  private readonly keepAliveMs: number;
  private readonly closeTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly resamplerQuality: ResamplerQuality;
  private client: DeepgramClient | null = null;
  private readonly streams = new Set<DeepgramStream>();
  private closed = false;

  constructor(config: DeepgramSttConfig = {}) {
    const { label, apiKey, baseUrl, keepAliveMs, closeTimeoutMs, connectTimeoutMs, ...rest } =
      config;
    this.label = label ?? 'deepgram-stt';
    const tunable = Object.fromEntries(
      Object.entries(rest).filter(([key, v]) => key !== 'resamplerQuality' && v !== undefined),
    ) as Partial<DeepgramSttOptions>;
    this.opts = { ...DEFAULTS, ...tunable };
    checkOptions(this.label, this.opts);
    this.apiKey = apiKey ?? readEnv('DEEPGRAM_API_KEY');
    const base = baseUrl ?? readEnv('DEEPGRAM_BASE_URL') ?? DEEPGRAM_DEFAULT_BASE_URL;
    try {
      this.urls = baseUrls(base);
    } catch (err) {
      throw new ProviderError(this.label, `baseUrl ${base} is not a valid URL`, {
        code: 'invalid_options',
        cause: err,
      });
    }
    this.keepAliveMs = keepAliveMs ?? 5000;
    this.closeTimeoutMs = closeTimeoutMs ?? 10_000;
    this.connectTimeoutMs = connectTimeoutMs ?? 10_000;
    this.resamplerQuality = config.resamplerQuality ?? 'good';
  }

  /** The current options (a copy). */
  get options(): DeepgramSttOptions {
    return { ...this.opts, keywords: [...this.opts.keywords] };
  }

  updateOptions(opts: Partial<DeepgramSttOptions>): void {
    const next = { ...this.opts };
    for (const [key, value] of Object.entries(opts)) {
      if (value !== undefined) Object.assign(next, { [key]: value });
    }
    checkOptions(this.label, next);
    this.opts = next;
  }

  /** Checks the configuration (API key); the connection itself is opened per stream. */
  async prewarm(): Promise<void> {
    this.clientOrThrow();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stream of [...this.streams]) stream.close();
  }

  stream(opts: SttStreamOptions = {}): SttStream {
    let settings: DeepgramStreamSettings;
    try {
      settings = {
        label: this.label,
        client: this.clientOrThrow(),
        args: this.connectArgs(opts.language),
        url: `${this.urls.ws}/v1/listen`,
        language: opts.language ?? this.opts.language,
        keepAliveMs: this.keepAliveMs,
        closeTimeoutMs: this.closeTimeoutMs,
        resamplerQuality: this.resamplerQuality,
        signal: opts.signal,
      };
    } catch (err) {
      return failedStream(ProviderError.wrap(this.label, err, 'could not open stream'));
    }
    const stream = new DeepgramStream(settings, (s) => this.streams.delete(s));
    this.streams.add(stream);
    return stream;
  }

  async recognize(
    frames: readonly AudioFrame[],
    opts: SttRecognizeOptions = {},
  ): Promise<SttResult> {
    const first = frames[0];
    if (first === undefined) {
      this.clientOrThrow();
      return { text: '' };
    }
    const stream = this.stream({
      ...(opts.language === undefined ? {} : { language: opts.language }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    for (const frame of frames) stream.pushFrame(frame);
    stream.endInput();
    const texts: string[] = [];
    const words: SttWord[] = [];
    const confidences: number[] = [];
    for await (const ev of stream) {
      if (ev.type !== 'final') continue;
      texts.push(ev.text);
      if (ev.confidence !== undefined) confidences.push(ev.confidence);
      for (const w of ev.words ?? []) {
        words.push({ ...w, startMs: w.startMs - first.startMs, endMs: w.endMs - first.startMs });
      }
    }
    const result: SttResult = { text: texts.join(' '), words };
    if (confidences.length > 0) {
      result.confidence = confidences.reduce((a, b) => a + b, 0) / confidences.length;
    }
    return result;
  }

  private clientOrThrow(): DeepgramClient {
    if (this.closed) {
      throw new ProviderError(this.label, 'used after close()', { code: 'closed' });
    }
    if (this.apiKey === undefined) {
      throw new ProviderError(
        this.label,
        'no API key: set DEEPGRAM_API_KEY or pass apiKey (and baseUrl / DEEPGRAM_BASE_URL for a self-hosted server)',
        { code: 'no-api-key' },
      );
    }
    this.client ??= new DeepgramClient({
      apiKey: this.apiKey,
      environment: {
        base: this.urls.http,
        production: this.urls.ws,
        agent: this.urls.ws,
        agentRest: this.urls.http,
      },
      reconnect: false,
      maxRetries: 0,
    });
    return this.client;
  }

  private connectArgs(language: string | undefined): DeepgramStreamSettings['args'] {
    const o = this.opts;
    const lang = language ?? o.language;
    const nova3 = o.model === 'nova-3' || o.model.startsWith('nova-3-');
    const keywords = o.keywords.filter((k) => k.trim() !== '');
    return {
      model: o.model,
      encoding: 'linear16',
      sample_rate: DEEPGRAM_SAMPLE_RATE,
      channels: 1,
      interim_results: String(o.interimResults),
      punctuate: String(o.punctuate),
      smart_format: String(o.smartFormat),
      vad_events: 'true',
      endpointing: o.endpointingMs === false ? 'false' : o.endpointingMs,
      ...(o.utteranceEndMs === false || !o.interimResults
        ? {}
        : { utterance_end_ms: o.utteranceEndMs }),
      ...(lang === undefined ? {} : { language: lang }),
      ...(keywords.length === 0 ? {} : nova3 ? { keyterm: keywords } : { keywords }),
      reconnectAttempts: 0,
      shouldReconnect: () => false,
      connectionTimeoutInSeconds: this.connectTimeoutMs / 1000,
    };
  }
}

/** A stream whose iteration throws `err` at once. */
function failedStream(err: ProviderError): SttStream {
  return {
    pushFrame() {},
    flush() {},
    endInput() {},
    close() {},
    [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
      let thrown = false;
      return {
        next: () => {
          if (thrown) return Promise.resolve({ done: true, value: undefined });
          thrown = true;
          return Promise.reject(err);
        },
        return: () => Promise.resolve({ done: true, value: undefined }),
      };
    },
  };
}
