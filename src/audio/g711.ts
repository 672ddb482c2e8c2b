/**
 * ITU-T G.711 companding: μ-law (North America, Japan; Twilio's `audio/x-mulaw`) and A-law
 * (Europe, most SIP trunks elsewhere), from and to signed 16-bit PCM. One byte per sample at
 * 8 kHz. Encoding and decoding go through lookup tables built once from the bit-level
 * definitions below.
 */

import { AudioFrame } from './audio-frame.ts';

/** The sample rate G.711 audio is carried at on the telephone network, in Hz. */
export const G711_SAMPLE_RATE = 8000;
/** μ-law encoding of digital silence (linear 0). */
export const MULAW_SILENCE = 0xff;
/** A-law encoding of digital silence (the positive zero, decoding to +8). */
export const ALAW_SILENCE = 0xd5;

/** μ-law bias added to the magnitude so every segment starts on a power of two. */
const MULAW_BIAS = 0x84;
/** Largest magnitude μ-law represents before the bias would overflow 15 bits. */
const MULAW_CLIP = 32635;

/** Index of the highest set bit (`n` > 0). */
function highBit(n: number): number {
  return 31 - Math.clz32(n);
}

/**
 * Encodes one linear sample (an integer in [-32768, 32767]) to a μ-law byte, bit by bit.
 *
 * @example
 * ```ts
 * mulawEncodeSample(0); // 0xff
 * mulawEncodeSample(-1); // 0x7f
 * ```
 */
export function mulawEncodeSample(sample: number): number {
  // Negatives use the one's complement (as in ITU-T G.191's reference coder), so x and -x-1
  // get mirror codes and -1 encodes as "negative zero" (0x7f).
  const negative = sample < 0;
  const magnitude = Math.min(negative ? ~sample : sample, MULAW_CLIP) + MULAW_BIAS;
  // The biased magnitude is in [132, 32767]: its top bit is bit 7 (segment 0) to 14 (segment 7).
  const segment = highBit(magnitude) - 7;
  const mantissa = (magnitude >> (segment + 3)) & 0x0f;
  return ~((negative ? 0x80 : 0) | (segment << 4) | mantissa) & 0xff;
}

/**
 * Decodes one μ-law byte to a linear sample in [-32124, 32124].
 *
 * @example
 * ```ts
 * mulawDecodeSample(0xff); // 0
 * mulawDecodeSample(0x80); // 32124
 * ```
 */
export function mulawDecodeSample(byte: number): number {
  const u = ~byte & 0xff;
  const segment = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  // The middle of the quantization interval, minus the bias added on encoding.
  const magnitude = (((mantissa << 3) + MULAW_BIAS) << segment) - MULAW_BIAS;
  return u & 0x80 ? 0 - magnitude : magnitude; // 0 - 0 is +0, not -0
}

/**
 * Encodes one linear sample (an integer in [-32768, 32767]) to an A-law byte, bit by bit.
 *
 * @example
 * ```ts
 * alawEncodeSample(0); // 0xd5
 * alawEncodeSample(-1); // 0x55
 * ```
 */
export function alawEncodeSample(sample: number): number {
  // A-law works on 13 bits; negatives use the one's complement, so -1 maps to the "-0" code.
  const positive = sample >= 0;
  const m = (positive ? sample : ~sample) >> 3; // 0..4095
  let code: number;
  if (m < 32) {
    code = (m >> 1) & 0x0f;
  } else {
    const segment = highBit(m) - 4; // 1..7
    code = (segment << 4) | ((m >> segment) & 0x0f);
  }
  // Even bits are inverted on the line (0x55); the sign bit is set for positive values.
  return code ^ (positive ? 0xd5 : 0x55);
}

/**
 * Decodes one A-law byte to a linear sample in [-32256, 32256] (never 0: ±8 is the smallest).
 *
 * @example
 * ```ts
 * alawDecodeSample(0xd5); // 8
 * alawDecodeSample(0x55); // -8
 * ```
 */
export function alawDecodeSample(byte: number): number {
  const a = (byte ^ 0x55) & 0xff;
  const segment = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = (mantissa << 4) + 8;
  if (segment > 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

let mulawEncodeTable: Uint8Array | null = null;
let alawEncodeTable: Uint8Array | null = null;
let mulawDecodeTable: Int16Array | null = null;
let alawDecodeTable: Int16Array | null = null;

/** 64 KiB table indexed by the sample's 16-bit two's-complement pattern. */
function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = encode(i < 32768 ? i : i - 65536);
  return table;
}

function buildDecodeTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = decode(i);
  return table;
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Uint8Array | undefined, who: string) {
  if (!(pcm instanceof Int16Array)) throw new TypeError(`${who}: pcm must be an Int16Array`);
  const target = out ?? new Uint8Array(pcm.length);
  if (target.length < pcm.length) {
    throw new RangeError(`${who}: out has ${target.length} bytes; need ${pcm.length}`);
  }
  for (let i = 0; i < pcm.length; i++) target[i] = table[pcm[i]! & 0xffff]!;
  return target;
}

