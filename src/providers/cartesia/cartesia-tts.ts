/**
 * Cartesia streaming text-to-speech over the official SDK's WebSocket client: one socket per
 * provider, one Cartesia context per stream or synthesis, word timestamps included.
 */

import type { GenerationConfig } from '@cartesia/cartesia-js/resources/tts';
import { ProviderError } from '../errors.ts';
import type { Tts, TtsCapabilities, TtsChunk, TtsRequestOptions, TtsStream } from '../tts.ts';
import { CartesiaConnection } from './cartesia-connection.ts';
import { CartesiaContextStream, type CartesiaRequestBase } from './cartesia-stream.ts';

/** Output rates Cartesia can produce. */
export type CartesiaSampleRate = 8000 | 16000 | 22050 | 24000 | 44100 | 48000;

/** Options that {@link CartesiaTts.updateOptions} can change (for later streams). */
export interface CartesiaTtsOptions {
  /** Model id. Default `'sonic-2'`. */
  model: string;
  /** Voice id (required before the first request). */
  voice: string;
  /** Language code. Default `'en'`. */
  language: string;
  /** `generation_config.speed` (sonic-3: 0.6 to 1.5). Unset: the model's default. */
  speed?: number;
  /** `generation_config.emotion`, e.g. `'calm'` (sonic-3). Unset: neutral. */
  emotion?: string;
}

/** Construction options of {@link CartesiaTts}. */
export interface CartesiaTtsConfig extends Partial<CartesiaTtsOptions> {
  /** Default: `CARTESIA_API_KEY`. */
  apiKey?: string;
  /**
   * API base URL. Default: `CARTESIA_BASE_URL`, else `https://api.cartesia.ai`.
   * `http://` / `ws://` URLs (local servers, tests) are reached without TLS.
   */
  baseUrl?: string;
  /** Output rate, in Hz (fixed for the provider's lifetime). Default 24000. */
  sampleRate?: CartesiaSampleRate;
  /** Duration of the emitted frames, in ms. Default 20. */
  frameDurationMs?: number;
  /** `cartesia-version` header. Default: the SDK's. */
  version?: string;
  /** Default `'cartesia-tts'`. */
  label?: string;
}

const SAMPLE_RATES: readonly number[] = [8000, 16000, 22050, 24000, 44100, 48000];

function readEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Cartesia TTS provider (`@cartesia/cartesia-js`). `stream()` opens a Cartesia context on the
 * provider's WebSocket (connected on first use or by `prewarm()`, reopened after a drop):
 * pushed text is sent at word boundaries with `continue: true`, `flush()` asks for the audio
 * of what was sent, `endInput()` ends the context, `close()` and aborts cancel it. Audio is
 * re-framed into `frameDurationMs` frames from 0 ms; word timings are relative to the
 * stream start. Errors are {@link ProviderError}s: a rejected key is not retryable, a
 * dropped socket is.
 *
 * @example
 * ```ts
 * const tts = new CartesiaTts({ voice: 'a0e99841-438c-4a64-b679-ae501e7d6091' });
 * const stream = tts.stream();
 * stream.pushText('Hello there! ');
 * stream.pushText('How can I help?');
 * stream.endInput();
 * for await (const { frame, words } of stream) speaker.play(frame);
 * ```
 */
export class CartesiaTts implements Tts<CartesiaTtsOptions> {
  readonly label: string;
  readonly capabilities: TtsCapabilities;
  private options: CartesiaTtsOptions;
  private readonly apiKey: string | undefined;
  private readonly baseUrl: string | undefined;
  private readonly version: string | undefined;
  private readonly sampleRate: CartesiaSampleRate;
  private readonly frameDurationMs: number;
  private readonly streams = new Set<CartesiaContextStream>();
  private connecting: Promise<CartesiaConnection> | undefined;
  private closed = false;

