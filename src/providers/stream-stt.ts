/**
 * Streaming STT adapter: gives a batch STT the streaming interface by recognizing the
 * speech segments found by a VAD (LiveKit Agents' `stt.StreamAdapter`).
 */

import type { AudioFrame } from '../audio/audio-frame.ts';
import { AsyncQueue } from './async-queue.ts';
import { ProviderError } from './errors.ts';
import type {
  Stt,
  SttCapabilities,
  SttEvent,
  SttRecognizeOptions,
  SttResult,
  SttStream,
  SttStreamOptions,
} from './stt.ts';
import { subscribeAbort } from './subscribe-abort.ts';
import type { Vad, VadStream } from './vad.ts';

const frameEndMs = (f: AudioFrame): number => f.startMs + f.durationMs;

/** Options of {@link StreamStt}. */
export interface StreamSttOptions {
  /** Audio kept before the VAD's speech start, so soft onsets are not clipped. Default 300. */
  prefixPaddingMs?: number;
  /**
   * How far a `speechStarted` may be back-dated before the latest VAD event seen. While
   * idle, audio older than `prefixPaddingMs + vadLookbackMs` before the VAD's progress is
   * dropped. Trimming follows the VAD's progress, not the pushed audio, so frames pushed
   * in a burst (replays, tests) are not lost before the VAD has looked at them. Default 1000.
   */
  vadLookbackMs?: number;
  /**
   * Hard cap on buffered audio, for VADs that report no progress while idle and for very
   * long speech (older audio is dropped; call `flush()` to split long speech). Default 60000.
   */
  maxBufferedMs?: number;
  /** Defaults to `StreamStt(<stt label>, <vad label>)`. */
  label?: string;
}

/**
 * Streaming STT on top of a batch one, segmented by a VAD: audio from the VAD's speech
 * start (minus `prefixPaddingMs`) to its speech end (plus the same padding) is recognized
 * in one `recognize` call. Events come in VAD order: `speechStarted`, then `final` (skipped
 * when the text is empty), `usage` and `speechEnded`, so a consumer seeing `speechEnded`
 * already has the transcript. Word times are shifted to stream time. Closing the adapter
 * closes its streams and both wrapped providers.
 *
 * @example
 * ```ts
 * const stt = new StreamStt(whisper, sileroVad);
 * const stream = stt.stream({ language: 'en' });
 * mic.on('frame', (f) => stream.pushFrame(f));
 * for await (const ev of stream) if (ev.type === 'final') console.log(ev.text);
 * ```
 */
export class StreamStt<Options extends object = object> implements Stt<Options> {
  readonly label: string;
  readonly capabilities: SttCapabilities;
  readonly inner: Stt<Options>;
  readonly vad: Vad;
  private readonly prefixPaddingMs: number;
  private readonly vadLookbackMs: number;
  private readonly maxBufferedMs: number;
  private readonly streams = new Set<SttStream>();

  constructor(inner: Stt<Options>, vad: Vad, opts: StreamSttOptions = {}) {
    this.inner = inner;
    this.vad = vad;
    this.label = opts.label ?? `StreamStt(${inner.label}, ${vad.label})`;
    this.capabilities = {
      streaming: true,
      interimResults: false,
      wordTimestamps: inner.capabilities.wordTimestamps,
    };
    this.prefixPaddingMs = Math.max(0, opts.prefixPaddingMs ?? 300);
    this.vadLookbackMs = Math.max(0, opts.vadLookbackMs ?? 1000);
    this.maxBufferedMs = Math.max(0, opts.maxBufferedMs ?? 60_000);
  }

  recognize(frames: readonly AudioFrame[], opts?: SttRecognizeOptions): Promise<SttResult> {
    return this.inner.recognize(frames, opts);
  }

