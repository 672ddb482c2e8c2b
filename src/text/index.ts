export {
  type BackchannelClassifier,
  DEFAULT_BACKCHANNEL_PHRASES,
  defaultBackchannelClassifier,
  isBackchannel,
} from './backchannel.ts';
export {
  CHAT_ROLES,
  ChatContext,
  type ChatEquivalenceOptions,
  type ChatMessage,
  chatEquivalent,
  type ToolCall,
  validateChatMessages,
} from './chat-context.ts';
export {
  DEFAULT_WORDS_PER_SECOND,
  estimateSpeechDurationMs,
  type PlayedTextOptions,
  playedText,
  type TimedWord,
} from './played-text.ts';
export {
  SentenceStream,
  type SentenceStreamOptions,
  splitSentences,
} from './sentence-tokenizer.ts';
export {
  countWords,
  joinTranscripts,
  normalizeTranscript,
  transcriptsEquivalent,
  transcriptTokens,
} from './transcripts.ts';
