/**
 * Large-language-model provider interface: streaming chat completion with tool calls.
 */

import type { ChatMessage, ToolCall } from '../text/chat-context.ts';
import type { Provider } from './provider.ts';

/** A tool the model may call; `parameters` is a JSON schema of the arguments object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** Pieces of a streamed completion. `done` is the last chunk of a successful completion. */
export type LlmChunk =
  | { type: 'delta'; text: string }
  | { type: 'toolCall'; call: ToolCall }
  | { type: 'usage'; promptTokens: number; completionTokens: number }
  | { type: 'done'; finishReason?: string };

/** What an {@link Llm} supports. */
export interface LlmCapabilities {
  streaming: true;
  toolCalls: boolean;
}

/** A chat completion request. */
export interface LlmChatRequest {
  messages: readonly ChatMessage[];
  tools?: readonly ToolDefinition[];
  toolChoice?: 'auto' | 'none' | 'required';
  /** Aborting stops generation; iteration then throws the abort reason. */
  signal?: AbortSignal;
}

/**
 * Large-language-model provider.
 *
 * @example
 * ```ts
 * let reply = '';
 * for await (const chunk of llm.chat({ messages: ctx.messages, signal })) {
 *   if (chunk.type === 'delta') reply += chunk.text;
 * }
 * ```
 */
export interface Llm<Options extends object = object> extends Provider<LlmCapabilities, Options> {
  chat(req: LlmChatRequest): AsyncIterable<LlmChunk>;
}
