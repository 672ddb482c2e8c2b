/**
 * Resampler converts a stream of frames between sample rates. Pinned here: a tone keeps its
 * frequency and level (within 1 dB) up and down across the common speech rates; splitting
 * the input into random chunks gives bit-identical output to pushing it whole (state is
 * carried, no boundary clicks); 'good' quality suppresses tones above the output Nyquist
 * instead of aliasing them, while 'fast' (linear) does not; the total output length is
 * ceil(inputLength × outputRate / inputRate); output timestamps are continuous; same-rate
 * input passes through; mismatched frames and bad options are rejected by name.
 */

import { describe, expect, it } from 'vitest';
import { AudioFrame, Resampler, type ResamplerQuality } from '../../src/audio/index.ts';
import {
  channel,
  joinFrames,
  middle,
  randomFrames,
  rms,
  seededRandom,
  sine,
  zeroCrossingFrequency,
} from './signals.ts';

const COMMON_RATES = [8000, 16000, 22050, 24000, 44100, 48000];

function resampleFrames(
  frames: AudioFrame[],
  outputRate: number,
  quality: ResamplerQuality = 'good',
): AudioFrame[] {
  const first = frames[0]!;
  const resampler = new Resampler({
    inputRate: first.sampleRate,
    outputRate,
    channels: first.channels,
    quality,
  });
  const out = frames.map((f) => resampler.push(f));
  out.push(resampler.flush());
  return out.filter((f): f is AudioFrame => f !== null);
}

function resampleWhole(
  data: Int16Array,
  inputRate: number,
  outputRate: number,
  quality: ResamplerQuality = 'good',
): Int16Array {
  return joinFrames(resampleFrames([new AudioFrame(data, inputRate)], outputRate, quality));
}

function levelDb(output: Int16Array, input: Int16Array): number {
  return 20 * Math.log10(rms(middle(output)) / rms(middle(input)));
}

