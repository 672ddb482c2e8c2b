/**
 * Speech-to-text provider interface: batch recognition and streaming sessions.
 */

import type { AudioFrame } from '../audio/audio-frame.ts';
import type { Provider } from './provider.ts';

/** What an {@link Stt} supports. */
export interface SttCapabilities {
  /** `stream()` works natively (otherwise wrap with `StreamStt`). */
  streaming: boolean;
  /** Streams emit `interim` events before the `final` one. */
  interimResults: boolean;
  /** Results include per-word timings. */
  wordTimestamps: boolean;
}

/**
 * A recognized word. Times are relative to the start of the audio passed to `recognize`,
 * or in stream time (the `startMs` clock of the pushed frames) for stream events.
 */
export interface SttWord {
  word: string;
  startMs: number;
  endMs: number;
  confidence?: number;
}

/** Result of a batch recognition. */
export interface SttResult {
  text: string;
  words?: SttWord[];
  confidence?: number;
}

/**
 * Events of an {@link SttStream}. Times are stream time (the `startMs` clock of the frames).
 * A `final` carries the text of one finished segment; `usage` reports billed audio.
 */
export type SttEvent =
  | { type: 'speechStarted'; atMs?: number }
  | { type: 'interim'; text: string; confidence?: number; words?: SttWord[] }
  | {
      type: 'final';
      text: string;
      confidence?: number;
      words?: SttWord[];
      startMs?: number;
      endMs?: number;
      language?: string;
    }
  | { type: 'speechEnded' }
  | { type: 'usage'; audioMs: number };

/** Options of {@link Stt.recognize}. */
export interface SttRecognizeOptions {
  /** BCP-47 language code, e.g. `'en-US'`; provider default when omitted. */
  language?: string;
  signal?: AbortSignal;
}

/** Options of {@link Stt.stream}. */
export interface SttStreamOptions {
  /** BCP-47 language code, e.g. `'en-US'`; provider default when omitted. */
  language?: string;
  /** Aborting closes the stream; its iterator then throws the abort reason. */
  signal?: AbortSignal;
}

/**
 * A streaming recognition session: push audio in, iterate events out.
 *
 * @example
 * ```ts
 * const stream = stt.stream({ language: 'en' });
 * mic.on('frame', (f) => stream.pushFrame(f));
 * for await (const ev of stream) if (ev.type === 'final') console.log(ev.text);
 * ```
 */
export interface SttStream {
  pushFrame(frame: AudioFrame): void;
  /** Forces a `final` for the audio buffered so far (e.g. when the turn is forced to end). */
  flush(): void;
  /** No more audio: remaining results are emitted, then iteration ends. */
  endInput(): void;
  /** Stops at once: pending results are dropped and iteration ends. */
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<SttEvent>;
}

/**
 * Speech-to-text provider.
 *
 * @example
 * ```ts
 * const { text } = await stt.recognize(frames, { language: 'en' });
 * ```
 */
export interface Stt<Options extends object = object> extends Provider<SttCapabilities, Options> {
  /** Recognizes a complete utterance. */
  recognize(frames: readonly AudioFrame[], opts?: SttRecognizeOptions): Promise<SttResult>;
  /** Opens a streaming session (requires `capabilities.streaming`, or wrap with `StreamStt`). */
  stream(opts?: SttStreamOptions): SttStream;
}
