/**
 * Fallback adapters: several providers of one kind behind one, tried in order. A request goes to
 * the first available provider; if it fails before producing anything (an error, a refused
 * connection), the next one takes the same request, and the failed one is set aside for
 * `retryAfterMs` before it is tried first again. A failure after output was produced cannot be
 * replayed elsewhere without saying things twice: it is thrown (an LLM or TTS request), or, for a
 * streaming STT, the next provider takes over the audio from the last final transcript on.
 */
import type { AudioFrame } from '../audio/audio-frame.ts';
import { AsyncQueue } from './async-queue.ts';
import { ProviderError } from './errors.ts';
import type { Llm, LlmCapabilities, LlmChatRequest, LlmChunk } from './llm.ts';
import type { Provider } from './provider.ts';
import { StreamTts } from './stream-tts.ts';
import type {
  Stt,
  SttCapabilities,
  SttEvent,
  SttRecognizeOptions,
  SttResult,
  SttStream,
  SttStreamOptions,
} from './stt.ts';
import type { Tts, TtsCapabilities, TtsChunk, TtsRequestOptions, TtsStream } from './tts.ts';

export interface FallbackOptions {
  /** How long a provider that failed is set aside before it is tried first again. Default 30000. */
  retryAfterMs?: number;
  /** Wall clock for that wait (ms). Default `performance.now`. */
  now?: () => number;
  /** Told each time a request moves on from a failed provider. */
  onFallback?: (info: { from: string; to: string | null; error: unknown }) => void;
  /** Default `Fallback(<labels>)`. */
  label?: string;
}

/** Which providers to try, in which order, and who failed when. */
class Rotation<P extends Provider<unknown>> {
  readonly providers: readonly P[];
  private readonly failedAt = new Map<P, number>();
  private readonly opts: FallbackOptions;
  readonly label: string;

  constructor(kind: string, providers: readonly P[], opts: FallbackOptions) {
    if (providers.length === 0) throw new TypeError(`Fallback${kind}: give at least one provider`);
    this.providers = providers;
    this.opts = opts;
    this.label = opts.label ?? `Fallback(${providers.map((p) => p.label).join(', ')})`;
  }

  private now(): number {
    return this.opts.now?.() ?? performance.now();
  }

  /** Healthy providers first, in their order; then those set aside, longest ago first. */
  order(): P[] {
    const retryAfter = this.opts.retryAfterMs ?? 30_000;
    const now = this.now();
    const healthy = this.providers.filter((p) => {
      const at = this.failedAt.get(p);
      return at === undefined || now - at >= retryAfter;
    });
    const aside = this.providers
      .filter((p) => !healthy.includes(p))
      .sort((a, b) => (this.failedAt.get(a) ?? 0) - (this.failedAt.get(b) ?? 0));
    return [...healthy, ...aside];
  }

  failed(provider: P, error: unknown, next: P | undefined): void {
    this.failedAt.set(provider, this.now());
    this.opts.onFallback?.({ from: provider.label, to: next?.label ?? null, error });
  }

  succeeded(provider: P): void {
    this.failedAt.delete(provider);
  }

  allFailed(errors: readonly unknown[]): ProviderError {
    const reasons = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    return new ProviderError(this.label, `every provider failed: ${reasons}`, {
      retryable: true,
      cause: errors.at(-1),
    });
  }

  updateOptions(opts: object): void {
    for (const p of this.providers) p.updateOptions(opts);
  }

  async prewarm(): Promise<void> {
    // One provider that cannot warm up must not stop the others from serving.
    const results = await Promise.allSettled(this.providers.map((p) => p.prewarm()));
    if (results.every((r) => r.status === 'rejected')) {
      throw this.allFailed(results.map((r) => (r as PromiseRejectedResult).reason));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.providers.map((p) => p.close()));
  }
}

const aborted = (signal: AbortSignal | undefined) => signal?.aborted === true;

/**
 * Runs `attempt` on each provider in turn until one produces output; output already produced
 * makes a later failure final.
 */