describe('Resampler', () => {
  it.each([
    [48000, 16000],
    [16000, 48000],
    [44100, 16000],
    [16000, 44100],
    [24000, 16000],
    [8000, 48000],
  ])('keeps a 440 Hz tone at 440 Hz and its level: %i → %i Hz', (inputRate, outputRate) => {
    const input = sine(440, inputRate, inputRate / 2);
    const output = resampleWhole(input, inputRate, outputRate);
    expect(zeroCrossingFrequency(middle(output), outputRate)).toBeCloseTo(440, 1);
    expect(Math.abs(levelDb(output, input))).toBeLessThan(1);
    // The output is time-aligned: it matches the ideal sine sampled at the output rate.
    const ideal = sine(440, outputRate, output.length);
    let maxError = 0;
    for (let k = output.length >> 2; k < (3 * output.length) >> 2; k++) {
      maxError = Math.max(maxError, Math.abs(output[k]! - ideal[k]!));
    }
    expect(maxError).toBeLessThan(4);
  });

  it.each([
    ['good', 48000, 16000],
    ['good', 16000, 48000],
    ['good', 44100, 16000],
    ['good', 22050, 24000],
    ['fast', 48000, 16000],
    ['fast', 16000, 44100],
  ] as const)(
    '%s %i → %i: random chunking is bit-identical to one push',
    (quality, inRate, outRate) => {
      const random = seededRandom(inRate + outRate);
      const input = new Int16Array(inRate / 4);
      for (let k = 0; k < input.length; k++) {
        input[k] = Math.round((random() * 2 - 1) * 8000 + 12000 * Math.sin(k / 9));
      }
      const whole = resampleWhole(input, inRate, outRate, quality);
      const chunked = joinFrames(
        resampleFrames(randomFrames(input, inRate, 1, random, 1, 700), outRate, quality),
      );
      expect(chunked.length).toBe(whole.length);
      let maxDiff = 0;
      for (let k = 0; k < whole.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(whole[k]! - chunked[k]!));
      }
      expect(maxDiff).toBe(0);
    },
  );

  it('suppresses tones above the output Nyquist frequency instead of aliasing them', () => {
    // 7 kHz cannot exist at 8 kHz (Nyquist 4 kHz): unfiltered it would fold to 1 kHz.
    const tone7k = sine(7000, 48000, 24000);
    expect(levelDb(resampleWhole(tone7k, 48000, 8000), tone7k)).toBeLessThan(-60);
    expect(levelDb(resampleWhole(tone7k, 48000, 8000, 'fast'), tone7k)).toBeGreaterThan(-6);
    // 12 kHz at 48 → 16 kHz would fold to 4 kHz.
    const tone12k = sine(12000, 48000, 24000);
    expect(levelDb(resampleWhole(tone12k, 48000, 16000), tone12k)).toBeLessThan(-60);
    const tone10k = sine(10000, 44100, 22050);
    expect(levelDb(resampleWhole(tone10k, 44100, 16000), tone10k)).toBeLessThan(-60);
  });

  it('keeps a 7 kHz tone when 16 kHz output can represent it', () => {
    // 7 kHz sits in the transition band just below the 8 kHz Nyquist frequency.
    const tone = sine(7000, 48000, 24000);
    const output = resampleWhole(tone, 48000, 16000);
    expect(levelDb(output, tone)).toBeGreaterThan(-1);
    expect(Math.abs(zeroCrossingFrequency(middle(output), 16000) - 7000)).toBeLessThan(7);
  });

  it('produces ceil(input × ratio) samples for every pair of common rates', () => {
    for (const inRate of COMMON_RATES) {
      for (const outRate of COMMON_RATES) {
        const samples = Math.round(inRate * 0.05) + 3;
        const output = resampleWhole(sine(300, inRate, samples), inRate, outRate, 'good');
        expect(output.length, `${inRate} → ${outRate}`).toBe(
          Math.ceil((samples * outRate) / inRate),
        );
      }
    }
  });

  it('emits continuous timestamps starting at the first input frame', () => {
    const input = sine(440, 44100, 11025);
    const frames = randomFrames(input, 44100, 1, seededRandom(7), 100, 900).map(
      (f) => new AudioFrame(f.data, f.sampleRate, 1, f.startMs + 5000),
    );
    const output = resampleFrames(frames, 16000);
    expect(output.length).toBeGreaterThan(2);
    expect(output[0]!.startMs).toBe(5000);
    for (let k = 1; k < output.length; k++) {
      expect(output[k]!.startMs).toBeCloseTo(output[k - 1]!.endMs, 9);
      expect(output[k]!.sampleRate).toBe(16000);
    }
  });

  it('holds output back until the filter window is filled', () => {
    const resampler = new Resampler({ inputRate: 48000, outputRate: 16000 });
    expect(resampler.push(new AudioFrame(new Int16Array(3), 48000))).toBeNull();
    expect(resampler.pendingOutputSamples).toBe(1);
    expect(resampler.flush()?.samplesPerChannel).toBe(1);
    expect(resampler.flush()).toBeNull();
  });

  it('starts a fresh stream after flush', () => {
    const resampler = new Resampler({ inputRate: 16000, outputRate: 48000 });
    const input = sine(440, 16000, 1600);
    const first = joinFrames([resampler.push(new AudioFrame(input, 16000)), resampler.flush()]);
    const again = resampler.push(new AudioFrame(input, 16000, 1, 900));
    const tail = resampler.flush();
    expect(again!.startMs).toBe(900);
    expect(joinFrames([again, tail])).toEqual(first);
  });

  it('resamples channels independently', () => {
    const left = sine(440, 48000, 24000);
    const right = sine(1000, 48000, 24000, 0.25);
    const stereo = new Int16Array(48000);
    for (let k = 0; k < 24000; k++) {
      stereo[2 * k] = left[k]!;
      stereo[2 * k + 1] = right[k]!;
    }
    const frames = randomFrames(stereo, 48000, 2, seededRandom(3), 50, 1000);
    const output = joinFrames(resampleFrames(frames, 16000));
    expect(output.length).toBe(16000);
    const outLeft = channel(output, 2, 0);
    const outRight = channel(output, 2, 1);
    expect(zeroCrossingFrequency(middle(outLeft), 16000)).toBeCloseTo(440, 1);
    expect(zeroCrossingFrequency(middle(outRight), 16000)).toBeCloseTo(1000, 1);
    expect(Math.abs(levelDb(outRight, right))).toBeLessThan(1);
  });

  it('passes frames through unchanged when the rates are equal', () => {
    const resampler = new Resampler({ inputRate: 24000, outputRate: 24000, channels: 2 });
    const frame = new AudioFrame(new Int16Array([1, 2, 3, 4]), 24000, 2, 12);
    expect(resampler.push(frame)).toBe(frame);
    expect(resampler.flush()).toBeNull();
    expect(resampler.pendingOutputSamples).toBe(0);
  });

  it('rejects frames that do not match the configuration', () => {
    const resampler = new Resampler({ inputRate: 48000, outputRate: 16000 });
    expect(() => resampler.push(new AudioFrame(new Int16Array(4), 44100))).toThrow(
      /frame sampleRate 44100 Hz does not match inputRate 48000 Hz/,
    );
    expect(() => resampler.push(new AudioFrame(new Int16Array(4), 48000, 2))).toThrow(
      /frame channels 2 does not match configured channels 1/,
    );
    expect(() => resampler.push({} as AudioFrame)).toThrow(TypeError);
  });

  it('rejects bad options', () => {
    expect(() => new Resampler({ inputRate: 0, outputRate: 16000 })).toThrow(
      /inputRate 0 is invalid/,
    );
    expect(() => new Resampler({ inputRate: 16000, outputRate: 1e6 })).toThrow(
      /outputRate 1000000 is invalid/,
    );
    expect(() => new Resampler({ inputRate: 16000, outputRate: 8000, channels: 0 })).toThrow(
      /channels 0 is invalid/,
    );
    expect(
      () =>
        new Resampler({
          inputRate: 16000,
          outputRate: 8000,
          quality: 'best' as ResamplerQuality,
        }),
    ).toThrow(/quality "best" is invalid; expected 'fast' or 'good'/);
  });

  it('handles awkward ratios through interpolated filter rows', () => {
    // 8000 → 44099 has no large common divisor, so the exact table would be too large.
    const input = sine(3000, 8000, 4000);
    const output = resampleWhole(input, 8000, 44099);
    expect(output.length).toBe(Math.ceil((4000 * 44099) / 8000));
    expect(Math.abs(levelDb(output, input))).toBeLessThan(0.1);
    const ideal = sine(3000, 44099, output.length);
    let maxError = 0;
    for (let k = output.length >> 2; k < (3 * output.length) >> 2; k++) {
      maxError = Math.max(maxError, Math.abs(output[k]! - ideal[k]!));
    }
    expect(maxError).toBeLessThan(4);
  });
});
