/**
 * RIFF/WAVE encoding (16-bit PCM) and decoding (8/16/24/32-bit PCM, 32/64-bit float,
 * WAVE_FORMAT_EXTENSIBLE) to Int16 PCM, plus file helpers for fixtures and recordings.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { AudioFrame } from './audio-frame.ts';
import { floatToInt16, readInt16Le } from './pcm.ts';

/** The result of {@link decodeWav}: interleaved Int16 samples and their format. */
export interface DecodedWav {
  /** Samples per second per channel, in Hz, as declared by the file. */
  sampleRate: number;
  /** Interleaved channel count. */
  channels: number;
  /** Interleaved samples converted to Int16 (may be empty if the data chunk is). */
  data: Int16Array;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Size value writers use when they stream and never patch in the real length. */
const UNKNOWN_SIZE = 0xffffffff;
/** Bytes 2..15 shared by the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs. */
const SUBFORMAT_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  85: 'MPEG Layer 3',
};

/**
 * Encodes one frame, or consecutive frames of the same format, as a 16-bit PCM WAV file.
 * Frame timestamps are not stored; the frames are simply concatenated.
 *
 * @example
 * ```ts
 * const bytes = encodeWav(AudioFrame.silence(100, 16000)); // 44-byte header + 3200 bytes
 * ```
 */
export function encodeWav(frames: AudioFrame[] | AudioFrame): Uint8Array {
  const list = Array.isArray(frames) ? frames : [frames];
  const first = list[0];
  if (first === undefined) {
    throw new RangeError('encodeWav: frames is empty; expected at least one AudioFrame');
  }
  let samples = 0;
  for (const [index, frame] of list.entries()) {
    if (!(frame instanceof AudioFrame)) {
      throw new TypeError(`encodeWav: frames[${index}] is not an AudioFrame`);
    }
    if (frame.sampleRate !== first.sampleRate) {
      throw new RangeError(
        `encodeWav: frames[${index}] sampleRate ${frame.sampleRate} Hz differs from frames[0] (${first.sampleRate} Hz)`,
      );
    }
    if (frame.channels !== first.channels) {
      throw new RangeError(
        `encodeWav: frames[${index}] channels ${frame.channels} differs from frames[0] (${first.channels})`,
      );
    }
    samples += frame.data.length;
  }
  const dataBytes = samples * 2;
  if (dataBytes + 36 > 0xffffffff) {
    throw new RangeError(`encodeWav: ${dataBytes} bytes of audio exceed the 4 GiB WAV limit`);
  }
  const { sampleRate, channels } = first;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  writeAscii(out, 0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(out, 8, 'WAVE');
  writeAscii(out, 12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  writeAscii(out, 36, 'data');
  view.setUint32(40, dataBytes, true);
  let offset = 44;
  for (const frame of list) {
    out.set(frame.toBytes(), offset);
    offset += frame.data.length * 2;
  }
  return out;
}

/**
 * Parses a WAV file and converts its samples to interleaved Int16. Unknown chunks (LIST,
 * fact, cue, ...) are skipped, honouring the pad byte after odd-sized chunks. A chunk size
 * of 0xFFFFFFFF (streamed file) means "to the end of the input".
 *
 * @example
 * ```ts
 * const { sampleRate, channels, data } = decodeWav(await readFile('hello.wav'));
 * ```
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeWav: bytes must be a Uint8Array');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || readAscii(bytes, 0) !== 'RIFF') {
    throw new RangeError(
      `decodeWav: not a RIFF file (expected 'RIFF' at byte 0, found ${describeTag(bytes, 0)})`,
    );
  }
  if (readAscii(bytes, 8) !== 'WAVE') {
    throw new RangeError(`decodeWav: RIFF form type is ${describeTag(bytes, 8)}; expected 'WAVE'`);
  }

  let fmt: { offset: number; size: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length && (fmt === undefined || data === undefined)) {
    const id = readAscii(bytes, offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = bytes.length - body;
    if (id === 'data') {
      const size = declared === UNKNOWN_SIZE ? available : declared;
      if (size > available) {
        throw new RangeError(
          `decodeWav: data chunk declares ${size} bytes but only ${available} remain; the file is truncated`,
        );
      }
      data = { offset: body, size };
    } else if (id === 'fmt ') {
      if (declared > available) {
        throw new RangeError(
          `decodeWav: fmt chunk declares ${declared} bytes but only ${available} remain; the file is truncated`,
        );
      }
      fmt = { offset: body, size: declared };
    }
    if (declared === UNKNOWN_SIZE) break;
    offset = body + declared + (declared & 1);
  }
  if (fmt === undefined) throw new RangeError("decodeWav: missing 'fmt ' chunk");
  if (data === undefined) throw new RangeError("decodeWav: missing 'data' chunk");

  const format = parseFormat(view, fmt.offset, fmt.size);
  const frameBytes = format.channels * format.bytesPerSample;
  if (data.size % frameBytes !== 0) {
    throw new RangeError(
      `decodeWav: data chunk is ${data.size} bytes, not a multiple of the ${frameBytes}-byte sample frame (${format.channels} channels × ${format.bytesPerSample} bytes); the file is truncated`,
    );
  }
  const samples = convertSamples(bytes, view, data.offset, data.size, format);
  return { sampleRate: format.sampleRate, channels: format.channels, data: samples };
}

/**
 * {@link decodeWav} wrapped in an {@link AudioFrame} (which rejects empty audio and
 * sample rates outside 8–384 kHz).
 *
 * @example
 * ```ts
 * const frame = decodeWavToFrame(bytes); // frame.startMs === 0
 * ```
 */
export function decodeWavToFrame(bytes: Uint8Array, startMs = 0): AudioFrame {
  const { sampleRate, channels, data } = decodeWav(bytes);
  return new AudioFrame(data, sampleRate, channels, startMs);
}

/**
 * Reads and decodes a WAV file into one frame.
 *
 * @example
 * ```ts
 * const frame = await readWavFile('test/fixtures/hello.wav');
 * ```
 */
export async function readWavFile(path: string | URL): Promise<AudioFrame> {
  return decodeWavToFrame(await readFile(path));
}

/**
 * Encodes frames with {@link encodeWav} and writes them to `path`.
 *
 * @example
 * ```ts
 * await writeWavFile('out.wav', frames);
 * ```
 */
export async function writeWavFile(
  path: string | URL,
  frames: AudioFrame[] | AudioFrame,
): Promise<void> {
  await writeFile(path, encodeWav(frames));
}

interface WavFormat {
  code: typeof FORMAT_PCM | typeof FORMAT_FLOAT;
  channels: number;
  sampleRate: number;
  bytesPerSample: number;
}

function parseFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) {
    throw new RangeError(`decodeWav: fmt chunk is ${size} bytes; expected at least 16`);
  }
  let code = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const bits = view.getUint16(offset + 14, true);
  if (code === FORMAT_EXTENSIBLE) {
    if (size < 40) {
      throw new RangeError(
        `decodeWav: WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes; expected at least 40`,
      );
    }
    // The sub-format GUID starts after cbSize (2), validBits (2) and channelMask (4).
    const guid = offset + 24;
    code = view.getUint16(guid, true);
    const tailMatches = SUBFORMAT_GUID_TAIL.every((b, k) => view.getUint8(guid + 2 + k) === b);
    if (!tailMatches) {
      throw new RangeError(
        'decodeWav: unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID; expected KSDATAFORMAT_SUBTYPE_PCM or _IEEE_FLOAT',
      );
    }
  }
  if (code !== FORMAT_PCM && code !== FORMAT_FLOAT) {
    const name = FORMAT_NAMES[code];
    throw new RangeError(
      `decodeWav: unsupported format code 0x${code.toString(16).padStart(4, '0')}${name ? ` (${name})` : ''}; expected PCM (1), IEEE float (3) or WAVE_FORMAT_EXTENSIBLE (0xfffe) with one of those`,
    );
  }
  if (channels === 0) throw new RangeError('decodeWav: fmt chunk declares 0 channels');
  if (sampleRate === 0) throw new RangeError('decodeWav: fmt chunk declares a sample rate of 0 Hz');
  const supportedBits = code === FORMAT_PCM ? [8, 16, 24, 32] : [32, 64];
  if (!supportedBits.includes(bits)) {
    throw new RangeError(
      `decodeWav: ${bits}-bit ${code === FORMAT_PCM ? 'PCM' : 'float'} is unsupported; expected ${supportedBits.join(', ')} bits`,
    );
  }
  return { code, channels, sampleRate, bytesPerSample: bits / 8 };
}