  stream(opts: SttStreamOptions = {}): SttStream {
    const stream: SttStream = new VadSttStream({
      stt: this.inner,
      vadStream: this.vad.stream(),
      vadLabel: this.vad.label,
      prefixPaddingMs: this.prefixPaddingMs,
      retentionMs: this.prefixPaddingMs + this.vadLookbackMs,
      maxBufferedMs: this.maxBufferedMs,
      language: opts.language,
      signal: opts.signal,
      onDone: () => this.streams.delete(stream),
    });
    this.streams.add(stream);
    return stream;
  }

  /** Forwarded to the wrapped STT. */
  updateOptions(opts: Partial<Options>): void {
    this.inner.updateOptions(opts);
  }

  async prewarm(): Promise<void> {
    await Promise.all([this.inner.prewarm(), this.vad.prewarm()]);
  }

  async close(): Promise<void> {
    for (const s of [...this.streams]) s.close();
    await Promise.all([this.inner.close(), this.vad.close()]);
  }
}

interface VadSttStreamConfig {
  stt: Stt;
  vadStream: VadStream;
  vadLabel: string;
  prefixPaddingMs: number;
  /** Audio kept while idle, before the VAD's progress. */
  retentionMs: number;
  maxBufferedMs: number;
  language: string | undefined;
  signal: AbortSignal | undefined;
  onDone: () => void;
}

type Recognition = { ok: true; result: SttResult | null } | { ok: false; error: unknown };

class VadSttStream implements SttStream {
  private readonly cfg: VadSttStreamConfig;
  private readonly output: AsyncQueue<SttEvent>;
  private readonly abort = new AbortController();
  private readonly unsubscribe: () => void;
  /** Recent frames in push order: the current speech, or what a speech start may need. */
  private history: AudioFrame[] = [];
  private latestEndMs = Number.NEGATIVE_INFINITY;
  /** Latest stream time reported by any VAD event: the VAD has analysed audio up to here. */
  private vadProgressMs = Number.NEGATIVE_INFINITY;
  /** Start (stream time) of the current segment, or null while no speech is in progress. */
  private segmentStartMs: number | null = null;
  /** Serializes emissions so events keep VAD order while recognitions run concurrently. */
  private tail: Promise<void> = Promise.resolve();
  private inputEnded = false;
  private stopped = false;

  constructor(cfg: VadSttStreamConfig) {
    this.cfg = cfg;
    this.output = new AsyncQueue({ onClose: () => this.stop() });
    this.unsubscribe = subscribeAbort(cfg.signal, (reason) => {
      this.output.fail(reason);
      this.stop();
    });
    void this.runVad();
  }

  pushFrame(frame: AudioFrame): void {
    if (this.stopped || this.inputEnded) return;
    this.history.push(frame);
    this.latestEndMs = Math.max(this.latestEndMs, frameEndMs(frame));
    this.cfg.vadStream.pushFrame(frame);
    this.trimHistory();
  }

  flush(): void {
    if (this.stopped || this.segmentStartMs === null) return;
    // Recognize the speech so far; the speech goes on, and its next final starts here.
    const from = this.segmentStartMs;
    const to = Math.max(from, this.latestEndMs);
    const frames = this.take(from - this.cfg.prefixPaddingMs, Number.POSITIVE_INFINITY);
    this.segmentStartMs = to;
    this.history = [];
    const recognition = this.recognize(frames);
    this.enqueue(async () => this.emitResult(await recognition, frames, from, to));
  }

  endInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.cfg.vadStream.endInput();
  }

  close(): void {
    this.output.close(); // its onClose stops the work
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.output[Symbol.asyncIterator]();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.history = [];
    this.abort.abort();
    this.cfg.vadStream.close();
    this.unsubscribe();
    this.cfg.onDone();
  }

  private async runVad(): Promise<void> {
    try {
      for await (const ev of this.cfg.vadStream) {
        if (this.stopped) return;
        this.vadProgressMs = Math.max(this.vadProgressMs, ev.atMs);
        if (ev.type === 'speechStarted') this.onSpeechStarted(ev.atMs);
        else if (ev.type === 'speechEnded') this.onSpeechEnded(ev.atMs);
        else this.trimHistory();
      }
      if (this.stopped) return;
      // Input ended mid-speech: recognize what we have.
      if (this.segmentStartMs !== null) this.onSpeechEnded(this.latestEndMs);
      await this.tail;
      this.output.end();
    } catch (err) {
      if (!this.stopped)
        this.output.fail(ProviderError.wrap(this.cfg.vadLabel, err, 'VAD stream failed'));
    } finally {
      this.stop();
    }
  }

  private onSpeechStarted(atMs: number): void {
    if (this.segmentStartMs !== null) return;
    this.segmentStartMs = atMs;
    this.enqueue(() => {
      this.output.push({ type: 'speechStarted', atMs });
    });
  }

  private onSpeechEnded(atMs: number): void {
    const from = this.segmentStartMs;
    if (from === null) return;
    const pad = this.cfg.prefixPaddingMs;
    const frames = this.take(from - pad, atMs + pad);
    this.segmentStartMs = null;
    this.trimHistory();
    const recognition = this.recognize(frames);
    this.enqueue(async () => {
      this.emitResult(await recognition, frames, from, Math.max(from, atMs));
      this.output.push({ type: 'speechEnded' });
    });
  }

  /** Frames overlapping [fromMs, toMs). */
  private take(fromMs: number, toMs: number): AudioFrame[] {
    return this.history.filter((f) => frameEndMs(f) > fromMs && f.startMs < toMs);
  }

  private trimHistory(): void {
    const capMs = this.latestEndMs - this.cfg.maxBufferedMs;
    const keepAfterMs =
      this.segmentStartMs === null
        ? Math.max(capMs, this.vadProgressMs - this.cfg.retentionMs)
        : capMs;
    let drop = 0;
    while (
      drop < this.history.length &&
      frameEndMs(this.history[drop] as AudioFrame) <= keepAfterMs
    )
      drop++;
    if (drop > 0) this.history.splice(0, drop);
  }

  /** Starts recognition now; never rejects, so an error waits for its turn in `tail`. */
  private recognize(frames: readonly AudioFrame[]): Promise<Recognition> {
    if (frames.length === 0) return Promise.resolve({ ok: true, result: null });
    const opts: SttRecognizeOptions = { signal: this.abort.signal };
    if (this.cfg.language !== undefined) opts.language = this.cfg.language;
    return this.cfg.stt.recognize(frames, opts).then(
      (result): Recognition => ({ ok: true, result }),
      (error: unknown): Recognition => ({ ok: false, error }),
    );
  }

  private enqueue(task: () => void | Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.output.finished) return;
      try {
        await task();
      } catch (err) {
        this.output.fail(err);
        this.stop();
      }
    });
  }

  private emitResult(
    rec: Recognition,
    frames: readonly AudioFrame[],
    startMs: number,
    endMs: number,
  ): void {
    if (!rec.ok) {
      if (!this.stopped) {
        this.output.fail(ProviderError.wrap(this.cfg.stt.label, rec.error, 'recognition failed'));
        this.stop();
      }
      return;
    }
    const first = frames[0];
    if (rec.result === null || first === undefined) return;
    const { text, words, confidence } = rec.result;
    if (text.trim() !== '') {
      // Build plain data without undefined-valued keys: events may end up in snapshots.
      const final: SttEvent & { type: 'final' } = { type: 'final', text, startMs, endMs };
      if (confidence !== undefined) final.confidence = confidence;
      if (words) {
        final.words = words.map((w) => ({
          ...w,
          startMs: w.startMs + first.startMs,
          endMs: w.endMs + first.startMs,
        }));
      }
      if (this.cfg.language !== undefined) final.language = this.cfg.language;
      this.output.push(final);
    }
    this.output.push({ type: 'usage', audioMs: frames.reduce((sum, f) => sum + f.durationMs, 0) });
  }
}
