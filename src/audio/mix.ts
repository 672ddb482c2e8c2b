/**
 * Sample-level operations on {@link AudioFrame}s: mixing, gain, channel layout changes,
 * concatenation and level measurement. Every operation returns a new frame and clips to
 * the Int16 range instead of wrapping.
 */

import { AudioFrame } from './audio-frame.ts';

/**
 * Rounds `x` to the nearest integer and clips it to [-32768, 32767]. NaN throws, since
 * it would otherwise silently become 0 in an Int16Array.
 *
 * @example
 * ```ts
 * clampToInt16(40000.2); // 32767
 * clampToInt16(-12.6); // -13
 * ```
 */
export function clampToInt16(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('clampToInt16: value is NaN; expected a number');
  const s = Math.round(x);
  return Math.min(32767, Math.max(-32768, s));
}

/**
 * Sums frames sample by sample with clipping. All frames must share sample rate, channel
 * count and length; the result takes the first frame's `startMs`.
 *
 * @example
 * ```ts
 * const mixed = mixFrames([agentVoice, backgroundMusic]);
 * ```
 */
export function mixFrames(frames: AudioFrame[]): AudioFrame {
  const first = requireSameFormat('mixFrames', frames);
  for (const [index, frame] of frames.entries()) {
    if (frame.data.length !== first.data.length) {
      throw new RangeError(
        `mixFrames: frames[${index}] has ${frame.samplesPerChannel} samples per channel; expected ${first.samplesPerChannel} like frames[0]`,
      );
    }
  }
  const out = new Int16Array(first.data.length);
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (const frame of frames) sum += frame.data[k]!;
    out[k] = Math.min(32767, Math.max(-32768, sum));
  }
  return new AudioFrame(out, first.sampleRate, first.channels, first.startMs);
}

/**
 * Scales a frame by `gainDb` decibels (+6 ≈ double, -6 ≈ half), with clipping.
 *
 * @example
 * ```ts
 * const quieter = applyGain(frame, -12);
 * ```
 */
export function applyGain(frame: AudioFrame, gainDb: number): AudioFrame {
  if (!Number.isFinite(gainDb)) {
    throw new RangeError(`applyGain: gainDb ${String(gainDb)} must be a finite number`);
  }
  const factor = 10 ** (gainDb / 20);
  const src = frame.data;
  const out = new Int16Array(src.length);
  for (let k = 0; k < out.length; k++) {
    const s = Math.round(src[k]! * factor);
    out[k] = Math.min(32767, Math.max(-32768, s));
  }
  return new AudioFrame(out, frame.sampleRate, frame.channels, frame.startMs);
}

/**
 * Averages all channels into one. A mono frame is returned as is.
 *
 * @example
 * ```ts
 * toMono(stereoFrame).channels; // 1
 * ```
 */
export function toMono(frame: AudioFrame): AudioFrame {
  const { channels, data } = frame;
  if (channels === 1) return frame;
  const out = new Int16Array(frame.samplesPerChannel);
  for (let k = 0, at = 0; k < out.length; k++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data[at++]!;
    out[k] = Math.round(sum / channels);
  }
  return new AudioFrame(out, frame.sampleRate, 1, frame.startMs);
}

/**
 * Combines two mono frames of the same sample rate into one stereo frame. The shorter
 * side is padded with silence; the result takes `left.startMs`.
 *
 * @example
 * ```ts
 * const stereo = interleave(userMic, agentVoice); // user left, agent right
 * ```
 */
export function interleave(left: AudioFrame, right: AudioFrame): AudioFrame {
  if (left.channels !== 1) {
    throw new RangeError(`interleave: left has ${left.channels} channels; expected a mono frame`);
  }
  if (right.channels !== 1) {
    throw new RangeError(`interleave: right has ${right.channels} channels; expected a mono frame`);
  }
  if (left.sampleRate !== right.sampleRate) {
    throw new RangeError(
      `interleave: right sampleRate ${right.sampleRate} Hz differs from left (${left.sampleRate} Hz)`,
    );
  }
  const length = Math.max(left.data.length, right.data.length);
  // Int16Array starts zeroed, so the shorter side's missing samples are already silence.
  const out = new Int16Array(length * 2);
  for (let k = 0; k < left.data.length; k++) out[2 * k] = left.data[k]!;
  for (let k = 0; k < right.data.length; k++) out[2 * k + 1] = right.data[k]!;
  return new AudioFrame(out, left.sampleRate, 2, left.startMs);
}

/**
 * Joins frames end to end. All must share sample rate and channel count; the result takes
 * the first frame's `startMs` (gaps between input timestamps are not preserved).
 *
 * @example
 * ```ts
 * const utterance = concatFrames(collectedFrames);
 * ```
 */
export function concatFrames(frames: AudioFrame[]): AudioFrame {
  const first = requireSameFormat('concatFrames', frames);
  let length = 0;
  for (const frame of frames) length += frame.data.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const frame of frames) {
    out.set(frame.data, offset);
    offset += frame.data.length;
  }
  return new AudioFrame(out, first.sampleRate, first.channels, first.startMs);
}

/**
 * RMS level over all samples in dBFS, relative to 32768 (a full-scale square wave is
 * 0 dBFS, a full-scale sine about -3 dBFS). Digital silence gives `-Infinity`.
 *
 * @example
 * ```ts
 * rmsDbfs(AudioFrame.silence(20, 16000)); // -Infinity
 * ```
 */
export function rmsDbfs(frame: AudioFrame): number {
  let sum = 0;
  for (const s of frame.data) sum += s * s;
  if (sum === 0) return Number.NEGATIVE_INFINITY;
  return 20 * Math.log10(Math.sqrt(sum / frame.data.length) / 32768);
}

function requireSameFormat(owner: string, frames: AudioFrame[]): AudioFrame {
  const first = frames[0];
  if (first === undefined) {
    throw new RangeError(`${owner}: frames is empty; expected at least one AudioFrame`);
  }
  for (const [index, frame] of frames.entries()) {
    if (!(frame instanceof AudioFrame)) {
      throw new TypeError(`${owner}: frames[${index}] is not an AudioFrame`);
    }
    if (frame.sampleRate !== first.sampleRate) {
      throw new RangeError(
        `${owner}: frames[${index}] sampleRate ${frame.sampleRate} Hz differs from frames[0] (${first.sampleRate} Hz)`,
      );
    }
    if (frame.channels !== first.channels) {
      throw new RangeError(
        `${owner}: frames[${index}] channels ${frame.channels} differs from frames[0] (${first.channels})`,
      );
    }
  }
  return first;
}
