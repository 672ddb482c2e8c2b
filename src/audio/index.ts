/**
 * Audio primitives for voicechart: Int16 PCM frames, byte-stream re-framing, streaming
 * resampling, WAV I/O and mixing helpers. `pcm.ts` and `polyphase-filter.ts` are
 * implementation details and deliberately not re-exported.
 */

export { AudioByteStream } from './audio-byte-stream.ts';
export {
  assertChannels,
  assertSampleRate,
  MAX_CHANNELS,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
} from './audio-format.ts';
export { AudioFrame } from './audio-frame.ts';
export {
  applyGain,
  clampToInt16,
  concatFrames,
  interleave,
  mixFrames,
  rmsDbfs,
  toMono,
} from './mix.ts';
export { Resampler, type ResamplerOptions, type ResamplerQuality } from './resampler.ts';
export {
  type DecodedWav,
  decodeWav,
  decodeWavToFrame,
  encodeWav,
  readWavFile,
  writeWavFile,
} from './wav.ts';
