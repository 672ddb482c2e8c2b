/**
 * Streaming sample-rate conversion. State (recent input history and the fractional output
 * position) is carried between calls, so a signal pushed in many small frames resamples to
 * the same output as when pushed whole: no clicks or phase jumps at frame boundaries.
 */

import { assertChannels, assertSampleRate } from './audio-format.ts';
import { AudioFrame } from './audio-frame.ts';
import {
  buildPolyphaseFilter,
  type PolyphaseFilter,
  type ResamplerQuality,
} from './polyphase-filter.ts';

export type { ResamplerQuality } from './polyphase-filter.ts';

/** Configuration of a {@link Resampler}. */
export interface ResamplerOptions {
  /** Sample rate of the frames pushed in, in Hz. */
  inputRate: number;
  /** Sample rate of the frames produced, in Hz. */
  outputRate: number;
  /** Interleaved channel count of input and output. Default 1. */
  channels?: number;
  /**
   * `'good'` (default): Kaiser-windowed sinc with its low-pass just below
   * min(inputRate, outputRate) / 2, so downsampling does not alias.
   * `'fast'`: linear interpolation with no anti-alias filter; cheap, but downsampling
   * folds content above the output Nyquist frequency back into the band.
   */
  quality?: ResamplerQuality;
}

/**
 * Converts a stream of {@link AudioFrame}s from `inputRate` to `outputRate`.
 *
 * The output is time-aligned with the input (output sample n is the band-limited input
 * signal at time n / outputRate), but it trails the input by the filter's half-length
 * (for `'good'`, 35 periods of the lower rate: about 2.2 ms when that rate is 16 kHz,
 * 4.4 ms at 8 kHz; one input sample for `'fast'`), so a push may return `null` and the
 * last samples only appear from {@link Resampler.flush}. Output frame
 * timestamps are continuous, starting at the first input frame's `startMs`; the input is
 * assumed contiguous (gaps in input timestamps are not filled).
 *
 * When the rates are equal, frames pass through unchanged.
 *
 * @example
 * ```ts
 * const resampler = new Resampler({ inputRate: 48000, outputRate: 16000 });
 * for (const frame of micFrames) {
 *   const out = resampler.push(frame);
 *   if (out) stt.send(out);
 * }
 * const tail = resampler.flush();
 * if (tail) stt.send(tail);
 * ```
 */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly channels: number;
  readonly quality: ResamplerQuality;
  /** Reduced ratio outputRate / inputRate = up / down. */
  private readonly up: number;
  private readonly down: number;
  private readonly filter: PolyphaseFilter | null;
  /** Coefficient row blended between two table rows when the table is not exact. */
  private readonly blendedRow: Float32Array;

  /** Interleaved float history; `history[0]` is input sample `historyStart` (per channel). */
  private history: Float32Array;
  private historyStart = 0;
  private historyLength = 0;
  /** Input samples per channel pushed since the stream began. */
  private inputCount = 0;
  /** Output samples per channel produced since the stream began. */
  private outputCount = 0;
  /**
   * Position of the next output in input samples, as `nextIndex + nextPhase / up`. Kept
   * incrementally rather than derived from `outputCount` so long streams never need
   * products that exceed exact double precision.
   */
  private nextIndex = 0;
  private nextPhase = 0;
  private originMs: number | null = null;

  constructor(options: ResamplerOptions) {
    const { inputRate, outputRate, channels = 1, quality = 'good' } = options;
    assertSampleRate('Resampler', 'inputRate', inputRate);
    assertSampleRate('Resampler', 'outputRate', outputRate);
    assertChannels('Resampler', 'channels', channels);
    if (quality !== 'fast' && quality !== 'good') {
      throw new RangeError(
        `Resampler: quality ${JSON.stringify(quality)} is invalid; expected 'fast' or 'good'`,
      );
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.channels = channels;
    this.quality = quality;
    const g = gcd(inputRate, outputRate);
    this.up = outputRate / g;
    this.down = inputRate / g;
    this.filter =
      inputRate === outputRate
        ? null
        : buildPolyphaseFilter(inputRate, outputRate, this.up, quality);
    this.blendedRow = new Float32Array(this.filter?.taps ?? 0);
    this.history = new Float32Array(0);
    this.reset();
  }

  /**
   * Output samples per channel still held back by the filter (not yet returned).
   * Zero for same-rate pass-through.
   */
  get pendingOutputSamples(): number {
    return this.filter === null ? 0 : this.outputsBefore(this.inputCount);
  }

  /**
   * Feeds one frame; returns the output that became computable, or `null` if none yet.
   * Throws if the frame's sample rate or channel count differs from the configuration.
   *
   * @example
   * ```ts
   * const out = resampler.push(frame); // AudioFrame at outputRate, or null
   * ```
   */
  push(frame: AudioFrame): AudioFrame | null {
    if (!(frame instanceof AudioFrame)) {
      throw new TypeError('Resampler.push: frame must be an AudioFrame');
    }
    if (frame.sampleRate !== this.inputRate) {
      throw new RangeError(
        `Resampler.push: frame sampleRate ${frame.sampleRate} Hz does not match inputRate ${this.inputRate} Hz`,
      );
    }
    if (frame.channels !== this.channels) {
      throw new RangeError(
        `Resampler.push: frame channels ${frame.channels} does not match configured channels ${this.channels}`,
      );
    }
    if (this.filter === null) return frame;
    if (this.originMs === null) this.originMs = frame.startMs;

    const count = frame.samplesPerChannel;
    const start = this.reserve(count);
    const data = frame.data;
    for (let k = 0; k < data.length; k++) this.history[start + k] = data[k]!;
    this.historyLength += count;
    this.inputCount += count;
    return this.produce();
  }

  /**
   * Ends the stream: returns the held-back output (zero input assumed after the last
   * sample), or `null` if there is none, and resets the resampler for a new stream whose
   * timestamps start at its first frame's `startMs`.
   *
   * @example
   * ```ts
   * const tail = resampler.flush(); // the last few milliseconds, or null
   * ```
   */
  flush(): AudioFrame | null {
    if (this.filter === null || this.originMs === null) return null;
    const pad = this.filter.halfTaps;
    const start = this.reserve(pad);
    this.history.fill(0, start, start + pad * this.channels);
    this.historyLength += pad;
    const out = this.produce();
    this.reset();
    return out;
  }

  /** Number of not-yet-produced outputs whose position lies before input index `end`. */
  private outputsBefore(end: number): number {
    // Output k (from the next one) sits at nextIndex + (nextPhase + k·down) / up, which is
    // below `end` while nextPhase + k·down < (end − nextIndex)·up.
    const span = (end - this.nextIndex) * this.up - this.nextPhase;
    return span > 0 ? Math.ceil(span / this.down) : 0;
  }

  private reset(): void {
    // History starts with halfTaps − 1 zeros standing for the silence before the stream,
    // so the first outputs have a full filter window.
    const lead = this.filter === null ? 0 : this.filter.halfTaps - 1;
    this.historyStart = -lead;
    this.historyLength = 0;
    this.reserve(lead);
    this.history.fill(0, 0, lead * this.channels);
    this.historyLength = lead;
    this.inputCount = 0;
    this.outputCount = 0;
    this.nextIndex = 0;
    this.nextPhase = 0;
    this.originMs = null;
  }

  /** Makes room for `count` more samples per channel; returns the write offset. */
  private reserve(count: number): number {
    const needed = (this.historyLength + count) * this.channels;
    if (needed > this.history.length) {
      // Geometric growth keeps appends amortized O(1) without per-push allocation.
      const grown = new Float32Array(Math.max(needed, this.history.length * 2, 1024));
      grown.set(this.history.subarray(0, this.historyLength * this.channels));
      this.history = grown;
    }
    return this.historyLength * this.channels;
  }

  /**
   * Computes every output whose filter window is fully buffered and whose position lies
   * within the input pushed so far (flush pads zeros so that the last ones qualify).
   */
  private produce(): AudioFrame | null {
    const { halfTaps, taps, phases, exact, coefficients } = this.filter!;
    const { up, down, channels, history } = this;
    // Output at index i needs inputs up to i + halfTaps.
    const lastIndex = this.historyStart + this.historyLength - 1;
    const count = this.outputsBefore(Math.min(lastIndex - halfTaps + 1, this.inputCount));
    let i = this.nextIndex;
    let p = this.nextPhase;
    if (count === 0) {
      this.discardBefore(i - halfTaps + 1);
      return null;
    }

    const stepWhole = Math.floor(down / up);
    const stepFrac = down % up;
    const out = new Int16Array(count * channels);
    const blended = this.blendedRow;
    for (let k = 0; k < count; k++) {
      let row = coefficients;
      let rowOffset = p * taps;
      if (!exact) {
        const pos = (p * phases) / up;
        const q = Math.floor(pos);
        const w = pos - q;
        const a = q * taps;
        const b = a + taps;
        for (let m = 0; m < taps; m++) {
          blended[m] = coefficients[a + m]! + w * (coefficients[b + m]! - coefficients[a + m]!);
        }
        row = blended;
        rowOffset = 0;
      }
      const base = (i - halfTaps + 1 - this.historyStart) * channels;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        let h = base + c;
        for (let m = 0; m < taps; m++, h += channels) acc += history[h]! * row[rowOffset + m]!;
        const s = Math.round(acc);
        out[k * channels + c] = Math.min(32767, Math.max(-32768, s));
      }
      i += stepWhole;
      p += stepFrac;
      if (p >= up) {
        p -= up;
        i += 1;
      }
    }
    const startMs = this.originMs! + (this.outputCount * 1000) / this.outputRate;
    this.outputCount += count;
    this.nextIndex = i;
    this.nextPhase = p;
    this.discardBefore(i - halfTaps + 1);
    return new AudioFrame(out, this.outputRate, channels, startMs);
  }

  /** Drops history before absolute input index `index` (no longer needed by any output). */
  private discardBefore(index: number): void {
    const drop = Math.min(index - this.historyStart, this.historyLength);
    if (drop <= 0) return;
    const keep = this.historyLength - drop;
    this.history.copyWithin(0, drop * this.channels, this.historyLength * this.channels);
    this.historyStart += drop;
    this.historyLength = keep;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
