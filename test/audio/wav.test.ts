/**
 * WAV I/O: encodeWav writes canonical 16-bit PCM RIFF/WAVE that decodeWav reads back
 * exactly (mono and stereo, frames concatenated); decodeWav converts 8-bit unsigned,
 * 24/32-bit int, 32/64-bit float and WAVE_FORMAT_EXTENSIBLE files (built byte by byte
 * here) to Int16, skips unknown chunks such as LIST including their odd-size pad byte, and
 * reports each malformed input (not RIFF, not WAVE, missing fmt/data, unsupported format
 * code by name, truncated data, zero channels, mixed-format frames by index) clearly.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AudioFrame,
  decodeWav,
  decodeWavToFrame,
  encodeWav,
  readWavFile,
  writeWavFile,
} from '../../src/audio/index.ts';
import { sine } from './signals.ts';

interface Chunk {
  id: string;
  body: Uint8Array;
}

function chunk(id: string, body: Uint8Array): Chunk {
  return { id, body };
}

/** Assembles a RIFF/WAVE file from chunks, adding pad bytes after odd-sized ones. */
function riff(chunks: Chunk[], form = 'WAVE'): Uint8Array {
  const parts: number[] = [...ascii(form)];
  for (const { id, body } of chunks) {
    parts.push(...ascii(id), ...u32(body.length), ...body);
    if (body.length % 2 === 1) parts.push(0);
  }
  return new Uint8Array([...ascii('RIFF'), ...u32(parts.length), ...parts]);
}

function fmtChunk(format: number, channels: number, sampleRate: number, bits: number): Chunk {
  const block = (channels * bits) / 8;
  return chunk(
    'fmt ',
    new Uint8Array([
      ...u16(format),
      ...u16(channels),
      ...u32(sampleRate),
      ...u32(sampleRate * block),
      ...u16(block),
      ...u16(bits),
    ]),
  );
}

/** WAVE_FORMAT_EXTENSIBLE fmt chunk with the given sub-format code in the standard GUID. */
function extensibleFmt(subFormat: number, channels: number, rate: number, bits: number): Chunk {
  const base = fmtChunk(0xfffe, channels, rate, bits).body;
  const guidTail = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
  ];
  const extension = [
    ...u16(22),
    ...u16(bits),
    ...u32(channels === 2 ? 3 : 4),
    ...u16(subFormat),
    ...guidTail,
  ];
  return chunk('fmt ', new Uint8Array([...base, ...extension]));
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function u16(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff];
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function bytesOf(
  values: number[],
  write: (view: DataView, offset: number, v: number) => void,
  size: number,
): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (const [k, v] of values.entries()) write(view, k * size, v);
  return out;
}

function int16Bytes(values: number[]): Uint8Array {
  return bytesOf(values, (view, at, v) => view.setInt16(at, v, true), 2);
}