function convertSamples(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  size: number,
  format: WavFormat,
): Int16Array {
  const count = size / format.bytesPerSample;
  const out = new Int16Array(count);
  if (format.code === FORMAT_FLOAT) {
    const wide = format.bytesPerSample === 8;
    for (let k = 0; k < count; k++) {
      const x = wide
        ? view.getFloat64(offset + k * 8, true)
        : view.getFloat32(offset + k * 4, true);
      if (!Number.isFinite(x)) {
        throw new RangeError(
          `decodeWav: float sample ${k} is ${String(x)}; expected a finite number`,
        );
      }
      out[k] = floatToInt16(x);
    }
    return out;
  }
  switch (format.bytesPerSample) {
    case 1:
      // 8-bit WAV is unsigned with its midpoint at 128.
      for (let k = 0; k < count; k++) out[k] = (bytes[offset + k]! - 128) << 8;
      break;
    case 2:
      readInt16Le(bytes.subarray(offset, offset + size), out);
      break;
    case 3:
      for (let k = 0; k < count; k++) {
        const at = offset + k * 3;
        // Assemble in the top 24 bits of an int32, then shift back to sign-extend.
        const v = ((bytes[at + 2]! << 24) | (bytes[at + 1]! << 16) | (bytes[at]! << 8)) >> 8;
        out[k] = Math.min(32767, Math.round(v / 256));
      }
      break;
    default:
      for (let k = 0; k < count; k++) {
        out[k] = Math.min(32767, Math.round(view.getInt32(offset + k * 4, true) / 65536));
      }
  }
  return out;
}

function readAscii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

function describeTag(bytes: Uint8Array, offset: number): string {
  if (bytes.length < offset + 4) return `end of input (${bytes.length} bytes)`;
  return JSON.stringify(readAscii(bytes, offset));
}

function writeAscii(out: Uint8Array, offset: number, text: string): void {
  for (let k = 0; k < text.length; k++) out[offset + k] = text.charCodeAt(k);
}
