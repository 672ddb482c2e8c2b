/**
 * One Cartesia synthesis context as a {@link TtsStream}: text goes out as `continue: true`
 * requests cut at word boundaries, audio comes back re-framed with word timings attached.
 */

import { randomUUID } from 'node:crypto';
import type { GenerationRequest, WebsocketResponse } from '@cartesia/cartesia-js/resources/tts';
import { AudioByteStream } from '../../audio/audio-byte-stream.ts';
import type { AudioFrame } from '../../audio/audio-frame.ts';
import type { TimedWord } from '../../text/played-text.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ProviderError } from '../errors.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { TtsChunk, TtsStream } from '../tts.ts';
import {
  type CartesiaConnection,
  type CartesiaContextSink,
  eventError,
} from './cartesia-connection.ts';

/** The fields of a generation request that do not change within a context. */
export type CartesiaRequestBase = Omit<
  GenerationRequest,
  'context_id' | 'transcript' | 'continue' | 'flush'
>;

/** What a {@link CartesiaContextStream} needs from its provider. */
export interface CartesiaStreamParams {
  label: string;
  /** The shared connection; a rejection fails the stream. */
  connection: Promise<CartesiaConnection>;
  request: CartesiaRequestBase;
  sampleRate: number;
  frameDurationMs: number;
  signal: AbortSignal | undefined;
  onDone: () => void;
}

/**
 * A streaming session on one Cartesia context. Frames are contiguous from 0 ms; each chunk's
 * `words` are the words that end within (or before) its frame, in milliseconds from the
 * start of the stream. The newest frame is held back until more audio, a flush or the end
 * arrives, so timings that follow their audio still ride on it.
 *
 * @example
 * ```ts
 * const stream = tts.stream();
 * stream.pushText('Hello, ');
 * stream.pushText('world.');
 * stream.endInput();
 * for await (const { frame, words } of stream) speaker.play(frame);
 * ```
 */
export class CartesiaContextStream implements TtsStream, CartesiaContextSink {
  readonly contextId = randomUUID();
  private readonly params: CartesiaStreamParams;
  private readonly output: AsyncQueue<TtsChunk>;
  private readonly audio: AudioByteStream;
  private readonly unsubscribe: () => void;
  private conn: CartesiaConnection | undefined;
  /** Requests made before the connection is up. */
  private outbox: GenerationRequest[] = [];
  private text = '';
  private sentAny = false;
  private inputEnded = false;
  private serverDone = false;
  private stopped = false;
  private held: AudioFrame | undefined;
  private words: TimedWord[] = [];

  constructor(params: CartesiaStreamParams) {
    this.params = params;
    this.audio = new AudioByteStream(params.sampleRate, 1, params.frameDurationMs);
    this.output = new AsyncQueue({ onClose: () => this.stop(true) });
    this.unsubscribe = subscribeAbort(params.signal, (reason) => {
      this.output.fail(reason);
      this.stop(true);
    });
    params.connection.then(
      (conn) => {
        if (this.stopped) return;
        this.conn = conn;
        conn.register(this.contextId, this);
        const outbox = this.outbox;
        this.outbox = [];
        for (const request of outbox) this.transmit(request);
      },
      (err: unknown) => this.fail(ProviderError.wrap(params.label, err, 'cannot connect')),
    );
  }

  pushText(text: string): void {
    if (this.inputEnded || this.stopped) return;
    this.text += text;
    // Send up to the last whitespace: the rest may be the start of a longer word.
    const cut = this.text.search(/\S*$/);
    const ready = this.text.slice(0, cut);
    if (ready.trim() === '') return;
    this.text = this.text.slice(cut);
    this.request(ready, true);
  }

  flush(): void {
    if (this.inputEnded || this.stopped) return;
    const rest = this.text;
    this.text = '';
    if (rest.trim() !== '') this.request(rest, true);
    if (this.sentAny) this.request('', true, true);
  }

  endInput(): void {
    if (this.inputEnded || this.stopped) return;
    this.inputEnded = true;
    const rest = this.text;
    this.text = '';
    if (!this.sentAny && rest.trim() === '') {
      // Nothing was ever sent: there is no context to finish.
      this.output.end();
      this.stop(false);
      return;
    }
    this.request(rest, false);
  }

  /** Ends the input with a last piece of text, sent as is (no word-boundary cut). */
  endInputWith(text: string): void {
    if (this.inputEnded || this.stopped) return;
    this.text += text;
    this.endInput();
  }

  close(): void {
    this.output.close(); // its onClose cancels the context
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsChunk> {
    return this.output[Symbol.asyncIterator]();
  }

  onEvent(event: WebsocketResponse): void {
    if (this.stopped) return;
    try {
      switch (event.type) {
        case 'chunk': {
          const bytes = event.audio ?? Buffer.from(event.data, 'base64');
          for (const frame of this.audio.push(bytes)) this.emit(frame);
          break;
        }
        case 'timestamps': {
          const t = event.word_timestamps;
          if (!t) break;
          t.words.forEach((word, i) => {
            const start = t.start[i];
            const end = t.end[i];
            if (start !== undefined && end !== undefined)
              this.words.push({ word, startMs: start * 1000, endMs: end * 1000 });
          });
          break;
        }
        case 'flush_done':
          this.release(false);
          break;
        case 'done':
          this.serverDone = true;
          this.release(true);
          this.output.end();
          this.stop(false);
          break;
        case 'error':
          this.serverDone = true;
          this.fail(eventError(this.params.label, event as unknown as Record<string, unknown>));
          break;
        default:
          break; // phoneme timestamps and future event types
      }
    } catch (err) {
      this.fail(ProviderError.wrap(this.params.label, err, 'bad audio from server'));
    }
  }

  onLost(err: ProviderError): void {
    this.fail(err);
  }

  private request(transcript: string, more: boolean, flush = false): void {
    this.sentAny = true;
    const request: GenerationRequest = {
      ...this.params.request,
      context_id: this.contextId,
      transcript,
      continue: more,
      ...(flush ? { flush: true } : {}),
    };
    if (this.conn) this.transmit(request);
    else this.outbox.push(request);
  }

  private transmit(request: GenerationRequest): void {
    try {
      this.conn?.send(request);
    } catch (err) {
      this.fail(ProviderError.wrap(this.params.label, err, 'send failed'));
    }
  }

  /** Emits the held frame with the words it completes, and holds `frame` instead. */
  private emit(frame: AudioFrame): void {
    if (this.held) this.pushHeld(false);
    this.held = frame;
  }

  /** Emits everything buffered: the partial frame and the held one. */
  private release(final: boolean): void {
    for (const frame of this.audio.flush()) this.emit(frame);
    if (this.held) this.pushHeld(final);
  }

  private pushHeld(allWords: boolean): void {
    const frame = this.held as AudioFrame;
    this.held = undefined;
    const n = allWords
      ? this.words.length
      : this.words.findIndex((w) => w.endMs > frame.endMs + 1e-6);
    const words = this.words.splice(0, n < 0 ? this.words.length : n);
    this.output.push(words.length > 0 ? { frame, words } : { frame });
  }

  private fail(err: unknown): void {
    this.output.fail(err);
    this.stop(false);
  }

  private stop(cancel: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    this.outbox = [];
    if (cancel && this.sentAny && !this.serverDone && this.conn) {
      try {
        this.conn.send({ context_id: this.contextId, cancel: true });
      } catch {
        // The connection is gone: nothing left to cancel.
      }
    }
    this.conn?.unregister(this.contextId);
    this.params.onDone();
  }
}