describe('encodeWav / decodeWav', () => {
  it('round-trips mono audio and writes a canonical 44-byte header', () => {
    const frame = new AudioFrame(sine(440, 16000, 1600), 16000);
    const bytes = encodeWav(frame);
    expect(bytes.length).toBe(44 + 3200);
    const view = new DataView(bytes.buffer);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(36 + 3200);
    expect(String.fromCharCode(...bytes.subarray(8, 16))).toBe('WAVEfmt ');
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint32(28, true)).toBe(32000);
    expect(view.getUint16(34, true)).toBe(16);
    const decoded = decodeWav(bytes);
    expect(decoded).toEqual({ sampleRate: 16000, channels: 1, data: frame.data });
  });

  it('round-trips stereo frames, concatenated in order', () => {
    const a = new AudioFrame(new Int16Array([1, -1, 2, -2]), 48000, 2);
    const b = new AudioFrame(new Int16Array([32767, -32768]), 48000, 2, 999);
    const frame = decodeWavToFrame(encodeWav([a, b]), 40);
    expect(frame.channels).toBe(2);
    expect(frame.sampleRate).toBe(48000);
    expect(frame.startMs).toBe(40);
    expect(Array.from(frame.data)).toEqual([1, -1, 2, -2, 32767, -32768]);
  });

  it('decodes 32-bit float with clipping', () => {
    const floats = bytesOf(
      [0, 0.5, -0.5, 1, -1, 1.5, -2],
      (v, at, x) => v.setFloat32(at, x, true),
      4,
    );
    const decoded = decodeWav(riff([fmtChunk(3, 1, 22050, 32), chunk('data', floats)]));
    expect(decoded.sampleRate).toBe(22050);
    expect(Array.from(decoded.data)).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768]);
  });

  it('decodes 64-bit float', () => {
    const floats = bytesOf([0.25, -0.25], (v, at, x) => v.setFloat64(at, x, true), 8);
    const decoded = decodeWav(riff([fmtChunk(3, 2, 16000, 64), chunk('data', floats)]));
    expect(decoded.channels).toBe(2);
    expect(Array.from(decoded.data)).toEqual([8192, -8192]);
  });

  it('rejects non-finite float samples by index', () => {
    const floats = bytesOf([0, Number.NaN], (v, at, x) => v.setFloat32(at, x, true), 4);
    expect(() => decodeWav(riff([fmtChunk(3, 1, 16000, 32), chunk('data', floats)]))).toThrow(
      /float sample 1 is NaN/,
    );
  });

  it('decodes 24-bit PCM (sign-extended, rounded to 16 bits)', () => {
    const values = [0, 0x7fffff, -0x800000, 100 * 256, -100 * 256, 100 * 256 + 200];
    const data = new Uint8Array(
      values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]),
    );
    const decoded = decodeWav(riff([fmtChunk(1, 1, 44100, 24), chunk('data', data)]));
    expect(Array.from(decoded.data)).toEqual([0, 32767, -32768, 100, -100, 101]);
  });

  it('decodes 32-bit integer PCM', () => {
    const data = bytesOf(
      [0, 0x7fffffff, -0x80000000, 123 * 65536],
      (v, at, x) => v.setInt32(at, x, true),
      4,
    );
    const decoded = decodeWav(riff([fmtChunk(1, 2, 8000, 32), chunk('data', data)]));
    expect(Array.from(decoded.data)).toEqual([0, 32767, -32768, 123]);
  });

  it('decodes 8-bit unsigned PCM (odd-sized data chunk with pad byte)', () => {
    const data = new Uint8Array([128, 255, 0, 64, 192]);
    const decoded = decodeWav(riff([fmtChunk(1, 1, 8000, 8), chunk('data', data)]));
    expect(Array.from(decoded.data)).toEqual([0, 32512, -32768, -16384, 16384]);
  });

  it('decodes WAVE_FORMAT_EXTENSIBLE with PCM and float sub-formats', () => {
    const pcm = decodeWav(
      riff([extensibleFmt(1, 2, 48000, 16), chunk('data', int16Bytes([5, -5, 7, -7]))]),
    );
    expect(pcm).toEqual({ sampleRate: 48000, channels: 2, data: new Int16Array([5, -5, 7, -7]) });
    const floats = bytesOf([0.5], (v, at, x) => v.setFloat32(at, x, true), 4);
    const float = decodeWav(riff([extensibleFmt(3, 1, 16000, 32), chunk('data', floats)]));
    expect(Array.from(float.data)).toEqual([16384]);
  });

  it('skips LIST and other chunks, honouring odd-size padding, in any order', () => {
    const list = chunk('LIST', new Uint8Array([...ascii('INFOISFT'), ...u32(3), 0x61, 0x62, 0x63]));
    expect(list.body.length % 2).toBe(1);
    const bytes = riff([
      chunk('JUNK', new Uint8Array(3)),
      fmtChunk(1, 1, 16000, 16),
      list,
      chunk('fact', new Uint8Array(u32(3))),
      chunk('data', int16Bytes([1, 2, 3])),
      chunk('id3 ', new Uint8Array(5)),
    ]);
    expect(Array.from(decodeWav(bytes).data)).toEqual([1, 2, 3]);
    const dataFirst = riff([chunk('data', int16Bytes([4, 5])), list, fmtChunk(1, 1, 16000, 16)]);
    expect(Array.from(decodeWav(dataFirst).data)).toEqual([4, 5]);
  });

  it('reads a streamed file whose data size is 0xFFFFFFFF to the end', () => {
    const bytes = encodeWav(new AudioFrame(new Int16Array([9, 8, 7]), 16000));
    new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
    expect(Array.from(decodeWav(bytes).data)).toEqual([9, 8, 7]);
  });

  it('decodes from a Buffer view with a non-zero byteOffset', () => {
    const wav = encodeWav(new AudioFrame(new Int16Array([300, -300]), 16000));
    const padded = new Uint8Array(wav.length + 3);
    padded.set(wav, 3);
    expect(Array.from(decodeWav(padded.subarray(3)).data)).toEqual([300, -300]);
  });

  describe('decodeWav errors', () => {
    const fmt = fmtChunk(1, 1, 16000, 16);
    const data = chunk('data', int16Bytes([1, 2]));

    it('not RIFF', () => {
      expect(() =>
        decodeWav(new Uint8Array([...ascii('RIFX'), ...u32(4), ...ascii('WAVE')])),
      ).toThrow(/not a RIFF file \(expected 'RIFF' at byte 0, found "RIFX"\)/);
      expect(() => decodeWav(new Uint8Array(2))).toThrow(/not a RIFF file/);
    });

    it('not WAVE', () => {
      expect(() => decodeWav(riff([fmt, data], 'AVI '))).toThrow(
        /RIFF form type is "AVI "; expected 'WAVE'/,
      );
    });

    it('missing fmt or data chunk', () => {
      expect(() => decodeWav(riff([data]))).toThrow(/missing 'fmt ' chunk/);
      expect(() => decodeWav(riff([fmt]))).toThrow(/missing 'data' chunk/);
    });

    it('unsupported format code, named', () => {
      expect(() => decodeWav(riff([fmtChunk(7, 1, 8000, 8), data]))).toThrow(
        /unsupported format code 0x0007 \(µ-law\)/,
      );
      expect(() => decodeWav(riff([fmtChunk(0x1234, 1, 8000, 8), data]))).toThrow(
        /unsupported format code 0x1234;/,
      );
    });

    it('unsupported bit depth and extensible GUID', () => {
      expect(() => decodeWav(riff([fmtChunk(1, 1, 8000, 12), data]))).toThrow(
        /12-bit PCM is unsupported; expected 8, 16, 24, 32 bits/,
      );
      const badGuid = extensibleFmt(1, 1, 8000, 16);
      badGuid.body[39] = 0;
      expect(() => decodeWav(riff([badGuid, data]))).toThrow(/sub-format GUID/);
      const shortExtensible = chunk('fmt ', extensibleFmt(1, 1, 8000, 16).body.subarray(0, 18));
      expect(() => decodeWav(riff([shortExtensible, data]))).toThrow(
        /WAVE_FORMAT_EXTENSIBLE fmt chunk is 18 bytes; expected at least 40/,
      );
      expect(() => decodeWav(riff([chunk('fmt ', new Uint8Array(14)), data]))).toThrow(
        /fmt chunk is 14 bytes; expected at least 16/,
      );
    });

    it('truncated data', () => {
      const whole = riff([fmt, chunk('data', int16Bytes([1, 2, 3, 4]))]);
      expect(() => decodeWav(whole.subarray(0, whole.length - 3))).toThrow(
        /data chunk declares 8 bytes but only 5 remain; the file is truncated/,
      );
      const stereoOdd = riff([fmtChunk(1, 2, 8000, 16), chunk('data', int16Bytes([1, 2, 3]))]);
      expect(() => decodeWav(stereoOdd)).toThrow(
        /data chunk is 6 bytes, not a multiple of the 4-byte sample frame/,
      );
    });

    it('zero channels or sample rate', () => {
      expect(() => decodeWav(riff([fmtChunk(1, 0, 8000, 16), data]))).toThrow(
        /fmt chunk declares 0 channels/,
      );
      expect(() => decodeWav(riff([fmtChunk(1, 1, 0, 16), data]))).toThrow(/sample rate of 0 Hz/);
    });

    it('empty audio cannot become a frame', () => {
      const empty = riff([fmt, chunk('data', new Uint8Array(0))]);
      expect(decodeWav(empty).data.length).toBe(0);
      expect(() => decodeWavToFrame(empty)).toThrow(/data is empty/);
    });
  });

  describe('encodeWav errors', () => {
    it('names the frame with a different sample rate or channel count', () => {
      const ok = new AudioFrame(new Int16Array(4), 16000);
      expect(() => encodeWav([ok, ok, new AudioFrame(new Int16Array(4), 8000)])).toThrow(
        /frames\[2\] sampleRate 8000 Hz differs from frames\[0\] \(16000 Hz\)/,
      );
      expect(() => encodeWav([ok, new AudioFrame(new Int16Array(4), 16000, 2)])).toThrow(
        /frames\[1\] channels 2 differs from frames\[0\] \(1\)/,
      );
    });

    it('rejects an empty list and non-frames', () => {
      expect(() => encodeWav([])).toThrow(/frames is empty/);
      expect(() => encodeWav([{} as AudioFrame])).toThrow(/frames\[0\] is not an AudioFrame/);
    });
  });
});

describe('readWavFile / writeWavFile', () => {
  it('writes and reads back a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'voicechart-wav-'));
    try {
      const path = join(dir, 'tone.wav');
      const frames = [
        new AudioFrame(sine(440, 24000, 480), 24000),
        new AudioFrame(sine(880, 24000, 240), 24000),
      ];
      await writeWavFile(path, frames);
      const frame = await readWavFile(path);
      expect(frame.sampleRate).toBe(24000);
      expect(frame.samplesPerChannel).toBe(720);
      expect(frame.data.subarray(480)).toEqual(frames[1]!.data);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
