import { describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import {
  ALAW_SILENCE,
  alawDecodeSample,
  alawEncodeSample,
  alawToFrame,
  decodeAlaw,
  decodeMulaw,
  encodeAlaw,
  encodeMulaw,
  frameToAlaw,
  frameToMulaw,
  MULAW_SILENCE,
  mulawDecodeSample,
  mulawEncodeSample,
  mulawToFrame,
} from '../../src/audio/g711.ts';

/** Every 16-bit sample value, -32768..32767. */
const ALL = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

/** μ-law quantization step of the segment `x` falls in (16-bit scale). */
function mulawStep(x: number): number {
  const magnitude = Math.min(x < 0 ? -x - 1 : x, 32635) + 132;
  return 2 ** (Math.floor(Math.log2(magnitude)) - 7 + 3);
}

/** A-law quantization step of the segment `x` falls in (16-bit scale). */
function alawStep(x: number): number {
  const m = (x < 0 ? -x - 1 : x) >> 3;
  return m < 64 ? 16 : 2 ** (Math.floor(Math.log2(m)) - 4 + 3);
}

describe('G.711 μ-law', () => {
  it('encodes reference values (the positive half matches the classic Sun/CCITT coder)', () => {
    const cases: [number, number][] = [
      [0, 0xff],
      [1, 0xff],
      [4, 0xfe],
      [8, 0xfe],
      [100, 0xf2],
      [255, 0xe7],
      [1000, 0xce],
      [4095, 0xaf],
      [12345, 0x97],
      [30000, 0x82],
      [32767, 0x80],
      // Negatives: one's complement as in ITU-T G.191, so -1 is "negative zero".
      [-1, 0x7f],
      [-1001, 0x4e],
      [-32768, 0x00],
    ];
    for (const [x, code] of cases) expect([x, mulawEncodeSample(x)]).toEqual([x, code]);
  });

  it('decodes reference values', () => {
    const cases: [number, number][] = [
      [0x00, -32124],
      [0x0f, -16764],
      [0x7f, 0],
      [0x80, 32124],
      [0x8f, 16764],
      [0xa5, 6652],
      [0xff, 0],
      [0x55, -716],
      [0xd5, 716],
      [0x13, -14460],
    ];
    for (const [code, x] of cases) expect([code, mulawDecodeSample(code)]).toEqual([code, x]);
  });

  it('silence encodes to 0xff and back to 0', () => {
    expect(MULAW_SILENCE).toBe(0xff);
    expect([...encodeMulaw(new Int16Array(4))]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect([...decodeMulaw(new Uint8Array(2).fill(MULAW_SILENCE))]).toEqual([0, 0]);
  });

  it('round-trips every 16-bit value within half a segment step (one step when clipped)', () => {
    const decoded = decodeMulaw(encodeMulaw(ALL));
    let worst = 0;
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i]!;
      const error = Math.abs(decoded[i]! - x);
      const clipped = (x < 0 ? -x - 1 : x) > 32635;
      const bound = clipped ? mulawStep(x) : mulawStep(x) / 2;
      if (error > bound) throw new Error(`μ-law ${x} → ${decoded[i]}: error ${error} > ${bound}`);
      worst = Math.max(worst, error);
    }
    expect(worst).toBeLessThanOrEqual(1024);
  });

  it('is symmetric, monotonic, and the table matches the bit-level coder', () => {
    const codes = encodeMulaw(ALL);
    let previous = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i]!;
      expect.soft(codes[i]).toBe(mulawEncodeSample(x));
      if ((mulawEncodeSample(~x) ^ 0x80) !== codes[i]) throw new Error(`asymmetric at ${x}`);
      const y = mulawDecodeSample(codes[i]!);
      if (y < previous) throw new Error(`not monotonic at ${x}`);
      previous = y;
    }
  });

  it('decode(encode(decode(b))) is stable for every code', () => {
    for (let b = 0; b < 256; b++) {
      const x = mulawDecodeSample(b);
      expect(mulawDecodeSample(mulawEncodeSample(x))).toBe(x);
    }
  });
});

