/**
 * `voicechart/deepgram`: Deepgram streaming speech-to-text on the official `@deepgram/sdk`.
 */
export {
  DEEPGRAM_DEFAULT_BASE_URL,
  DeepgramStt,
  type DeepgramSttConfig,
  type DeepgramSttOptions,
} from './providers/deepgram/deepgram-stt.ts';
