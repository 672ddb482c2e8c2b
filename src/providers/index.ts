export { AsyncQueue, type AsyncQueueOptions } from './async-queue.ts';
export { ProviderError, type ProviderErrorOptions, ProviderTimeoutError } from './errors.ts';
export { FallbackLlm, type FallbackOptions, FallbackStt, FallbackTts } from './fallback.ts';
export type {
  Llm,
  LlmCapabilities,
  LlmChatRequest,
  LlmChunk,
  ToolDefinition,
} from './llm.ts';
export type {
  NoiseCanceller,
  NoiseCancellerCapabilities,
  NoiseCancellerSelector,
} from './noise-canceller.ts';
export type { Provider } from './provider.ts';
export {
  StreamStt,
  type StreamSttOptions,
  StreamTts,
  type StreamTtsOptions,
} from './stream-adapters.ts';
export type {
  Stt,
  SttCapabilities,
  SttEvent,
  SttRecognizeOptions,
  SttResult,
  SttStream,
  SttStreamOptions,
  SttWord,
} from './stt.ts';
export type {
  Tts,
  TtsCapabilities,
  TtsChunk,
  TtsRequestOptions,
  TtsStream,
} from './tts.ts';
export type {
  EndOfTurnRequest,
  TurnDetector,
  TurnDetectorCapabilities,
} from './turn-detector.ts';
export type { Vad, VadCapabilities, VadEvent, VadStream } from './vad.ts';
