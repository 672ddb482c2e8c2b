/**
 * Streaming TTS adapter: gives a batch TTS the streaming interface by synthesizing the
 * pushed text sentence by sentence (LiveKit Agents' `tts.StreamAdapter`).
 */

import { SentenceStream, type SentenceStreamOptions } from '../text/sentence-tokenizer.ts';
import { AsyncQueue } from './async-queue.ts';
import { ProviderError } from './errors.ts';
import { subscribeAbort } from './subscribe-abort.ts';
import type { Tts, TtsCapabilities, TtsChunk, TtsRequestOptions, TtsStream } from './tts.ts';

/** Options of {@link StreamTts}. */
export interface StreamTtsOptions {
  /** Sentence splitting options (`minChars` default 20). */
  sentences?: SentenceStreamOptions;
  /** Defaults to `StreamTts(<inner label>)`. */
  label?: string;
}

/**
 * Streaming TTS on top of a non-streaming one: pushed text is split into sentences, and
 * each sentence is synthesized in order as soon as it is complete. Word timings are shifted
 * by the audio already produced, so they are relative to the start of the stream. Frames
 * are passed through unchanged. Closing the adapter closes its streams and the wrapped TTS.
 *
 * @example
 * ```ts
 * const tts = new StreamTts(batchTts);
 * const stream = tts.stream({ signal });
 * stream.pushText('Hello there! How can I ');
 * stream.pushText('help you today?');
 * stream.endInput();
 * for await (const { frame, words } of stream) speaker.play(frame);
 * ```
 */
export class StreamTts<Options extends object = object> implements Tts<Options> {
  readonly label: string;
  readonly capabilities: TtsCapabilities;
  readonly inner: Tts<Options>;
  private readonly sentenceOptions: SentenceStreamOptions;
  private readonly streams = new Set<TtsStream>();

  constructor(inner: Tts<Options>, opts: StreamTtsOptions = {}) {
    this.inner = inner;
    this.label = opts.label ?? `StreamTts(${inner.label})`;
    this.capabilities = { ...inner.capabilities, streaming: true };
    this.sentenceOptions = opts.sentences ?? {};
  }

  synthesize(text: string, opts?: TtsRequestOptions): AsyncIterable<TtsChunk> {
    return this.inner.synthesize(text, opts);
  }

  stream(opts: TtsRequestOptions = {}): TtsStream {
    const stream: TtsStream = new SentenceTtsStream(
      this.inner,
      this.sentenceOptions,
      opts.signal,
      () => this.streams.delete(stream),
    );
    this.streams.add(stream);
    return stream;
  }

  /** Forwarded to the wrapped TTS. */
  updateOptions(opts: Partial<Options>): void {
    this.inner.updateOptions(opts);
  }

  prewarm(): Promise<void> {
    return this.inner.prewarm();
  }

  async close(): Promise<void> {
    for (const s of [...this.streams]) s.close();
    await this.inner.close();
  }
}

class SentenceTtsStream implements TtsStream {
  private readonly sentences: SentenceStream;
  private readonly pending = new AsyncQueue<string>();
  private readonly output: AsyncQueue<TtsChunk>;
  private readonly abort = new AbortController();
  private readonly unsubscribe: () => void;
  private readonly inner: Tts;
  private readonly onDone: () => void;
  private stopped = false;

  constructor(
    inner: Tts,
    sentenceOptions: SentenceStreamOptions,
    signal: AbortSignal | undefined,
    onDone: () => void,
  ) {
    this.inner = inner;
    this.onDone = onDone;
    this.sentences = new SentenceStream(sentenceOptions);
    this.output = new AsyncQueue({ onClose: () => this.stop(undefined) });
    this.unsubscribe = subscribeAbort(signal, (reason) => {
      this.output.fail(reason);
      this.stop(reason);
    });
    void this.run();
  }

  pushText(text: string): void {
    if (this.pending.finished) return;
    for (const s of this.sentences.push(text)) this.pending.push(s);
  }

  flush(): void {
    if (this.pending.finished) return;
    for (const s of this.sentences.flush()) this.pending.push(s);
  }

  endInput(): void {
    this.flush();
    this.pending.end();
  }

  close(): void {
    this.output.close(); // its onClose stops the work
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsChunk> {
    return this.output[Symbol.asyncIterator]();
  }

  private stop(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending.close();
    this.abort.abort(reason);
    this.unsubscribe();
    this.onDone();
  }

  private async run(): Promise<void> {
    let producedMs = 0;
    try {
      for await (const sentence of this.pending) {
        const offsetMs = producedMs;
        for await (const chunk of this.inner.synthesize(sentence, { signal: this.abort.signal })) {
          if (this.stopped) return;
          producedMs += chunk.frame.durationMs;
          this.output.push(
            chunk.words
              ? {
                  frame: chunk.frame,
                  words: chunk.words.map((w) => ({
                    word: w.word,
                    startMs: w.startMs + offsetMs,
                    endMs: w.endMs + offsetMs,
                  })),
                }
              : { frame: chunk.frame },
          );
        }
      }
      this.output.end();
    } catch (err) {
      // After a stop, errors are the inner TTS reacting to the abort: not worth reporting.
      if (!this.stopped)
        this.output.fail(ProviderError.wrap(this.inner.label, err, 'synthesis failed'));
    } finally {
      this.stop(undefined);
    }
  }
}
