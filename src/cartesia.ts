/**
 * `voicechart/cartesia`: Cartesia streaming text-to-speech on the official `@cartesia/cartesia-js`.
 */
export {
  type CartesiaSampleRate,
  CartesiaTts,
  type CartesiaTtsConfig,
  type CartesiaTtsOptions,
} from './providers/cartesia/cartesia-tts.ts';
