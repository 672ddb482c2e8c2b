/**
 * Speech-to-text through the OpenAI transcriptions API (`POST /v1/audio/transcriptions`)
 * and the servers that speak it (speaches / faster-whisper-server, LocalAI, vLLM, ...), on
 * the official `openai` SDK. Batch only; {@link openAiStreamingStt} adds streaming with a VAD.
 */

import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { TranscriptionCreateParamsNonStreaming } from 'openai/resources/audio/transcriptions';
import type { AudioFrame } from '../../audio/audio-frame.ts';
import { encodeWav } from '../../audio/wav.ts';
import { ProviderError } from '../errors.ts';
import { StreamStt, type StreamSttOptions } from '../stream-stt.ts';
import type {
  Stt,
  SttCapabilities,
  SttRecognizeOptions,
  SttResult,
  SttStream,
  SttWord,
} from '../stt.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { Vad } from '../vad.ts';
import {
  createOpenAiClient,
  type ErrorContext,
  missingKeyError,
  type OpenAiConnection,
  type OpenAiConnectionOptions,
  resolveConnection,
  toProviderError,
} from './client.ts';

/** Options of {@link OpenAiStt}. */
export interface OpenAiSttOptions extends OpenAiConnectionOptions {
  /** Default `'whisper-1'`; local servers take their own names (e.g. `'Systran/faster-whisper-small'`). */
  model?: string;
  /**
   * Language of the audio, BCP-47 (`'en-US'`) or ISO-639-1 (`'en'`); sent as ISO-639-1.
   * `recognize`'s `language` wins. Default: the server detects it.
   */
  language?: string;
  /**
   * Ask for per-word timings: `response_format: 'verbose_json'` with
   * `timestamp_granularities: ['word']`. When the server rejects that with HTTP 400 (the
   * gpt-4o transcribe models only know `json`), the request is repeated with `json`, without
   * words, and later requests use `json` directly. Default false (`json`).
   */
  wordTimings?: boolean;
  /** Text to guide the style or vocabulary of the transcript. */
  prompt?: string;
  temperature?: number;
  /** Deadline of each HTTP attempt (upload, recognition, response headers), in ms. Default 30000. */
  timeoutMs?: number;
  /**
   * Retries by the SDK of failed attempts (HTTP 408/409/429/5xx, connection errors,
   * timeouts), with its backoff and the server's `retry-after`. Default 2.
   */
  maxRetries?: number;
  /** Default `'openai-stt'`. */
  label?: string;
}

const DEFAULTS = { model: 'whisper-1', timeoutMs: 30_000, maxRetries: 2 };

/** `'en-US'` → `'en'`: the API takes ISO-639-1 codes. */
function isoLanguage(language: string): string {
  return (language.split(/[-_]/)[0] ?? language).toLowerCase();
}

/**
 * Batch speech-to-text through the transcriptions API. Each `recognize` uploads the frames
 * as one 16-bit PCM WAV file (multipart) and returns the text, trimmed, and with
 * `wordTimings` the words with times relative to the start of the audio.
 *
 * Not streaming (`capabilities.streaming` is false, `stream()` throws): wrap it with a VAD,
 * `new StreamStt(stt, vad)` or {@link openAiStreamingStt}, which recognizes each speech
 * segment the VAD finds.
 *
 * Errors are {@link ProviderError}s with the HTTP status as `code` (`'timeout'` for
 * `ProviderTimeoutError`s); aborting `signal` cancels the upload and rejects with the
 * abort reason. The base URL and key come from the options, else `OPENAI_BASE_URL` and
 * `OPENAI_API_KEY` (a placeholder is sent to servers other than api.openai.com).
 *
 * @example
 * ```ts
 * const stt = new OpenAiStt({ baseURL: 'http://127.0.0.1:8000/v1', model: 'Systran/faster-whisper-small', wordTimings: true });
 * const { text, words } = await stt.recognize(frames, { language: 'en' });
 * ```
 */
export class OpenAiStt implements Stt<OpenAiSttOptions> {
  readonly label: string;
  readonly capabilities: SttCapabilities;
  private opts: OpenAiSttOptions;
  private conn: OpenAiConnection;
  private client: OpenAI;
  /** Set once the server refused `verbose_json`: later requests ask for `json`. */
  private verboseRejected = false;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(opts: OpenAiSttOptions = {}) {
    this.opts = { ...opts };
    this.label = opts.label ?? 'openai-stt';
    this.capabilities = {
      streaming: false,
      interimResults: false,
      wordTimestamps: opts.wordTimings ?? false,
    };
    this.conn = resolveConnection(opts);
    this.client = this.makeClient();
  }

  /** Where requests go: the resolved base URL, and whether a real key is configured. */
  get connection(): { baseURL: string; keyConfigured: boolean } {
    return { baseURL: this.conn.baseURL, keyConfigured: this.conn.keyConfigured };
  }

