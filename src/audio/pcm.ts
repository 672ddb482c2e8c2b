/**
 * Low-level PCM sample conversions shared by the audio modules: little-endian byte
 * (de)serialization of Int16 samples and float ↔ Int16 scaling. Internal: the public
 * surface is {@link AudioFrame} and the helpers in `mix.ts`.
 */

/** Whether typed arrays on this host store multi-byte numbers little-endian (true on x86/ARM). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies little-endian Int16 bytes into `out` (which must hold `bytes.length / 2` samples).
 * The caller has already checked that the byte count is even.
 */
export function readInt16Le(bytes: Uint8Array, out: Int16Array): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    // One memcpy-like copy; the byte view of `out` is always 2-byte aligned.
    new Uint8Array(out.buffer, out.byteOffset, bytes.length).set(bytes);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
}

/** Serializes Int16 samples as little-endian bytes into a fresh buffer. */
export function writeInt16Le(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  if (HOST_IS_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    return bytes;
  }
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return bytes;
}

/**
 * Returns the little-endian byte representation of `samples`: a zero-copy view on
 * little-endian hosts, a converted copy otherwise.
 */
export function int16LeBytesView(samples: Int16Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) {
    return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  }
  return writeInt16Le(samples);
}

/**
 * Scales a float sample in [-1, 1] to Int16 (`x * 32768`, rounded, clipped to
 * [-32768, 32767]), so that `s / 32768` round-trips every Int16 value exactly.
 * The caller guarantees `x` is finite.
 */
export function floatToInt16(x: number): number {
  const s = Math.round(x * 32768);
  return Math.min(32767, Math.max(-32768, s));
}