async function* withFallback<P extends Provider<unknown>, T>(
  rotation: Rotation<P>,
  signal: AbortSignal | undefined,
  attempt: (provider: P) => AsyncIterable<T>,
): AsyncGenerator<T> {
  const errors: unknown[] = [];
  const order = rotation.order();
  for (const [i, provider] of order.entries()) {
    let produced = false;
    try {
      for await (const item of attempt(provider)) {
        produced = true;
        yield item;
      }
      rotation.succeeded(provider);
      return;
    } catch (error) {
      if (produced || aborted(signal)) throw error;
      errors.push(error);
      rotation.failed(provider, error, order[i + 1]);
    }
  }
  throw rotation.allFailed(errors);
}

/**
 * LLMs tried in order; a request fails over while nothing has been streamed yet.
 *
 * @example
 * ```ts
 * const llm = new FallbackLlm([OpenAiLlm.fromEnv(), new OpenAiLlm({ baseURL: 'http://127.0.0.1:8080/v1', model: 'local' })]);
 * ```
 */
export class FallbackLlm implements Llm {
  readonly label: string;
  readonly capabilities: LlmCapabilities;
  private readonly rotation: Rotation<Llm>;

  constructor(llms: readonly Llm[], opts: FallbackOptions = {}) {
    this.rotation = new Rotation('Llm', llms, opts);
    this.label = this.rotation.label;
    this.capabilities = { streaming: true, toolCalls: llms.every((l) => l.capabilities.toolCalls) };
  }

  chat(req: LlmChatRequest): AsyncIterable<LlmChunk> {
    return withFallback(this.rotation, req.signal, (llm) => llm.chat(req));
  }

  updateOptions(opts: object): void {
    this.rotation.updateOptions(opts);
  }
  prewarm(): Promise<void> {
    return this.rotation.prewarm();
  }
  close(): Promise<void> {
    return this.rotation.close();
  }
}

/**
 * TTS engines tried in order, sentence by sentence: `stream()` splits the text into sentences
 * (through {@link StreamTts}) and each sentence fails over on its own. The engines must share a
 * sample rate and channel count, so the audio can switch mid-reply.
 *
 * @example
 * ```ts
 * const tts = new FallbackTts([cloudTts, new FliteTts()]);
 * ```
 */
export class FallbackTts implements Tts {
  readonly label: string;
  readonly capabilities: TtsCapabilities;
  private readonly rotation: Rotation<Tts>;
  private adapter: StreamTts | null = null;

  constructor(engines: readonly Tts[], opts: FallbackOptions = {}) {
    this.rotation = new Rotation('Tts', engines, opts);
    this.label = this.rotation.label;
    const [first] = engines as [Tts, ...Tts[]];
    for (const e of engines) {
      if (
        e.capabilities.sampleRate !== first.capabilities.sampleRate ||
        e.capabilities.channels !== first.capabilities.channels
      ) {
        throw new TypeError(
          `FallbackTts: ${e.label} speaks at ${e.capabilities.sampleRate} Hz, ${e.capabilities.channels} ch; ` +
            `${first.label} at ${first.capabilities.sampleRate} Hz, ${first.capabilities.channels} ch (they must match)`,
        );
      }
    }
    this.capabilities = {
      streaming: true,
      wordTimestamps: engines.every((e) => e.capabilities.wordTimestamps),
      sampleRate: first.capabilities.sampleRate,
      channels: first.capabilities.channels,
    };
  }

  synthesize(text: string, opts: TtsRequestOptions = {}): AsyncIterable<TtsChunk> {
    return withFallback(this.rotation, opts.signal, (tts) => tts.synthesize(text, opts));
  }

  stream(opts: TtsRequestOptions = {}): TtsStream {
    this.adapter ??= new StreamTts(this, { label: this.label });
    return this.adapter.stream(opts);
  }

  updateOptions(opts: object): void {
    this.rotation.updateOptions(opts);
  }
  prewarm(): Promise<void> {
    return this.rotation.prewarm();
  }
  async close(): Promise<void> {
    await this.adapter?.close();
    await this.rotation.close();
  }
}

/** Audio kept for a takeover: what was pushed since the last final, at most this much. */
const MAX_REPLAY_MS = 30_000;

/**
 * Speech recognizers tried in order. `recognize` fails over while it has no result; a stream
 * that fails hands the audio since the last final transcript to the next recognizer and goes on
 * there, so nothing the user said is lost.
 *
 * @example
 * ```ts
 * const stt = new FallbackStt([deepgram, new PocketsphinxStt()]);
 * ```
 */
