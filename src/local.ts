/**
 * `voicechart/local`: the embedded offline providers. A separate entry point because they load
 * native and WebAssembly modules (onnxruntime-node, koffi + pocketsphinx, RNNoise, Flite) that
 * the core package does not need.
 */

export { createLocalStack, type LocalStack, type LocalStackOptions } from './cli/local-stack.ts';
export { type RunOptions, type RunProviders, type RunResult, runConversation } from './cli/run.ts';
export {
  EspeakTts,
  type EspeakTtsConfig,
  type EspeakTtsOptions,
} from './providers/local/espeak-tts.ts';
export {
  FLITE_VOICES,
  FliteTts,
  type FliteTtsConfig,
  type FliteTtsOptions,
  type FliteVoice,
} from './providers/local/flite-tts.ts';
export {
  OnnxTurnDetector,
  type OnnxTurnDetectorConfig,
} from './providers/local/onnx-turn-detector.ts';
export {
  PocketsphinxStt,
  type PocketsphinxSttConfig,
  type PocketsphinxSttOptions,
} from './providers/local/pocketsphinx-stt.ts';
export {
  RnnoiseCanceller,
  type RnnoiseCancellerOptions,
  type SelectNoiseCancellerOptions,
  selectNoiseCanceller,
} from './providers/local/rnnoise.ts';
export {
  demoWeatherTool,
  RuleBasedLlm,
  type RuleBasedLlmOptions,
} from './providers/local/rule-based-llm.ts';
export {
  SileroVad,
  type SileroVadConfig,
  type SileroVadOptions,
} from './providers/local/silero-vad.ts';
export { ConversationRecorder } from './transports/conversation-recorder.ts';
export { fileAudioInput, InputError, loadWavClips } from './transports/file-input.ts';
