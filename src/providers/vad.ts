/**
 * Voice activity detection interface. Times are stream time: the `startMs` clock of the
 * pushed frames.
 */

import type { AudioFrame } from '../audio/audio-frame.ts';
import type { Provider } from './provider.ts';

/** What a {@link Vad} expects and how often it decides. */
export interface VadCapabilities {
  /** Sample rate of the model, in Hz (frames at other rates are resampled or rejected). */
  sampleRate: number;
  /** Audio consumed per inference window. */
  windowMs: number;
}

/**
 * Events of a {@link VadStream}. `speechStarted` / `speechEnded` are back-dated: they are
 * emitted once the detector is confident, but `atMs` is when speech actually started/ended.
 */
export type VadEvent =
  | { type: 'speechStarted'; atMs: number }
  | { type: 'speechEnded'; atMs: number; speechDurationMs: number }
  | {
      type: 'inference';
      /** End of the analysed window. */
      atMs: number;
      probability: number;
      speaking: boolean;
      speechDurationMs: number;
      silenceDurationMs: number;
    };

/**
 * A VAD session over one audio stream.
 *
 * @example
 * ```ts
 * const stream = vad.stream();
 * for (const f of frames) stream.pushFrame(f);
 * stream.endInput();
 * for await (const ev of stream) if (ev.type === 'speechStarted') console.log('speech at', ev.atMs);
 * ```
 */
export interface VadStream {
  pushFrame(frame: AudioFrame): void;
  /** No more audio: pending events are emitted, then iteration ends. */
  endInput(): void;
  /** Stops at once; iteration ends. */
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<VadEvent>;
}

/**
 * Voice activity detector.
 *
 * @example
 * ```ts
 * await vad.prewarm(); // load the model before the call starts
 * const stream = vad.stream();
 * ```
 */
export interface Vad<Options extends object = object> extends Provider<VadCapabilities, Options> {
  stream(): VadStream;
}