  constructor(config: CartesiaTtsConfig = {}) {
    this.label = config.label ?? 'cartesia-tts';
    this.sampleRate = config.sampleRate ?? 24000;
    if (!SAMPLE_RATES.includes(this.sampleRate)) {
      throw new RangeError(
        `${this.label}: sampleRate ${this.sampleRate} is not one of ${SAMPLE_RATES.join(', ')}`,
      );
    }
    this.frameDurationMs = config.frameDurationMs ?? 20;
    this.apiKey = config.apiKey ?? readEnv('CARTESIA_API_KEY');
    this.baseUrl = config.baseUrl ?? readEnv('CARTESIA_BASE_URL');
    this.version = config.version;
    this.options = {
      model: config.model ?? 'sonic-2',
      voice: config.voice ?? '',
      language: config.language ?? 'en',
      ...(config.speed === undefined ? {} : { speed: config.speed }),
      ...(config.emotion === undefined ? {} : { emotion: config.emotion }),
    };
    this.capabilities = {
      streaming: true,
      wordTimestamps: true,
      sampleRate: this.sampleRate,
      channels: 1,
    };
  }

  synthesize(text: string, opts: TtsRequestOptions = {}): AsyncIterable<TtsChunk> {
    const stream = this.open(opts);
    stream.endInputWith(text); // the whole text in one request
    return stream;
  }

  stream(opts: TtsRequestOptions = {}): TtsStream {
    return this.open(opts);
  }

  private open(opts: TtsRequestOptions): CartesiaContextStream {
    const stream: CartesiaContextStream = new CartesiaContextStream({
      label: this.label,
      connection: this.connection(),
      request: this.requestBase(),
      sampleRate: this.sampleRate,
      frameDurationMs: this.frameDurationMs,
      signal: opts.signal,
      onDone: () => this.streams.delete(stream),
    });
    this.streams.add(stream);
    return stream;
  }

  /** Applies to streams opened afterwards. */
  updateOptions(opts: Partial<CartesiaTtsOptions>): void {
    this.options = { ...this.options, ...opts };
  }

  /** Opens the WebSocket now; rejects on a missing or rejected key. */
  async prewarm(): Promise<void> {
    await this.connection();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.streams]) s.close();
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting) (await connecting.catch(() => undefined))?.close();
  }

  private requestBase(): CartesiaRequestBase {
    const o = this.options;
    const config: GenerationConfig = {};
    if (o.speed !== undefined) config.speed = o.speed;
    if (o.emotion !== undefined)
      config.emotion = o.emotion as NonNullable<GenerationConfig['emotion']>;
    return {
      model_id: o.model,
      voice: { mode: 'id', id: o.voice },
      language: o.language as NonNullable<CartesiaRequestBase['language']>,
      output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: this.sampleRate },
      add_timestamps: true,
      ...(Object.keys(config).length > 0 ? { generation_config: config } : {}),
    };
  }

  /** The shared connection, opened on first use and again after it died. */
  private connection(): Promise<CartesiaConnection> {
    if (this.closed) return Promise.reject(new ProviderError(this.label, 'provider is closed'));
    if (this.options.voice === '') {
      return Promise.reject(
        new ProviderError(this.label, 'no voice: pass `voice` (a Cartesia voice id)', {
          code: 'no-voice',
        }),
      );
    }
    const apiKey = this.apiKey;
    if (apiKey === undefined) {
      return Promise.reject(
        new ProviderError(this.label, 'no API key: set CARTESIA_API_KEY or pass `apiKey`', {
          code: 'no-api-key',
        }),
      );
    }
    if (this.connecting) return this.connecting;
    const connecting = CartesiaConnection.open({
      label: this.label,
      apiKey,
      baseUrl: this.baseUrl,
      version: this.version,
      onDead: () => {
        if (this.connecting === connecting) this.connecting = undefined;
      },
    });
    this.connecting = connecting;
    connecting.catch(() => {
      if (this.connecting === connecting) this.connecting = undefined;
    });
    return connecting;
  }
}
