/**
 * Plain-data chat history. Everything here is JSON-serializable because the
 * chat lives in statechart context, is snapshotted, replayed and diffed.
 */

/** A tool invocation requested by the assistant. `arguments` is JSON text, as LLM APIs send it. */
export interface ToolCall {
  id: string;
  name: string;
  /** JSON text (not parsed) so that malformed model output survives round-trips unchanged. */
  arguments: string;
}

/**
 * One message of a conversation.
 *
 * @example
 * ```ts
 * const msg: ChatMessage = { id: 'm1', role: 'user', content: 'Hello', createdAt: Date.now() };
 * ```
 */
export type ChatMessage =
  | { id: string; role: 'system' | 'developer'; content: string }
  | { id: string; role: 'user'; content: string; createdAt?: number }
  | {
      id: string;
      role: 'assistant';
      content: string;
      toolCalls?: ToolCall[];
      /** True when the user barged in: `content` then holds only what was actually heard. */
      interrupted?: boolean;
      createdAt?: number;
    }
  | {
      id: string;
      role: 'tool';
      toolCallId: string;
      name: string;
      content: string;
      isError?: boolean;
    };

/** Every valid `role` value, in the order used by validation messages. */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;

/** Options for {@link ChatContext.isEquivalent} and {@link chatEquivalent}. */
export interface ChatEquivalenceOptions {
  /** Skip comparing message ids (and tool call ids), e.g. when comparing against an expected transcript. */
  ignoreIds?: boolean;
}

function toolCallsEquivalent(
  a: readonly ToolCall[] | undefined,
  b: readonly ToolCall[] | undefined,
  ignoreIds: boolean,
): boolean {
  // An absent list and an empty list mean the same thing to an LLM.
  const xs = a ?? [];
  const ys = b ?? [];
  if (xs.length !== ys.length) return false;
  return xs.every((x, i) => {
    const y = ys[i];
    if (y === undefined) return false;
    return x.name === y.name && x.arguments === y.arguments && (ignoreIds || x.id === y.id);
  });
}

function messagesEquivalent(a: ChatMessage, b: ChatMessage, ignoreIds: boolean): boolean {
  if (a.role !== b.role || a.content !== b.content) return false;
  if (!ignoreIds && a.id !== b.id) return false;
  if (a.role === 'assistant' && b.role === 'assistant') {
    return (
      (a.interrupted ?? false) === (b.interrupted ?? false) &&
      toolCallsEquivalent(a.toolCalls, b.toolCalls, ignoreIds)
    );
  }
  if (a.role === 'tool' && b.role === 'tool') {
    return (
      a.name === b.name &&
      (a.isError ?? false) === (b.isError ?? false) &&
      (ignoreIds || a.toolCallId === b.toolCallId)
    );
  }
  return true;
}

/**
 * Whether two message lists say the same thing: same roles, contents, tool calls and
 * interrupted flags, in the same order. Timestamps are ignored; ids are compared
 * unless `ignoreIds` is set.
 *
 * @example
 * ```ts
 * chatEquivalent(
 *   [{ id: 'a', role: 'user', content: 'hi' }],
 *   [{ id: 'b', role: 'user', content: 'hi', createdAt: 5 }],
 *   { ignoreIds: true },
 * ); // true
 * ```
 */
