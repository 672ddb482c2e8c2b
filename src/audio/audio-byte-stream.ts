/**
 * Re-framing of arbitrarily sized PCM chunks (network packets, TTS stream pieces) into
 * fixed-duration {@link AudioFrame}s with continuous timestamps.
 */

import { assertChannels, assertSampleRate } from './audio-format.ts';
import { AudioFrame } from './audio-frame.ts';
import { int16LeBytesView } from './pcm.ts';

/**
 * Accumulates little-endian Int16 PCM chunks of any size and emits frames of exactly
 * `frameDurationMs`. Chunks may split a sample (or a multi-channel sample group) anywhere;
 * the partial bytes are carried into the next push. Frame `startMs` starts at the
 * constructor's `startMs` and advances by the duration of each emitted frame.
 *
 * {@link AudioByteStream.flush} returns the remaining tail as one shorter final frame
 * (it is not zero-padded), then the stream is empty again and timestamps keep counting.
 *
 * @example
 * ```ts
 * const stream = new AudioByteStream(16000, 1, 20); // 640 bytes per frame
 * stream.push(new Uint8Array(1000)); // [frame 0..20 ms], 360 bytes kept
 * stream.push(new Uint8Array(1000)); // [frame 20..40 ms, frame 40..60 ms], 80 bytes kept
 * stream.flush(); // [frame 60..62.5 ms] (40 samples, shorter tail)
 * ```
 */
export class AudioByteStream {
  readonly sampleRate: number;
  readonly channels: number;
  readonly frameDurationMs: number;
  /** Samples per channel in each full frame. */
  readonly samplesPerFrame: number;
  private readonly startMs: number;
  private readonly bytesPerFrame: number;
  /** Partial frame carried between pushes; reused for the stream's lifetime. */
  private readonly pending: Uint8Array;
  private pendingLength = 0;
  /** Samples per channel emitted so far; timestamps derive from it to avoid float drift. */
  private emittedSamples = 0;

  constructor(sampleRate: number, channels: number, frameDurationMs = 20, startMs = 0) {
    assertSampleRate('AudioByteStream', 'sampleRate', sampleRate);
    assertChannels('AudioByteStream', 'channels', channels);
    if (!Number.isFinite(frameDurationMs) || frameDurationMs <= 0) {
      throw new RangeError(
        `AudioByteStream: frameDurationMs ${String(frameDurationMs)} must be a finite number > 0`,
      );
    }
    const exact = (frameDurationMs * sampleRate) / 1000;
    const samplesPerFrame = Math.round(exact);
    // Tolerate float noise such as 0.1 * 44100 / 1000, but not genuinely fractional frames.
    if (samplesPerFrame < 1 || Math.abs(exact - samplesPerFrame) > 1e-6) {
      throw new RangeError(
        `AudioByteStream: frameDurationMs ${frameDurationMs} gives ${exact} samples at ${sampleRate} Hz; expected a whole number of samples per frame`,
      );
    }
    if (!Number.isFinite(startMs)) {
      throw new RangeError(`AudioByteStream: startMs ${String(startMs)} must be a finite number`);
    }
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.frameDurationMs = frameDurationMs;
    this.samplesPerFrame = samplesPerFrame;
    this.startMs = startMs;
    this.bytesPerFrame = samplesPerFrame * channels * 2;
    this.pending = new Uint8Array(this.bytesPerFrame);
  }

  /** Bytes received but not yet emitted as a frame. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /**
   * Appends a chunk and returns every frame it completes (possibly none). A `Uint8Array`
   * is read as little-endian Int16 bytes; an `Int16Array` as samples.
   *
   * @example
   * ```ts
   * const frames = stream.push(packet); // 0..n full frames
   * ```
   */
  push(chunk: Uint8Array | Int16Array): AudioFrame[] {
    let bytes: Uint8Array;
    if (chunk instanceof Uint8Array) bytes = chunk;
    else if (chunk instanceof Int16Array) bytes = int16LeBytesView(chunk);
    else throw new TypeError('AudioByteStream.push: chunk must be a Uint8Array or Int16Array');

    const frames: AudioFrame[] = [];
    let offset = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(this.bytesPerFrame - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      offset = take;
      if (this.pendingLength < this.bytesPerFrame) return frames;
      frames.push(this.emit(this.pending));
      this.pendingLength = 0;
    }
    // Whole frames straight from the chunk: one copy, no detour through `pending`.
    while (bytes.length - offset >= this.bytesPerFrame) {
      frames.push(this.emit(bytes.subarray(offset, offset + this.bytesPerFrame)));
      offset += this.bytesPerFrame;
    }
    const rest = bytes.length - offset;
    if (rest > 0) {
      this.pending.set(bytes.subarray(offset), 0);
      this.pendingLength = rest;
    }
    return frames;
  }

  /**
   * Returns the buffered tail as a final, shorter frame (not zero-padded), or `[]` when
   * nothing is buffered. Throws if the tail ends inside a sample or a channel group, since
   * those bytes cannot be played; the buffer is cleared either way.
   *
   * @example
   * ```ts
   * const [tail] = stream.flush(); // tail.durationMs <= stream.frameDurationMs
   * ```
   */
  flush(): AudioFrame[] {
    const length = this.pendingLength;
    this.pendingLength = 0;
    if (length === 0) return [];
    const groupBytes = 2 * this.channels;
    if (length % groupBytes !== 0) {
      throw new RangeError(
        `AudioByteStream.flush: ${length} trailing bytes are not a multiple of ${groupBytes} (2 bytes × ${this.channels} channels); the last sample is incomplete`,
      );
    }
    return [this.emit(this.pending.subarray(0, length))];
  }

  private emit(bytes: Uint8Array): AudioFrame {
    const startMs = this.startMs + (this.emittedSamples * 1000) / this.sampleRate;
    const frame = AudioFrame.fromBytes(bytes, this.sampleRate, this.channels, startMs);
    this.emittedSamples += frame.samplesPerChannel;
    return frame;
  }
}