export class FallbackStt implements Stt {
  readonly label: string;
  readonly capabilities: SttCapabilities;
  private readonly rotation: Rotation<Stt>;

  constructor(recognizers: readonly Stt[], opts: FallbackOptions = {}) {
    this.rotation = new Rotation('Stt', recognizers, opts);
    this.label = this.rotation.label;
    const all = (f: (c: SttCapabilities) => boolean) => recognizers.every((r) => f(r.capabilities));
    this.capabilities = {
      ...recognizers[0]!.capabilities,
      streaming: all((c) => c.streaming),
      interimResults: all((c) => c.interimResults),
      wordTimestamps: all((c) => c.wordTimestamps),
    };
  }

  async recognize(
    frames: readonly AudioFrame[],
    opts: SttRecognizeOptions = {},
  ): Promise<SttResult> {
    const errors: unknown[] = [];
    const order = this.rotation.order();
    for (const [i, stt] of order.entries()) {
      try {
        const result = await stt.recognize(frames, opts);
        this.rotation.succeeded(stt);
        return result;
      } catch (error) {
        if (aborted(opts.signal)) throw error;
        errors.push(error);
        this.rotation.failed(stt, error, order[i + 1]);
      }
    }
    throw this.rotation.allFailed(errors);
  }

  stream(opts: SttStreamOptions = {}): SttStream {
    return new FallbackSttStream(this.rotation, opts);
  }

  updateOptions(opts: object): void {
    this.rotation.updateOptions(opts);
  }
  prewarm(): Promise<void> {
    return this.rotation.prewarm();
  }
  close(): Promise<void> {
    return this.rotation.close();
  }
}

class FallbackSttStream implements SttStream {
  private readonly rotation: Rotation<Stt>;
  private readonly opts: SttStreamOptions;
  private readonly output = new AsyncQueue<SttEvent>();
  private readonly order: Stt[];
  private readonly errors: unknown[] = [];
  private index = 0;
  private current: SttStream | null = null;
  /** Audio since the last final, for the next recognizer if this one fails. */
  private replay: AudioFrame[] = [];
  private replayMs = 0;
  private ended = false;
  private closed = false;

  constructor(rotation: Rotation<Stt>, opts: SttStreamOptions) {
    this.rotation = rotation;
    this.opts = opts;
    this.order = rotation.order();
    this.open();
  }

  private open(): void {
    const stt = this.order[this.index];
    if (!stt) {
      this.output.fail(this.rotation.allFailed(this.errors));
      return;
    }
    let stream: SttStream;
    try {
      stream = stt.stream(this.opts);
    } catch (error) {
      this.fail(stt, error);
      return;
    }
    this.current = stream;
    for (const frame of this.replay) stream.pushFrame(frame);
    if (this.ended) stream.endInput();
    void this.pump(stt, stream);
  }

  private async pump(stt: Stt, stream: SttStream): Promise<void> {
    try {
      for await (const event of stream) {
        if (this.closed || stream !== this.current) return;
        if (event.type === 'final') {
          this.replay = [];
          this.replayMs = 0;
          this.rotation.succeeded(stt);
        }
        this.output.push(event);
      }
      if (stream === this.current && !this.closed) this.output.end();
    } catch (error) {
      if (this.closed || stream !== this.current || aborted(this.opts.signal)) {
        if (stream === this.current) this.output.fail(error);
        return;
      }
      this.fail(stt, error);
    }
  }

  private fail(stt: Stt, error: unknown): void {
    this.errors.push(error);
    this.index++;
    this.rotation.failed(stt, error, this.order[this.index]);
    this.current = null;
    this.open();
  }

  pushFrame(frame: AudioFrame): void {
    if (this.closed || this.ended) return;
    this.replay.push(frame);
    this.replayMs += frame.durationMs;
    while (this.replayMs > MAX_REPLAY_MS && this.replay.length > 1) {
      this.replayMs -= this.replay.shift()!.durationMs;
    }
    this.current?.pushFrame(frame);
  }

  flush(): void {
    this.current?.flush();
  }

  endInput(): void {
    this.ended = true;
    this.current?.endInput();
  }

  close(): void {
    this.closed = true;
    this.current?.close();
    this.current = null;
    this.output.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.output[Symbol.asyncIterator]();
  }
}
