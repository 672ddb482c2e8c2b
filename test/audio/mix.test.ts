/**
 * Frame arithmetic: mixFrames sums same-format, same-length frames with clipping;
 * applyGain scales by decibels with clipping and rejects non-finite gain; toMono averages
 * channels; interleave pairs two mono frames into stereo, padding the shorter with silence;
 * concatFrames joins same-format frames; rmsDbfs measures level relative to 32768 with
 * -Infinity for silence; clampToInt16 rounds and clips. Mismatches name the frame index.
 */

import { describe, expect, it } from 'vitest';
import {
  AudioFrame,
  applyGain,
  clampToInt16,
  concatFrames,
  interleave,
  mixFrames,
  rmsDbfs,
  toMono,
} from '../../src/audio/index.ts';
import { sine } from './signals.ts';

const mono = (values: number[], sampleRate = 16000, startMs = 0) =>
  new AudioFrame(new Int16Array(values), sampleRate, 1, startMs);

describe('clampToInt16', () => {
  it('rounds and clips, and rejects NaN', () => {
    expect(clampToInt16(40000.2)).toBe(32767);
    expect(clampToInt16(-40000)).toBe(-32768);
    expect(clampToInt16(-12.6)).toBe(-13);
    expect(clampToInt16(Number.POSITIVE_INFINITY)).toBe(32767);
    expect(() => clampToInt16(Number.NaN)).toThrow(/value is NaN/);
  });
});

describe('mixFrames', () => {
  it('sums sample by sample with clipping, keeping the first startMs', () => {
    const mixed = mixFrames([mono([1, 30000, -30000], 16000, 20), mono([2, 30000, -30000])]);
    expect(Array.from(mixed.data)).toEqual([3, 32767, -32768]);
    expect(mixed.startMs).toBe(20);
  });

  it('rejects empty input and mismatched frames by index', () => {
    expect(() => mixFrames([])).toThrow(/mixFrames: frames is empty/);
    expect(() => mixFrames([mono([1, 2]), mono([1, 2], 8000)])).toThrow(
      /frames\[1\] sampleRate 8000 Hz differs from frames\[0\] \(16000 Hz\)/,
    );
    const stereo = new AudioFrame(new Int16Array(4), 16000, 2);
    expect(() => mixFrames([mono([1, 2, 3, 4]), stereo])).toThrow(/frames\[1\] channels 2/);
    expect(() => mixFrames([mono([1, 2]), mono([1, 2]), mono([1])])).toThrow(
      /frames\[2\] has 1 samples per channel; expected 2/,
    );
  });
});

describe('applyGain', () => {
  it('scales by decibels with clipping', () => {
    expect(Array.from(applyGain(mono([1000, -1000, 20000]), 20 * Math.log10(2)).data)).toEqual([
      2000, -2000, 32767,
    ]);
    expect(Array.from(applyGain(mono([1000, -3]), -6.0206).data)).toEqual([500, -1]);
    const stereo = new AudioFrame(new Int16Array([4, 8]), 48000, 2, 3);
    const same = applyGain(stereo, 0);
    expect(same).not.toBe(stereo);
    expect(same.data).toEqual(stereo.data);
    expect(same.startMs).toBe(3);
  });

  it('rejects non-finite gain', () => {
    expect(() => applyGain(mono([1]), Number.NaN)).toThrow(/gainDb NaN must be a finite number/);
    expect(() => applyGain(mono([1]), Number.NEGATIVE_INFINITY)).toThrow(/gainDb -Infinity/);
  });
});

describe('toMono', () => {
  it('averages channels and returns mono frames unchanged', () => {
    const stereo = new AudioFrame(new Int16Array([100, 300, -5, -6, 32767, 32767]), 16000, 2, 9);
    const out = toMono(stereo);
    expect(out.channels).toBe(1);
    expect(out.startMs).toBe(9);
    expect(Array.from(out.data)).toEqual([200, -5, 32767]);
    const m = mono([1, 2]);
    expect(toMono(m)).toBe(m);
  });
});

describe('interleave', () => {
  it('builds stereo, padding the shorter side with silence', () => {
    const out = interleave(mono([1, 2, 3], 16000, 50), mono([-1]));
    expect(out.channels).toBe(2);
    expect(out.startMs).toBe(50);
    expect(Array.from(out.data)).toEqual([1, -1, 2, 0, 3, 0]);
    expect(Array.from(interleave(mono([7]), mono([8, 9])).data)).toEqual([7, 8, 0, 9]);
  });

  it('rejects non-mono input and mismatched sample rates', () => {
    const stereo = new AudioFrame(new Int16Array(2), 16000, 2);
    expect(() => interleave(stereo, mono([1]))).toThrow(/left has 2 channels; expected a mono/);
    expect(() => interleave(mono([1]), stereo)).toThrow(/right has 2 channels/);
    expect(() => interleave(mono([1]), mono([1], 8000))).toThrow(
      /right sampleRate 8000 Hz differs from left \(16000 Hz\)/,
    );
  });
});

describe('concatFrames', () => {
  it('joins frames in order from the first startMs', () => {
    const out = concatFrames([mono([1, 2], 16000, 10), mono([3]), mono([4, 5])]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5]);
    expect(out.startMs).toBe(10);
  });

  it('rejects empty input and mismatched formats by index', () => {
    expect(() => concatFrames([])).toThrow(/concatFrames: frames is empty/);
    expect(() => concatFrames([mono([1]), mono([1]), mono([1], 24000)])).toThrow(
      /frames\[2\] sampleRate 24000 Hz/,
    );
  });
});

describe('rmsDbfs', () => {
  it('measures level relative to full scale', () => {
    expect(rmsDbfs(AudioFrame.silence(20, 16000))).toBe(Number.NEGATIVE_INFINITY);
    expect(rmsDbfs(mono([-32768, -32768]))).toBe(0);
    expect(rmsDbfs(mono([32767, -32768]))).toBeCloseTo(0, 3);
    // A sine at half scale: 20·log10(0.5 / √2) ≈ -9.03 dBFS.
    expect(rmsDbfs(new AudioFrame(sine(1000, 16000, 16000), 16000))).toBeCloseTo(-9.03, 2);
    expect(rmsDbfs(applyGain(mono([1000, -1000]), -10))).toBeCloseTo(
      rmsDbfs(mono([1000, -1000])) - 10,
      1,
    );
  });
});
