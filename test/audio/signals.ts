/**
 * Deterministic signal generators and measurements shared by the audio tests: a seeded
 * PRNG, sine synthesis, zero-crossing frequency estimation and RMS level.
 */

import { AudioFrame } from '../../src/audio/index.ts';

/** Mulberry32: a tiny seeded PRNG so "random" chunkings are identical on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Mono Int16 sine of `amplitude` (fraction of full scale). */
export function sine(
  frequency: number,
  sampleRate: number,
  samples: number,
  amplitude = 0.5,
): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  }
  return out;
}

/** One channel of interleaved data. */
export function channel(data: Int16Array, channels: number, index: number): Int16Array {
  const out = new Int16Array(data.length / channels);
  for (let k = 0; k < out.length; k++) out[k] = data[k * channels + index]!;
  return out;
}

/** The middle half of a signal, away from start-up and flush edge effects. */
export function middle(data: Int16Array): Int16Array {
  return data.subarray(data.length >> 2, (3 * data.length) >> 2);
}

/** Frequency in Hz from interpolated rising zero crossings. */
export function zeroCrossingFrequency(data: Int16Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let k = 1; k < data.length; k++) {
    const a = data[k - 1]!;
    const b = data[k]!;
    if (a < 0 && b >= 0) {
      const at = k - 1 + a / (a - b);
      if (first < 0) first = at;
      last = at;
      crossings++;
    }
  }
  if (crossings < 2) return 0;
  return ((crossings - 1) * sampleRate) / (last - first);
}

/** RMS of the samples (Int16 units). */
export function rms(data: Int16Array): number {
  let sum = 0;
  for (const s of data) sum += s * s;
  return Math.sqrt(sum / data.length);
}

/** Concatenated samples of frames (empty array for none). */
export function joinFrames(frames: readonly (AudioFrame | null)[]): Int16Array {
  const present = frames.filter((f): f is AudioFrame => f !== null);
  const out = new Int16Array(present.reduce((n, f) => n + f.data.length, 0));
  let offset = 0;
  for (const f of present) {
    out.set(f.data, offset);
    offset += f.data.length;
  }
  return out;
}

/** Splits a signal into frames of seeded-random sizes in [minSamples, maxSamples]. */
export function randomFrames(
  data: Int16Array,
  sampleRate: number,
  channels: number,
  random: () => number,
  minSamples: number,
  maxSamples: number,
): AudioFrame[] {
  const frames: AudioFrame[] = [];
  const total = data.length / channels;
  for (let at = 0; at < total; ) {
    const n = Math.min(total - at, randomInt(random, minSamples, maxSamples));
    const startMs = (at * 1000) / sampleRate;
    frames.push(
      new AudioFrame(data.slice(at * channels, (at + n) * channels), sampleRate, channels, startMs),
    );
    at += n;
  }
  return frames;
}
