/**
 * Text-to-speech provider interface: one-shot synthesis and streaming sessions.
 */

import type { AudioFrame } from '../audio/audio-frame.ts';
import type { TimedWord } from '../text/played-text.ts';
import type { Provider } from './provider.ts';

/** What a {@link Tts} supports and produces. */
export interface TtsCapabilities {
  /** `stream()` works natively (otherwise wrap with `StreamTts`). */
  streaming: boolean;
  /** Chunks carry word timings. */
  wordTimestamps: boolean;
  /** Output sample rate, in Hz. */
  sampleRate: number;
  /** Output channel count. */
  channels: number;
}

/** A piece of synthesized audio, with the timings of words it completes when available. */
export interface TtsChunk {
  frame: AudioFrame;
  /** Timings relative to the synthesis start (the first audio of the request or stream). */
  words?: TimedWord[];
}

/** Options of {@link Tts.synthesize} and {@link Tts.stream}. */
export interface TtsRequestOptions {
  /** Aborting stops synthesis; iteration then throws the abort reason. */
  signal?: AbortSignal;
}

/**
 * A streaming synthesis session: push text as it is generated, iterate audio out.
 *
 * @example
 * ```ts
 * const stream = tts.stream();
 * for await (const chunk of llm.chat(req)) if (chunk.type === 'delta') stream.pushText(chunk.text);
 * stream.endInput();
 * for await (const { frame } of stream) speaker.play(frame);
 * ```
 */
export interface TtsStream {
  pushText(text: string): void;
  /** End of a segment: synthesize what is buffered without waiting for more text. */
  flush(): void;
  /** No more text: the rest is synthesized, then iteration ends. */
  endInput(): void;
  /** Stops at once: pending audio is dropped and iteration ends. */
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<TtsChunk>;
}

/**
 * Text-to-speech provider.
 *
 * @example
 * ```ts
 * for await (const { frame } of tts.synthesize('Hello!', { signal })) speaker.play(frame);
 * ```
 */
export interface Tts<Options extends object = object> extends Provider<TtsCapabilities, Options> {
  synthesize(text: string, opts?: TtsRequestOptions): AsyncIterable<TtsChunk>;
  /** Opens a streaming session (requires `capabilities.streaming`, or wrap with `StreamTts`). */
  stream(opts?: TtsRequestOptions): TtsStream;
}