describe('G.711 A-law', () => {
  it('encodes reference values', () => {
    const cases: [number, number][] = [
      [0, 0xd5],
      [-1, 0x55],
      [8, 0xd5],
      [100, 0xd3],
      [-100, 0x53],
      [255, 0xda],
      [-256, 0x5a],
      [1000, 0xfa],
      [-1000, 0x7a],
      [4095, 0x9a],
      [-4096, 0x1a],
      [12345, 0xbd],
      [-12345, 0x3d],
      [30000, 0xa8],
      [-30000, 0x28],
      [32767, 0xaa],
      [-32768, 0x2a],
    ];
    for (const [x, code] of cases) expect([x, alawEncodeSample(x)]).toEqual([x, code]);
  });

  it('decodes reference values', () => {
    const cases: [number, number][] = [
      [0x00, -5504],
      [0x0f, -6784],
      [0x7f, -848],
      [0x80, 5504],
      [0xa5, 16896],
      [0xff, 848],
      [0x55, -8],
      [0xd5, 8],
      [0x2a, -32256],
      [0xaa, 32256],
      [0x13, -2880],
    ];
    for (const [code, x] of cases) expect([code, alawDecodeSample(code)]).toEqual([code, x]);
  });

  it('silence encodes to 0xd5', () => {
    expect(ALAW_SILENCE).toBe(0xd5);
    expect([...encodeAlaw(new Int16Array(3))]).toEqual([0xd5, 0xd5, 0xd5]);
  });

  it('round-trips every 16-bit value within half a segment step', () => {
    const decoded = decodeAlaw(encodeAlaw(ALL));
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i]!;
      const error = Math.abs(decoded[i]! - x);
      const bound = alawStep(x) / 2;
      if (error > bound) throw new Error(`A-law ${x} → ${decoded[i]}: error ${error} > ${bound}`);
    }
  });

  it('table and bit-level coder agree, and every code survives decode → encode', () => {
    const codes = encodeAlaw(ALL);
    for (let i = 0; i < ALL.length; i++) {
      if (codes[i] !== alawEncodeSample(ALL[i]!)) throw new Error(`mismatch at ${ALL[i]}`);
    }
    for (let b = 0; b < 256; b++) expect(alawEncodeSample(alawDecodeSample(b))).toBe(b);
  });
});

describe('G.711 frames', () => {
  it('mulawToFrame / frameToMulaw: 8 kHz mono, timestamped, round trip within the step', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) =>
      Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
    );
    const bytes = frameToMulaw(new AudioFrame(pcm, 8000));
    expect(bytes.length).toBe(160);
    const frame = mulawToFrame(bytes, 40);
    expect([frame.sampleRate, frame.channels, frame.startMs, frame.durationMs]).toEqual([
      8000, 1, 40, 20,
    ]);
    for (let i = 0; i < 160; i++) {
      expect(Math.abs(frame.data[i]! - pcm[i]!)).toBeLessThanOrEqual(mulawStep(pcm[i]!) / 2);
    }
    expect([...frameToMulaw(AudioFrame.silence(20, 8000))].every((b) => b === 0xff)).toBe(true);
  });

  it('A-law frame helpers mirror the μ-law ones', () => {
    const frame = alawToFrame(frameToAlaw(AudioFrame.silence(10, 8000)), 5);
    expect([frame.startMs, frame.samplesPerChannel, frame.data[0]]).toEqual([5, 80, 8]);
  });

  it('refuses frames that are not 8 kHz mono, and empty payloads', () => {
    expect(() => frameToMulaw(AudioFrame.silence(20, 16000))).toThrow(/8000 Hz mono/);
    expect(() => frameToAlaw(AudioFrame.silence(20, 8000, 2))).toThrow(/8000 Hz mono/);
    expect(() => mulawToFrame(new Uint8Array(0))).toThrow(RangeError);
  });

  it('encodes into a caller buffer and rejects one that is too small', () => {
    const out = new Uint8Array(4);
    expect(encodeMulaw(new Int16Array([0, 0]), out)).toBe(out);
    expect(() => encodeMulaw(new Int16Array(5), out)).toThrow(/need 5/);
    expect(() => decodeAlaw(new Uint8Array(3), new Int16Array(2))).toThrow(/need 3/);
  });
});
