/**
 * `voicechart/openai`: providers for OpenAI and the servers that speak its API (llama.cpp,
 * Ollama, vLLM, local whisper servers), on the official `openai` SDK.
 */
export { OpenAiLlm, type OpenAiLlmOptions } from './providers/openai/openai-llm.ts';
export {
  type OpenAiStreamingSttOptions,
  OpenAiStt,
  type OpenAiSttOptions,
  openAiStreamingStt,
} from './providers/openai/openai-stt.ts';
