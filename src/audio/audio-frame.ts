/**
 * The unit of audio passed between voicechart components: a non-empty block of interleaved
 * signed 16-bit PCM with its sample rate, channel count and start time on the session clock.
 */

import { assertChannels, assertSampleRate } from './audio-format.ts';
import { floatToInt16, readInt16Le, writeInt16Le } from './pcm.ts';

/**
 * An immutable-by-convention block of interleaved Int16 PCM audio. The constructor validates
 * the format and rejects empty frames, so every `AudioFrame` holds at least one sample per
 * channel. The frame does not copy `data`; do not mutate it after handing it over.
 *
 * @example
 * ```ts
 * const frame = new AudioFrame(new Int16Array(320), 16000); // 20 ms of mono silence
 * frame.samplesPerChannel; // 320
 * frame.durationMs; // 20
 * ```
 */
export class AudioFrame {
  /** Interleaved samples: `[l0, r0, l1, r1, ...]` for stereo. */
  readonly data: Int16Array;
  /** Samples per second per channel, in Hz. */
  readonly sampleRate: number;
  /** Number of interleaved channels. */
  readonly channels: number;
  /** Start time of the first sample, in milliseconds on the caller's clock. */
  readonly startMs: number;

  constructor(data: Int16Array, sampleRate: number, channels = 1, startMs = 0) {
    if (!(data instanceof Int16Array)) {
      throw new TypeError('AudioFrame: data must be an Int16Array of interleaved PCM samples');
    }
    assertSampleRate('AudioFrame', 'sampleRate', sampleRate);
    assertChannels('AudioFrame', 'channels', channels);
    if (data.length === 0) {
      throw new RangeError('AudioFrame: data is empty; a frame needs at least one sample');
    }
    if (data.length % channels !== 0) {
      throw new RangeError(
        `AudioFrame: data length ${data.length} samples is not a multiple of channels ${channels}`,
      );
    }
    if (!Number.isFinite(startMs)) {
      throw new RangeError(`AudioFrame: startMs ${String(startMs)} must be a finite number`);
    }
    this.data = data;
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.startMs = startMs;
  }

  /** Number of samples in each channel. */
  get samplesPerChannel(): number {
    return this.data.length / this.channels;
  }

  /** Duration in milliseconds (may be fractional, e.g. 1 sample at 48 kHz). */
  get durationMs(): number {
    return (this.samplesPerChannel * 1000) / this.sampleRate;
  }

  /** Time just after the last sample: `startMs + durationMs`. */
  get endMs(): number {
    return this.startMs + this.durationMs;
  }

  /**
   * Builds a frame from little-endian Int16 bytes (the wire format of most STT/TTS APIs).
   * The bytes are copied.
   *
   * @example
   * ```ts
   * const frame = AudioFrame.fromBytes(new Uint8Array([0x01, 0x00, 0xff, 0x7f]), 16000);
   * frame.data; // Int16Array [1, 32767]
   * ```
   */
  static fromBytes(bytes: Uint8Array, sampleRate: number, channels = 1, startMs = 0): AudioFrame {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError('AudioFrame.fromBytes: bytes must be a Uint8Array');
    }
    assertChannels('AudioFrame.fromBytes', 'channels', channels);
    if (bytes.length % 2 !== 0) {
      throw new RangeError(
        `AudioFrame.fromBytes: data length ${bytes.length} bytes is odd; Int16 PCM needs an even byte count`,
      );
    }
    if (bytes.length % (2 * channels) !== 0) {
      throw new RangeError(
        `AudioFrame.fromBytes: data length ${bytes.length} bytes is not a multiple of ${2 * channels} (2 bytes × ${channels} channels)`,
      );
    }
    const data = new Int16Array(bytes.length / 2);
    readInt16Le(bytes, data);
    return new AudioFrame(data, sampleRate, channels, startMs);
  }

  /**
   * Builds a frame from float samples in [-1, 1] (Web Audio style). Values outside the
   * range are clipped; NaN or ±Infinity throws, naming the first bad sample index.
   *
   * @example
   * ```ts
   * AudioFrame.fromFloat32(new Float32Array([0, 0.5, -1]), 16000).data; // [0, 16384, -32768]
   * ```
   */
  static fromFloat32(
    samples: Float32Array,
    sampleRate: number,
    channels = 1,
    startMs = 0,
  ): AudioFrame {
    const data = new Int16Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      if (!Number.isFinite(x)) {
        throw new RangeError(
          `AudioFrame.fromFloat32: sample ${i} is ${String(x)}; expected a finite number in [-1, 1]`,
        );
      }
      data[i] = floatToInt16(x);
    }
    return new AudioFrame(data, sampleRate, channels, startMs);
  }

  /**
   * A frame of digital silence lasting `durationMs` (rounded to the nearest whole sample).
   *
   * @example
   * ```ts
   * AudioFrame.silence(10, 48000, 2).data.length; // 960 (480 samples × 2 channels)
   * ```
   */
  static silence(durationMs: number, sampleRate: number, channels = 1, startMs = 0): AudioFrame {
    if (!Number.isFinite(durationMs) || durationMs <= 0) {
      throw new RangeError(
        `AudioFrame.silence: durationMs ${String(durationMs)} must be a finite number > 0`,
      );
    }
    assertSampleRate('AudioFrame.silence', 'sampleRate', sampleRate);
    assertChannels('AudioFrame.silence', 'channels', channels);
    const samples = Math.round((durationMs * sampleRate) / 1000);
    if (samples === 0) {
      throw new RangeError(
        `AudioFrame.silence: durationMs ${durationMs} is shorter than half a sample at ${sampleRate} Hz`,
      );
    }
    return new AudioFrame(new Int16Array(samples * channels), sampleRate, channels, startMs);
  }

  /**
   * Serializes the samples as little-endian Int16 bytes (a fresh copy).
   *
   * @example
   * ```ts
   * const bytes = frame.toBytes(); // bytes.length === frame.data.length * 2
   * ```
   */
  toBytes(): Uint8Array {
    return writeInt16Le(this.data);
  }

  /**
   * The samples as floats (`s / 32768`), interleaved like `data`.
   *
   * @example
   * ```ts
   * new AudioFrame(new Int16Array([16384]), 16000).toFloat32(); // Float32Array [0.5]
   * ```
   */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.data.length);
    for (let i = 0; i < out.length; i++) out[i] = this.data[i]! / 32768;
    return out;
  }
}