function decodeWith(
  table: Int16Array,
  bytes: Uint8Array,
  out: Int16Array | undefined,
  who: string,
) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${who}: bytes must be a Uint8Array`);
  const target = out ?? new Int16Array(bytes.length);
  if (target.length < bytes.length) {
    throw new RangeError(`${who}: out has ${target.length} samples; need ${bytes.length}`);
  }
  for (let i = 0; i < bytes.length; i++) target[i] = table[bytes[i]!]!;
  return target;
}

/**
 * Encodes Int16 PCM to μ-law, one byte per sample (into `out` when given).
 *
 * @example
 * ```ts
 * encodeMulaw(new Int16Array([0, -1, 32767])); // Uint8Array [0xff, 0x7f, 0x80]
 * ```
 */
export function encodeMulaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  mulawEncodeTable ??= buildEncodeTable(mulawEncodeSample);
  return encodeWith(mulawEncodeTable, pcm, out, 'encodeMulaw');
}

/**
 * Decodes μ-law bytes to Int16 PCM (into `out` when given).
 *
 * @example
 * ```ts
 * decodeMulaw(new Uint8Array([0xff, 0x80])); // Int16Array [0, 32124]
 * ```
 */
export function decodeMulaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  mulawDecodeTable ??= buildDecodeTable(mulawDecodeSample);
  return decodeWith(mulawDecodeTable, bytes, out, 'decodeMulaw');
}

/**
 * Encodes Int16 PCM to A-law, one byte per sample (into `out` when given).
 *
 * @example
 * ```ts
 * encodeAlaw(new Int16Array([0, -1])); // Uint8Array [0xd5, 0x55]
 * ```
 */
export function encodeAlaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  alawEncodeTable ??= buildEncodeTable(alawEncodeSample);
  return encodeWith(alawEncodeTable, pcm, out, 'encodeAlaw');
}

/**
 * Decodes A-law bytes to Int16 PCM (into `out` when given).
 *
 * @example
 * ```ts
 * decodeAlaw(new Uint8Array([0xd5, 0x55])); // Int16Array [8, -8]
 * ```
 */
export function decodeAlaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  alawDecodeTable ??= buildDecodeTable(alawDecodeSample);
  return decodeWith(alawDecodeTable, bytes, out, 'decodeAlaw');
}

function assertTelephonyFrame(frame: AudioFrame, who: string): void {
  if (!(frame instanceof AudioFrame)) throw new TypeError(`${who}: frame must be an AudioFrame`);
  if (frame.sampleRate !== G711_SAMPLE_RATE || frame.channels !== 1) {
    throw new RangeError(
      `${who}: frame is ${frame.sampleRate} Hz × ${frame.channels} channels; expected ${G711_SAMPLE_RATE} Hz mono (resample first, e.g. with Resampler)`,
    );
  }
}

/**
 * An 8 kHz mono frame from μ-law bytes (e.g. a Twilio media payload).
 *
 * @example
 * ```ts
 * const frame = mulawToFrame(payload, 20); // 160 bytes → 20 ms starting at 20 ms
 * ```
 */
export function mulawToFrame(bytes: Uint8Array, startMs = 0): AudioFrame {
  return new AudioFrame(decodeMulaw(bytes), G711_SAMPLE_RATE, 1, startMs);
}

/**
 * μ-law bytes of an 8 kHz mono frame (throws for any other format: resample at the edges).
 *
 * @example
 * ```ts
 * const payload = frameToMulaw(AudioFrame.silence(20, 8000)); // 160 × 0xff
 * ```
 */
export function frameToMulaw(frame: AudioFrame): Uint8Array {
  assertTelephonyFrame(frame, 'frameToMulaw');
  return encodeMulaw(frame.data);
}

/**
 * An 8 kHz mono frame from A-law bytes.
 *
 * @example
 * ```ts
 * const frame = alawToFrame(rtpPayload, 0);
 * ```
 */
export function alawToFrame(bytes: Uint8Array, startMs = 0): AudioFrame {
  return new AudioFrame(decodeAlaw(bytes), G711_SAMPLE_RATE, 1, startMs);
}

/**
 * A-law bytes of an 8 kHz mono frame (throws for any other format).
 *
 * @example
 * ```ts
 * const payload = frameToAlaw(AudioFrame.silence(20, 8000)); // 160 × 0xd5
 * ```
 */
export function frameToAlaw(frame: AudioFrame): Uint8Array {
  assertTelephonyFrame(frame, 'frameToAlaw');
  return encodeAlaw(frame.data);
}
