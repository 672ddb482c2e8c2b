/**
 * AudioByteStream turns arbitrarily sized PCM chunks (including odd byte counts that split
 * a sample) into frames of exactly frameDurationMs whose concatenation equals the input
 * bytes, with startMs continuous from the configured origin; flush returns the tail as a
 * shorter, unpadded final frame and timestamps keep counting afterwards.
 */

import { describe, expect, it } from 'vitest';
import { AudioByteStream, type AudioFrame } from '../../src/audio/index.ts';
import { joinFrames, randomInt, seededRandom } from './signals.ts';

function randomPcmBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let k = 0; k < length; k++) bytes[k] = randomInt(random, 0, 255);
  return bytes;
}

function bytesOf(frames: AudioFrame[]): Uint8Array {
  const data = joinFrames(frames);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

describe('AudioByteStream', () => {
  it.each([
    { sampleRate: 16000, channels: 1, frameDurationMs: 20, seed: 1 },
    { sampleRate: 48000, channels: 2, frameDurationMs: 10, seed: 2 },
    { sampleRate: 44100, channels: 2, frameDurationMs: 10, seed: 3 },
    { sampleRate: 24000, channels: 1, frameDurationMs: 40, seed: 4 },
  ])(
    're-frames random chunks losslessly: $sampleRate Hz × $channels ch, $frameDurationMs ms',
    ({ sampleRate, channels, frameDurationMs, seed }) => {
      const random = seededRandom(seed);
      const groupBytes = 2 * channels;
      // ~0.5 s plus a partial frame, so flush has a tail.
      const bytes = randomPcmBytes(random, (Math.floor(sampleRate / 2) + 37) * groupBytes);
      const stream = new AudioByteStream(sampleRate, channels, frameDurationMs, 250);
      const frames: AudioFrame[] = [];
      let sawOddChunk = false;
      for (let at = 0; at < bytes.length; ) {
        const size = Math.min(bytes.length - at, randomInt(random, 0, 1500));
        sawOddChunk ||= size % 2 === 1;
        frames.push(...stream.push(bytes.subarray(at, at + size)));
        at += size;
      }
      const tail = stream.flush();
      expect(sawOddChunk).toBe(true);
      expect(tail).toHaveLength(1);
      frames.push(...tail);

      expect(bytesOf(frames)).toEqual(bytes);
      const full = (frameDurationMs * sampleRate) / 1000;
      for (const [k, frame] of frames.entries()) {
        expect(frame.sampleRate).toBe(sampleRate);
        expect(frame.channels).toBe(channels);
        if (k < frames.length - 1) expect(frame.samplesPerChannel).toBe(full);
        expect(frame.startMs).toBeCloseTo(250 + k * frameDurationMs, 9);
        if (k > 0) expect(frame.startMs).toBeCloseTo(frames[k - 1]!.endMs, 9);
      }
      const last = frames.at(-1)!;
      expect(last.samplesPerChannel).toBe((Math.floor(sampleRate / 2) + 37) % full);
      expect(stream.pendingBytes).toBe(0);
    },
  );

  it('carries a sample split across one-byte pushes', () => {
    const stream = new AudioByteStream(8000, 1, 1); // 8 samples = 16 bytes per frame
    const samples = new Int16Array(24).map((_, k) => (k - 12) * 1000 + 1);
    const bytes = new Uint8Array(samples.buffer);
    const frames: AudioFrame[] = [];
    for (const byte of bytes) frames.push(...stream.push(new Uint8Array([byte])));
    expect(frames).toHaveLength(3);
    expect(joinFrames(frames)).toEqual(samples);
  });

  it('accepts Int16Array chunks', () => {
    const stream = new AudioByteStream(16000, 2, 10); // 160 samples × 2 channels
    const a = stream.push(new Int16Array(250).fill(7));
    const b = stream.push(new Int16Array(250).fill(-7));
    expect(a).toHaveLength(0);
    expect(b).toHaveLength(1);
    expect(b[0]!.data[249]).toBe(7);
    expect(b[0]!.data[250]).toBe(-7);
    expect(stream.pendingBytes).toBe(360);
  });

  it('flush returns the unpadded tail, then nothing, and timestamps continue', () => {
    const stream = new AudioByteStream(16000, 1, 20, 1000);
    expect(stream.push(new Uint8Array(640 + 100))).toHaveLength(1);
    const [tail] = stream.flush();
    expect(tail!.samplesPerChannel).toBe(50);
    expect(tail!.startMs).toBe(1020);
    expect(tail!.durationMs).toBe(3.125);
    expect(stream.flush()).toEqual([]);
    const [next] = stream.push(new Uint8Array(640));
    expect(next!.startMs).toBe(1023.125);
  });

  it('flush rejects a tail that ends inside a sample or channel group', () => {
    const mono = new AudioByteStream(16000, 1);
    mono.push(new Uint8Array(3));
    expect(() => mono.flush()).toThrow(/3 trailing bytes are not a multiple of 2/);
    expect(mono.pendingBytes).toBe(0);

    const stereo = new AudioByteStream(16000, 2);
    stereo.push(new Uint8Array(6));
    expect(() => stereo.flush()).toThrow(/6 trailing bytes are not a multiple of 4/);
  });

  it('rejects frame durations that are not a whole number of samples', () => {
    expect(() => new AudioByteStream(44100, 1, 1)).toThrow(
      /frameDurationMs 1 gives 44.1 samples at 44100 Hz; expected a whole number/,
    );
    expect(() => new AudioByteStream(16000, 1, 0)).toThrow(/frameDurationMs 0 must be/);
    expect(new AudioByteStream(44100, 1, 10).samplesPerFrame).toBe(441);
    expect(new AudioByteStream(8000, 1, 0.125).samplesPerFrame).toBe(1);
  });

  it('rejects bad format options and chunk types', () => {
    expect(() => new AudioByteStream(0, 1)).toThrow(/sampleRate 0 is invalid/);
    expect(() => new AudioByteStream(16000, 0)).toThrow(/channels 0 is invalid/);
    expect(() => new AudioByteStream(16000, 1, 20, Number.NaN)).toThrow(/startMs NaN/);
    const stream = new AudioByteStream(16000, 1);
    expect(() => stream.push([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
