/**
 * Noise cancellation interface: a synchronous frame-in, frame-out filter on the input audio.
 */

import type { AudioFrame } from '../audio/audio-frame.ts';
import type { Provider } from './provider.ts';

/** The audio format a {@link NoiseCanceller} works on. */
export interface NoiseCancellerCapabilities {
  /** Sample rate of the model, in Hz. */
  sampleRate: number;
  /** Processing block size. */
  frameMs: number;
}

/**
 * Removes background noise from input audio. `process` is synchronous so it can sit in the
 * audio path without adding scheduling jitter; it may keep internal state across frames.
 *
 * @example
 * ```ts
 * const clean = nc.process(frame);
 * vadStream.pushFrame(clean);
 * ```
 */
export interface NoiseCanceller<Options extends object = object>
  extends Provider<NoiseCancellerCapabilities, Options> {
  process(frame: AudioFrame): AudioFrame;
  /** Forgets internal state, e.g. when a new participant's audio starts. */
  reset(): void;
}

/**
 * Picks a noise canceller for an input (or none), e.g. a telephony-tuned model for SIP.
 *
 * @example
 * ```ts
 * const select: NoiseCancellerSelector = ({ transport }) => (transport === 'sip' ? telephonyNc : null);
 * ```
 */
export type NoiseCancellerSelector = (info: {
  transport: string;
  sampleRate: number;
}) => NoiseCanceller | null;
