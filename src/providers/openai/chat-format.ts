/**
 * Translation between voicechart's chat types and the chat-completions wire format:
 * messages and tools out, streamed tool-call fragments back into complete calls.
 */

import type {
  ChatCompletionChunk,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ToolCall } from '../../text/chat-context.ts';
import type { ToolDefinition } from '../llm.ts';

/**
 * Role that `developer` messages are sent as. `system` works everywhere (OpenAI treats it as
 * `developer` for reasoning models; many local chat templates know only `system`).
 */
export type DeveloperRole = 'developer' | 'system';

/**
 * Chat messages in the chat-completions format. Assistant tool calls become `tool_calls`,
 * tool results carry `tool_call_id`. An interrupted assistant message is sent as is: its
 * content already holds only what the user heard.
 */
export function toChatCompletionMessages(
  messages: readonly ChatMessage[],
  developerRole: DeveloperRole = 'system',
): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'developer':
        return { role: developerRole, content: m.content };
      case 'user':
        return { role: 'user', content: m.content };
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: m.content };
        return {
          role: 'assistant',
          // OpenAI wants null rather than '' next to tool calls.
          content: m.content === '' ? null : m.content,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          })),
        };
      }
      default:
        // 'tool': results name their call; the API has no place for `name` or `isError`.
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    }
  });
}

/** Tool definitions as chat-completions function tools. */
export function toChatCompletionTools(
  tools: readonly ToolDefinition[],
): ChatCompletionFunctionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

type ToolCallDelta = NonNullable<ChatCompletionChunk.Choice.Delta['tool_calls']>[number];

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Reassembles streamed tool calls. Each fragment names its call by `index`; the first one
 * usually carries the id and name, the rest pieces of the JSON arguments. OpenAI sends the
 * calls one after the other, but some compatible servers interleave fragments of parallel
 * calls, so calls are only handed out complete, by {@link ToolCallAccumulator.flush} at the
 * end of the stream, in order of first appearance.
 *
 * @example
 * ```ts
 * const calls = new ToolCallAccumulator();
 * for (const d of delta.tool_calls ?? []) calls.add(d);
 * // on finish_reason:
 * for (const call of calls.flush()) emit(call);
 * ```
 */
export class ToolCallAccumulator {
  /** Calls by slot key, in order of first appearance (Map keeps insertion order). */
  private readonly pending = new Map<string, PartialCall>();
  /** Current slot key of each wire index (a new id at a used index opens a new slot). */
  private readonly slots = new Map<number, string>();
  private readonly newId: () => string;

  /** `newId` names calls whose fragments carry no id (some local servers omit it). */
  constructor(newId: () => string = () => `call_${crypto.randomUUID()}`) {
    this.newId = newId;
  }

  /** Whether no fragment is pending. */
  get empty(): boolean {
    return this.pending.size === 0;
  }

  /**
   * Adds one fragment. `position` (its place in the delta's `tool_calls`) stands in for a
   * missing `index`, for servers that send complete calls without one.
   */
  add(delta: ToolCallDelta, position = 0): void {
    const index = typeof delta.index === 'number' ? delta.index : position;
    let key = this.slots.get(index);
    let call = key === undefined ? undefined : this.pending.get(key);
    // A different id at a used index is another call (servers that omit or reuse `index`).
    if (call !== undefined && delta.id && call.id !== '' && delta.id !== call.id) call = undefined;
    if (call === undefined) {
      key = `${index}#${this.pending.size}`;
      call = { id: '', name: '', arguments: '' };
      this.slots.set(index, key);
      this.pending.set(key, call);
    }
    if (delta.id) call.id = delta.id;
    const name = delta.function?.name;
    // OpenAI sends the name once; some servers repeat it in every fragment, others split it.
    if (name) call.name = call.name !== '' && name.startsWith(call.name) ? name : call.name + name;
    call.arguments += delta.function?.arguments ?? '';
  }

  /** Every pending call, complete, in order of first appearance; the accumulator is emptied. */
  flush(): ToolCall[] {
    const calls = [...this.pending.values()].map((c) => ({
      id: c.id || this.newId(),
      name: c.name,
      // An argument-less call may stream no arguments at all: '{}' keeps it valid JSON.
      arguments: c.arguments.trim() === '' ? '{}' : c.arguments,
    }));
    this.pending.clear();
    this.slots.clear();
    return calls;
  }
}