export function chatEquivalent(
  a: readonly ChatMessage[],
  b: readonly ChatMessage[],
  opts: ChatEquivalenceOptions = {},
): boolean {
  if (a.length !== b.length) return false;
  const ignoreIds = opts.ignoreIds ?? false;
  return a.every((m, i) => {
    const other = b[i];
    return other !== undefined && messagesEquivalent(m, other, ignoreIds);
  });
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function fail(path: string, expected: string, got: unknown): never {
  throw new TypeError(`${path}: expected ${expected}, got ${describeValue(got)}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function requireString(obj: Record<string, unknown>, key: string, path: string): string {
  const v = obj[key];
  if (typeof v !== 'string') fail(`${path}.${key}`, 'a string', v);
  return v;
}

function optional<T>(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  check: (v: unknown) => v is T,
  expected: string,
): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (!check(v)) fail(`${path}.${key}`, expected, v);
  return v;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

function validateToolCalls(v: unknown, path: string): ToolCall[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v.map((c: unknown, i): ToolCall => {
    const p = `${path}[${i}]`;
    if (!isRecord(c)) fail(p, 'an object', c);
    return {
      id: requireString(c, 'id', p),
      name: requireString(c, 'name', p),
      arguments: requireString(c, 'arguments', p),
    };
  });
}

function validateMessage(m: unknown, path: string): ChatMessage {
  if (!isRecord(m)) fail(path, 'an object', m);
  const role = m['role'];
  if (typeof role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(role)) {
    fail(`${path}.role`, `one of ${CHAT_ROLES.join('|')}`, role);
  }
  const id = requireString(m, 'id', path);
  const content = requireString(m, 'content', path);
  switch (role) {
    case 'system':
    case 'developer':
      return { id, role, content };
    case 'user': {
      const createdAt = optional(m, 'createdAt', path, isNumber, 'a finite number');
      return createdAt === undefined ? { id, role, content } : { id, role, content, createdAt };
    }
    case 'assistant': {
      const out: ChatMessage & { role: 'assistant' } = { id, role, content };
      if (m['toolCalls'] !== undefined) {
        out.toolCalls = validateToolCalls(m['toolCalls'], `${path}.toolCalls`);
      }
      const interrupted = optional(m, 'interrupted', path, isBoolean, 'a boolean');
      if (interrupted !== undefined) out.interrupted = interrupted;
      const createdAt = optional(m, 'createdAt', path, isNumber, 'a finite number');
      if (createdAt !== undefined) out.createdAt = createdAt;
      return out;
    }
    default: {
      const out: ChatMessage & { role: 'tool' } = {
        id,
        role: 'tool',
        toolCallId: requireString(m, 'toolCallId', path),
        name: requireString(m, 'name', path),
        content,
      };
      const isError = optional(m, 'isError', path, isBoolean, 'a boolean');
      if (isError !== undefined) out.isError = isError;
      return out;
    }
  }
}

/**
 * Checks untrusted input (a parsed JSON file, a test fixture, a replay log) and returns
 * clean copies of the messages. Unknown fields are dropped.
 *
 * @throws TypeError naming the index and field, e.g.
 *   `messages[2].role: expected one of system|developer|user|assistant|tool, got "bot"`.
 * @example
 * ```ts
 * const messages = validateChatMessages(JSON.parse(fs.readFileSync('chat.json', 'utf8')));
 * ```
 */
export function validateChatMessages(x: unknown): ChatMessage[] {
  if (!Array.isArray(x)) fail('messages', 'an array', x);
  return x.map((m: unknown, i) => validateMessage(m, `messages[${i}]`));
}

function cloneMessage(m: ChatMessage): ChatMessage {
  if (m.role === 'assistant' && m.toolCalls) {
    return { ...m, toolCalls: m.toolCalls.map((c) => ({ ...c })) };
  }
  return { ...m };
}

/**
 * An immutable-style wrapper around a list of {@link ChatMessage}s. Every "mutation"
 * returns a new instance, so contexts can be stored in statechart context safely.
 *
 * @example
 * ```ts
 * const ctx = ChatContext.empty()
 *   .append({ id: 's', role: 'system', content: 'Be brief.' })
 *   .append({ id: 'u1', role: 'user', content: 'Hi!' });
 * ctx.lastUserMessage()?.content; // 'Hi!'
 * JSON.stringify(ctx); // the plain message array
 * ```
 */
export class ChatContext {
  readonly messages: readonly ChatMessage[];

  private constructor(messages: readonly ChatMessage[]) {
    this.messages = messages;
  }

  /** A context with no messages. */
  static empty(): ChatContext {
    return new ChatContext([]);
  }

  /** Wraps a copy of `messages` (the caller's array is not retained). */
  static from(messages: readonly ChatMessage[]): ChatContext {
    return new ChatContext(messages.map(cloneMessage));
  }

  /** A new context with `msg` appended. */
  append(msg: ChatMessage): ChatContext {
    return new ChatContext([...this.messages, cloneMessage(msg)]);
  }

  /** A deep copy (messages and tool calls are copied). */
  copy(): ChatContext {
    return ChatContext.from(this.messages);
  }

  /** The plain message array, so `JSON.stringify(ctx)` yields the messages. */
  toJSON(): ChatMessage[] {
    return this.messages.map(cloneMessage);
  }

  /** See {@link chatEquivalent}. */
  isEquivalent(
    other: ChatContext | readonly ChatMessage[],
    opts: ChatEquivalenceOptions = {},
  ): boolean {
    const theirs = other instanceof ChatContext ? other.messages : other;
    return chatEquivalent(this.messages, theirs, opts);
  }

  /** The most recent user message, if any. */
  lastUserMessage(): (ChatMessage & { role: 'user' }) | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i];
      if (m?.role === 'user') return m;
    }
    return undefined;
  }

  /**
   * Keeps at most `maxMessages` non-system messages (the most recent ones); system and
   * developer messages are always kept, in place, because they carry the instructions.
   * A leading orphaned `tool` message is dropped as well, since LLM APIs reject a tool
   * result whose call was truncated away.
   */
  truncate(maxMessages: number): ChatContext {
    const isInstruction = (m: ChatMessage) => m.role === 'system' || m.role === 'developer';
    const budget = Math.max(0, Math.floor(maxMessages));
    let remaining = budget;
    const keep = new Array<boolean>(this.messages.length).fill(false);
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i];
      if (m === undefined) continue;
      if (isInstruction(m)) keep[i] = true;
      else if (remaining > 0) {
        keep[i] = true;
        remaining--;
      }
    }
    // Drop tool results at the head of the kept conversation: their call was cut off.
    for (let i = 0; i < this.messages.length; i++) {
      const m = this.messages[i];
      if (m === undefined || !keep[i] || isInstruction(m)) continue;
      if (m.role !== 'tool') break;
      keep[i] = false;
    }
    return new ChatContext(this.messages.filter((_, i) => keep[i]));
  }
}
