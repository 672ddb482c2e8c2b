/**
 * AudioFrame is the validated unit of Int16 PCM: it reports its size and duration, converts
 * from little-endian bytes and from floats (clipping out-of-range values), serializes back
 * to bytes, and rejects every malformed input (odd byte counts, partial channel groups,
 * non-finite floats, empty data, bad sample rates/channels/startMs) with an error that
 * names the offending field.
 */

import { describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/index.ts';

describe('AudioFrame', () => {
  it('reports samples per channel, duration and end time', () => {
    const frame = new AudioFrame(new Int16Array(960), 48000, 2, 100);
    expect(frame.samplesPerChannel).toBe(480);
    expect(frame.durationMs).toBe(10);
    expect(frame.endMs).toBe(110);
    expect(frame.channels).toBe(2);
    expect(frame.startMs).toBe(100);
  });

  it('defaults to mono at startMs 0', () => {
    const frame = new AudioFrame(new Int16Array([1, 2, 3]), 8000);
    expect(frame.channels).toBe(1);
    expect(frame.startMs).toBe(0);
  });

  it('decodes little-endian bytes and round-trips through toBytes', () => {
    const bytes = new Uint8Array([0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0xfe, 0xff]);
    const frame = AudioFrame.fromBytes(bytes, 16000, 2, 5);
    expect(Array.from(frame.data)).toEqual([1, 32767, -32768, -2]);
    expect(frame.samplesPerChannel).toBe(2);
    expect(frame.startMs).toBe(5);
    expect(frame.toBytes()).toEqual(bytes);
  });

  it('copies bytes from an unaligned view', () => {
    const backing = new Uint8Array([9, 0x34, 0x12, 0xcd, 0xab]);
    const frame = AudioFrame.fromBytes(backing.subarray(1), 16000);
    expect(Array.from(frame.data)).toEqual([0x1234, 0xabcd - 0x10000]);
    backing[1] = 0;
    expect(frame.data[0]).toBe(0x1234);
  });

  it('converts floats with clipping and round-trips Int16 values exactly', () => {
    const frame = AudioFrame.fromFloat32(new Float32Array([0, 0.5, -0.5, 1, -1, 3, -3]), 16000);
    expect(Array.from(frame.data)).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768]);
    const ints = new Int16Array([-32768, -1, 0, 1, 12345, 32767]);
    const back = AudioFrame.fromFloat32(new AudioFrame(ints, 16000).toFloat32(), 16000);
    expect(back.data).toEqual(ints);
  });

  it('creates silence of the requested duration', () => {
    const frame = AudioFrame.silence(10, 48000, 2, 7);
    expect(frame.data.length).toBe(960);
    expect(frame.data.every((s) => s === 0)).toBe(true);
    expect(frame.durationMs).toBe(10);
    expect(frame.startMs).toBe(7);
  });

  describe('rejects bad input', () => {
    it('odd byte count', () => {
      expect(() => AudioFrame.fromBytes(new Uint8Array(7), 16000)).toThrow(
        /data length 7 bytes is odd/,
      );
    });

    it('bytes that split a channel group', () => {
      expect(() => AudioFrame.fromBytes(new Uint8Array(6), 16000, 2)).toThrow(
        /6 bytes is not a multiple of 4 \(2 bytes × 2 channels\)/,
      );
    });

    it('sample count that is not a multiple of channels', () => {
      expect(() => new AudioFrame(new Int16Array(3), 16000, 2)).toThrow(
        /data length 3 samples is not a multiple of channels 2/,
      );
    });

    it('non-finite float samples, naming the index', () => {
      expect(() => AudioFrame.fromFloat32(new Float32Array([0, 0.1, Number.NaN]), 16000)).toThrow(
        /sample 2 is NaN/,
      );
      expect(() =>
        AudioFrame.fromFloat32(new Float32Array([Number.POSITIVE_INFINITY]), 16000),
      ).toThrow(/sample 0 is Infinity/);
      expect(() =>
        AudioFrame.fromFloat32(new Float32Array([0, Number.NEGATIVE_INFINITY]), 16000),
      ).toThrow(/sample 1 is -Infinity/);
    });

    it('empty input from every constructor', () => {
      expect(() => new AudioFrame(new Int16Array(0), 16000)).toThrow(/data is empty/);
      expect(() => AudioFrame.fromBytes(new Uint8Array(0), 16000)).toThrow(/data is empty/);
      expect(() => AudioFrame.fromFloat32(new Float32Array(0), 16000)).toThrow(/data is empty/);
      expect(() => AudioFrame.silence(0.01, 16000)).toThrow(/shorter than half a sample/);
    });

    it.each([0, -16000, 16000.5, 7999, 384001, Number.NaN, Number.POSITIVE_INFINITY])(
      'sample rate %s',
      (rate) => {
        expect(() => new AudioFrame(new Int16Array(1), rate)).toThrow(
          /sampleRate .* is invalid; expected an integer number of Hz from 8000 to 384000/,
        );
      },
    );

    it.each([0, 9, 1.5, -1])('channel count %s', (channels) => {
      expect(() => new AudioFrame(new Int16Array(72), 16000, channels)).toThrow(
        /channels .* is invalid; expected an integer from 1 to 8/,
      );
      expect(() => AudioFrame.fromBytes(new Uint8Array(144), 16000, channels)).toThrow(
        /channels .* is invalid/,
      );
    });

    it('non-finite startMs', () => {
      expect(() => new AudioFrame(new Int16Array(1), 16000, 1, Number.NaN)).toThrow(
        /startMs NaN must be a finite number/,
      );
    });

    it('data that is not an Int16Array', () => {
      expect(() => new AudioFrame(new Float32Array(4) as unknown as Int16Array, 16000)).toThrow(
        TypeError,
      );
      expect(() => AudioFrame.fromBytes([1, 2] as unknown as Uint8Array, 16000)).toThrow(TypeError);
    });

    it('bad silence duration', () => {
      expect(() => AudioFrame.silence(-5, 16000)).toThrow(
        /durationMs -5 must be a finite number > 0/,
      );
      expect(() => AudioFrame.silence(Number.NaN, 16000)).toThrow(/durationMs NaN/);
      expect(() => AudioFrame.silence(10, 100)).toThrow(/sampleRate 100 is invalid/);
    });
  });
});
