// ChatContext is immutable-style plain data: equivalence compares roles, contents, tool calls
// and interrupted flags in order (ids unless ignored), and validation names the bad field.
import { describe, expect, it } from 'vitest';
import {
  ChatContext,
  type ChatMessage,
  chatEquivalent,
  validateChatMessages,
} from '../../src/text/index.ts';

const conversation: ChatMessage[] = [
  { id: 's', role: 'system', content: 'Be brief.' },
  { id: 'u1', role: 'user', content: 'Weather?', createdAt: 1 },
  {
    id: 'a1',
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' }],
  },
  { id: 't1', role: 'tool', toolCallId: 'c1', name: 'weather', content: 'sunny' },
  { id: 'a2', role: 'assistant', content: 'It is sunny', interrupted: true, createdAt: 3 },
  { id: 'u2', role: 'user', content: 'Thanks' },
];

describe('ChatContext', () => {
  it('appends without mutating and serializes to the message array', () => {
    const empty = ChatContext.empty();
    const one = empty.append({ id: 'u', role: 'user', content: 'hi' });
    expect(empty.messages).toHaveLength(0);
    expect(one.messages).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(one))).toEqual([{ id: 'u', role: 'user', content: 'hi' }]);
  });

  it('from() and copy() do not share message objects', () => {
    const source = structuredClone(conversation);
    const ctx = ChatContext.from(source);
    const first = source[2];
    if (first?.role === 'assistant') first.toolCalls?.push({ id: 'x', name: 'x', arguments: '{}' });
    expect(ctx.isEquivalent(conversation)).toBe(true);
    const copy = ctx.copy();
    expect(copy).not.toBe(ctx);
    expect(copy.messages[0]).not.toBe(ctx.messages[0]);
    expect(copy.isEquivalent(ctx)).toBe(true);
  });

  it('finds the last user message', () => {
    expect(ChatContext.from(conversation).lastUserMessage()?.content).toBe('Thanks');
    expect(ChatContext.empty().lastUserMessage()).toBeUndefined();
  });

  it('truncate keeps system messages and the most recent others, dropping orphan tool results', () => {
    const ctx = ChatContext.from(conversation);
    expect(ctx.truncate(2).messages.map((m) => m.id)).toEqual(['s', 'a2', 'u2']);
    // Keeping 3 would start at the tool result whose call is cut off: it is dropped too.
    expect(ctx.truncate(3).messages.map((m) => m.id)).toEqual(['s', 'a2', 'u2']);
    expect(ctx.truncate(4).messages.map((m) => m.id)).toEqual(['s', 'a1', 't1', 'a2', 'u2']);
    expect(ctx.truncate(0).messages.map((m) => m.id)).toEqual(['s']);
    expect(ctx.truncate(100).messages).toHaveLength(conversation.length);
  });
});

describe('chat equivalence', () => {
  const renamed = conversation.map((m, i) => ({ ...m, id: `other-${i}` })) as ChatMessage[];

  it('compares ids unless ignoreIds', () => {
    expect(chatEquivalent(conversation, renamed)).toBe(false);
    expect(chatEquivalent(conversation, renamed, { ignoreIds: true })).toBe(true);
    expect(
      ChatContext.from(conversation).isEquivalent(ChatContext.from(renamed), { ignoreIds: true }),
    ).toBe(true);
  });

  it('ignores timestamps and treats absent flags as false / absent tool calls as empty', () => {
    const a: ChatMessage[] = [{ id: 'a', role: 'assistant', content: 'x', createdAt: 1 }];
    const b: ChatMessage[] = [
      { id: 'a', role: 'assistant', content: 'x', interrupted: false, toolCalls: [] },
    ];
    expect(chatEquivalent(a, b)).toBe(true);
  });

  it('detects differences in content, role, order, interruption and tool calls', () => {
    const base: ChatMessage[] = [
      { id: 'u', role: 'user', content: 'hi' },
      { id: 'a', role: 'assistant', content: 'hello' },
    ];
    expect(chatEquivalent(base, [base[1] as ChatMessage, base[0] as ChatMessage])).toBe(false);
    expect(chatEquivalent(base, [base[0] as ChatMessage])).toBe(false);
    expect(
      chatEquivalent(base, [
        base[0] as ChatMessage,
        { id: 'a', role: 'assistant', content: 'hell' },
      ]),
    ).toBe(false);
    expect(
      chatEquivalent(base, [
        base[0] as ChatMessage,
        { id: 'a', role: 'assistant', content: 'hello', interrupted: true },
      ]),
    ).toBe(false);
    expect(
      chatEquivalent(base, [
        base[0] as ChatMessage,
        {
          id: 'a',
          role: 'assistant',
          content: 'hello',
          toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }],
        },
      ]),
    ).toBe(false);
    expect(
      chatEquivalent(base, [{ id: 'u', role: 'developer', content: 'hi' }, base[1] as ChatMessage]),
    ).toBe(false);
  });

  it('compares tool call ids only when ids matter', () => {
    const call = (id: string): ChatMessage[] => [
      { id: 'a', role: 'assistant', content: '', toolCalls: [{ id, name: 'f', arguments: '{}' }] },
      { id: 't', role: 'tool', toolCallId: id, name: 'f', content: 'ok' },
    ];
    expect(chatEquivalent(call('c1'), call('c2'))).toBe(false);
    expect(chatEquivalent(call('c1'), call('c2'), { ignoreIds: true })).toBe(true);
  });
});

describe('validateChatMessages', () => {
  it('accepts valid messages and round-trips through JSON', () => {
    const parsed = validateChatMessages(JSON.parse(JSON.stringify(conversation)));
    expect(parsed).toEqual(conversation);
  });

  it('drops unknown fields', () => {
    expect(validateChatMessages([{ id: 'u', role: 'user', content: 'x', extra: 1 }])).toEqual([
      { id: 'u', role: 'user', content: 'x' },
    ]);
  });

  it.each([
    [
      [
        { id: 'a', role: 'user', content: '' },
        { id: 'b', role: 'user', content: '' },
        { id: 'c', role: 'bot', content: '' },
      ],
      'messages[2].role: expected one of system|developer|user|assistant|tool, got "bot"',
    ],
    ['nope', 'messages: expected an array, got "nope"'],
    [[null], 'messages[0]: expected an object, got null'],
    [[{ role: 'user', content: 'x' }], 'messages[0].id: expected a string, got undefined'],
    [[{ id: 'u', role: 'user', content: 3 }], 'messages[0].content: expected a string, got 3'],
    [
      [{ id: 'u', role: 'user', content: 'x', createdAt: 'now' }],
      'messages[0].createdAt: expected a finite number, got "now"',
    ],
    [
      [{ id: 'a', role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f' }] }],
      'messages[0].toolCalls[0].arguments: expected a string, got undefined',
    ],
    [
      [{ id: 'a', role: 'assistant', content: '', interrupted: 'yes' }],
      'messages[0].interrupted: expected a boolean, got "yes"',
    ],
    [
      [{ id: 't', role: 'tool', name: 'f', content: '' }],
      'messages[0].toolCallId: expected a string, got undefined',
    ],
  ])('rejects %j', (input, message) => {
    expect(() => validateChatMessages(input)).toThrow(message);
  });
});