  async recognize(
    frames: readonly AudioFrame[],
    opts: SttRecognizeOptions = {},
  ): Promise<SttResult> {
    opts.signal?.throwIfAborted();
    if (this.closed) {
      throw new ProviderError(this.label, 'recognize() called after close()', { code: 'closed' });
    }
    const missingKey = missingKeyError(this.label, this.conn);
    if (missingKey) throw missingKey;
    if (frames.length === 0) return { text: '' };
    let wav: Uint8Array;
    try {
      wav = encodeWav([...frames]);
    } catch (err) {
      throw ProviderError.wrap(this.label, err, 'cannot encode the audio as WAV');
    }

    const settings = this.opts;
    const model = settings.model ?? DEFAULTS.model;
    const ctx: ErrorContext = {
      label: this.label,
      baseURL: this.conn.baseURL,
      model,
      operation: 'transcription',
      timeoutMs: settings.timeoutMs ?? DEFAULTS.timeoutMs,
    };
    const request = new AbortController();
    const unsubscribe = subscribeAbort(opts.signal, (reason) => request.abort(reason));
    this.inFlight.add(request);
    try {
      const language = opts.language ?? settings.language;
      const base = {
        model,
        ...(language === undefined ? {} : { language: isoLanguage(language) }),
        ...(settings.prompt === undefined ? {} : { prompt: settings.prompt }),
        ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
      };
      if (settings.wordTimings && !this.verboseRejected) {
        try {
          const verbose = await this.transcribe(wav, request.signal, {
            ...base,
            response_format: 'verbose_json',
            timestamp_granularities: ['word'],
          });
          return toResult(verbose);
        } catch (err) {
          if (request.signal.aborted || !isBadRequest(err)) throw err;
          // Fall through to `json`; remembered only once `json` works.
        }
        const plain = await this.transcribe(wav, request.signal, {
          ...base,
          response_format: 'json',
        });
        this.verboseRejected = true;
        return toResult(plain);
      }
      return toResult(
        await this.transcribe(wav, request.signal, { ...base, response_format: 'json' }),
      );
    } catch (err) {
      if (request.signal.aborted) throw request.signal.reason;
      throw toProviderError(err, ctx);
    } finally {
      unsubscribe();
      this.inFlight.delete(request);
    }
  }

  /** Not supported natively: throws, naming the VAD adapter to use. */
  stream(): SttStream {
    throw new ProviderError(
      this.label,
      'stream() is not supported by the transcriptions API; wrap with a VAD: openAiStreamingStt({ vad }) or new StreamStt(stt, vad)',
      { code: 'unsupported' },
    );
  }

  /** Takes effect for the next request; a new `baseURL`, `apiKey` or retry setting makes a new client. */
  updateOptions(opts: Partial<OpenAiSttOptions>): void {
    const reconnect =
      (opts.baseURL !== undefined && opts.baseURL !== this.opts.baseURL) ||
      (opts.apiKey !== undefined && opts.apiKey !== this.opts.apiKey) ||
      (opts.maxRetries !== undefined && opts.maxRetries !== this.opts.maxRetries);
    if (opts.model !== undefined && opts.model !== this.opts.model) this.verboseRejected = false;
    this.opts = { ...this.opts, ...opts };
    if (reconnect) {
      this.conn = resolveConnection(this.opts);
      this.client = this.makeClient();
      this.verboseRejected = false;
    }
  }

  /** Nothing to load: connections open on the first request. */
  async prewarm(): Promise<void> {}

  /** Aborts requests in flight (they reject with a `ProviderError`); later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const request of this.inFlight) {
      request.abort(new ProviderError(this.label, 'closed while transcribing', { code: 'closed' }));
    }
    this.inFlight.clear();
  }

  private makeClient(): OpenAI {
    return createOpenAiClient(this.conn, {
      maxRetries: Math.max(0, Math.floor(this.opts.maxRetries ?? DEFAULTS.maxRetries)),
    });
  }

  private async transcribe(
    wav: Uint8Array,
    signal: AbortSignal,
    params: Omit<TranscriptionCreateParamsNonStreaming<'json' | 'verbose_json'>, 'file'>,
  ): Promise<TranscriptionResponse> {
    // A fresh File per attempt: the SDK consumes it while uploading.
    const file = await toFile(wav, 'audio.wav', { type: 'audio/wav' });
    return (await this.client.audio.transcriptions.create(
      { ...params, file },
      { signal, timeout: this.opts.timeoutMs ?? DEFAULTS.timeoutMs },
    )) as TranscriptionResponse;
  }
}

/** The fields of `json` and `verbose_json` replies used here. */
interface TranscriptionResponse {
  text: string;
  words?: { word: string; start: number; end: number }[];
}

function isBadRequest(err: unknown): boolean {
  return (err as { status?: unknown } | null)?.status === 400;
}

function toResult(response: TranscriptionResponse): SttResult {
  const result: SttResult = { text: (response.text ?? '').trim() };
  if (Array.isArray(response.words)) {
    result.words = response.words.map(
      (w): SttWord => ({
        word: w.word.trim(),
        startMs: Math.round(w.start * 1000),
        endMs: Math.round(w.end * 1000),
      }),
    );
  }
  return result;
}

/** Options of {@link openAiStreamingStt}. */
export interface OpenAiStreamingSttOptions extends OpenAiSttOptions {
  /** Finds the speech segments to recognize (e.g. Silero). Closed with the returned STT. */
  vad: Vad;
  /** Padding, buffering and label of the {@link StreamStt} adapter. */
  adapter?: StreamSttOptions;
}

/**
 * A streaming STT: an {@link OpenAiStt} wrapped in a {@link StreamStt}, which recognizes each
 * speech segment the VAD finds (`speechStarted`, `final`, `usage`, `speechEnded`; no
 * interim results). Same as `new StreamStt(new OpenAiStt(opts), opts.vad, opts.adapter)`.
 *
 * @example
 * ```ts
 * const stt = openAiStreamingStt({ baseURL: 'http://127.0.0.1:8000/v1', vad: sileroVad });
 * const stream = stt.stream({ language: 'en' });
 * mic.on('frame', (f) => stream.pushFrame(f));
 * for await (const ev of stream) if (ev.type === 'final') console.log(ev.text);
 * ```
 */
export function openAiStreamingStt(opts: OpenAiStreamingSttOptions): StreamStt<OpenAiSttOptions> {
  const { vad, adapter, ...sttOptions } = opts;
  return new StreamStt(new OpenAiStt(sttOptions), vad, adapter);
}
