/**
 * Limits on the PCM formats the audio modules accept, and the validators that enforce them
 * with errors naming the owner, the field and the expected value.
 */

/** Lowest accepted sample rate in Hz (narrow-band telephony). */
export const MIN_SAMPLE_RATE = 8000;
/** Highest accepted sample rate in Hz. */
export const MAX_SAMPLE_RATE = 384_000;
/** Highest accepted channel count (7.1 surround). */
export const MAX_CHANNELS = 8;

/**
 * Throws unless `value` is an integer sample rate in Hz within
 * [{@link MIN_SAMPLE_RATE}, {@link MAX_SAMPLE_RATE}].
 *
 * @example
 * ```ts
 * assertSampleRate('Resampler', 'inputRate', 16000); // ok
 * assertSampleRate('Resampler', 'inputRate', 0); // throws RangeError
 * ```
 */
export function assertSampleRate(owner: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < MIN_SAMPLE_RATE || value > MAX_SAMPLE_RATE) {
    throw new RangeError(
      `${owner}: ${field} ${String(value)} is invalid; expected an integer number of Hz from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE}`,
    );
  }
}

/**
 * Throws unless `value` is an integer channel count within [1, {@link MAX_CHANNELS}].
 *
 * @example
 * ```ts
 * assertChannels('AudioFrame', 'channels', 2); // ok
 * assertChannels('AudioFrame', 'channels', 0); // throws RangeError
 * ```
 */
export function assertChannels(owner: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CHANNELS) {
    throw new RangeError(
      `${owner}: ${field} ${String(value)} is invalid; expected an integer from 1 to ${MAX_CHANNELS}`,
    );
  }
}
