/**
 * RuleBasedLlm: an offline, deterministic dialogue engine behind the {@link Llm} interface, used
 * by `voicechart run` when no OpenAI-compatible endpoint is configured. It is NOT a language
 * model: it matches keywords in the last user message (tolerant of speech-recognition errors:
 * lowercase, no punctuation, homophones such as "whether" for "weather"), greets, answers a few
 * simple questions, asks follow-ups, and calls a `get_weather` tool when one is offered.
 *
 * It exists so that a fresh clone can hold a spoken conversation with no network and no keys,
 * and so that tests of the whole pipeline have a reply they can predict.
 */

import type { ChatMessage, ToolCall } from '../../text/chat-context.ts';
import { type FunctionTool, tool } from '../../tools/function-tool.ts';
import { AsyncQueue } from '../async-queue.ts';
import type { Llm, LlmCapabilities, LlmChatRequest, LlmChunk, ToolDefinition } from '../llm.ts';

/** Options of {@link RuleBasedLlm}. */
export interface RuleBasedLlmOptions {
  /** The name the agent gives itself. Default `'Chart'`. */
  agentName?: string;
  /**
   * Where "what time is it" gets the time from. Default: none, and the agent says it has no
   * clock (the engine itself never reads the wall clock, so runs stay reproducible).
   */
  now?: () => Date;
}

/** Cities the weather rule recognises without being told "in <city>". */
const CITIES = [
  'new york',
  'san francisco',
  'los angeles',
  'paris',
  'london',
  'berlin',
  'madrid',
  'rome',
  'tokyo',
  'boston',
  'chicago',
  'seattle',
  'sydney',
  'toronto',
  'dublin',
  'amsterdam',
  'lisbon',
  'vienna',
  'prague',
  'oslo',
  'denver',
  'austin',
  'miami',
];

const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  hundred: 100,
};

/** Lowercase words, no punctuation: what a speech recognizer produces. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const has = (text: string, ...patterns: RegExp[]) => patterns.some((p) => p.test(text));

/** "twenty three" → 23, "7" → 7; null when the words are not a number. */
function parseNumber(words: string): number | null {
  const trimmed = words.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  let total = 0;
  let seen = false;
  for (const w of trimmed.split(' ')) {
    const n = NUMBER_WORDS[w];
    if (n === undefined) {
      if (w === 'and' && seen) continue;
      return null;
    }
    total = n === 100 ? Math.max(total, 1) * 100 : total + n;
    seen = true;
  }
  return seen ? total : null;
}

/** Recognizer homophones of number words ("what is to plus five"). */
const NUMBER_HOMOPHONES: Record<string, string> = {
  to: 'two',
  too: 'two',
  for: 'four',
  fore: 'four',
  won: 'one',
  ate: 'eight',
  tree: 'three',
};

const OPERATORS: Record<string, (a: number, b: number) => number> = {
  plus: (a, b) => a + b,
  minus: (a, b) => a - b,
  times: (a, b) => a * b,
};

/** "... twenty three plus four ..." → "23 plus 4 is 27"; null when there is no sum. */
function findSum(text: string): string | null {
  const words = text.split(' ').map((w) => NUMBER_HOMOPHONES[w] ?? w);
  const isNumber = (w: string | undefined) =>
    w !== undefined && (/^\d+$/.test(w) || NUMBER_WORDS[w] !== undefined);
  const at = words.findIndex((w) => OPERATORS[w] !== undefined);
  if (at < 0) return null;
  let from = at;
  while (isNumber(words[from - 1])) from--;
  let to = at + 1;
  while (isNumber(words[to])) to++;
  const a = parseNumber(words.slice(from, at).join(' '));
  const b = parseNumber(words.slice(at + 1, to).join(' '));
  const op = words[at]!;
  if (a === null || b === null) return null;
  return `${a} ${op} ${b} is ${OPERATORS[op]!(a, b)}`;
}

function titleCase(s: string): string {
  return s.replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

function findCity(text: string): string | null {
  const known = CITIES.find((c) => new RegExp(`\\b${c}\\b`).test(text));
  if (known) return titleCase(known);
  const m = /\b(?:in|for|at) ([a-z]+(?: [a-z]+)?)\s*(?:today|tomorrow|now|right now)?$/.exec(text);
  const city = m?.[1]?.replace(/\b(?:today|tomorrow|now|the|please)\b/g, '').trim();
  return city ? titleCase(city) : null;
}

function userName(messages: readonly ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    const match = /\b(?:my name is|my name's|call me) ([a-z]+)/.exec(normalize(m.content));
    if (match?.[1]) return titleCase(match[1]);
  }
  return null;
}

type Reply = { text: string } | { toolCall: { name: string; args: Record<string, unknown> } };

/**
 * The offline rule-based dialogue engine (not a language model).
 *
 * @example
 * ```ts
 * const llm = new RuleBasedLlm();
 * for await (const c of llm.chat({ messages: [{ id: 'u1', role: 'user', content: 'hello' }] })) {
 *   if (c.type === 'delta') process.stdout.write(c.text);
 * }
 * ```
 */
export class RuleBasedLlm implements Llm<RuleBasedLlmOptions> {
  readonly label = 'rule-based-llm';
  readonly capabilities: LlmCapabilities = { streaming: true, toolCalls: true };
  /** Completions requested so far. */
  requests = 0;
  private opts: RuleBasedLlmOptions;
  private callSeq = 0;

  constructor(opts: RuleBasedLlmOptions = {}) {
    this.opts = opts;
  }

  updateOptions(opts: Partial<RuleBasedLlmOptions>): void {
    this.opts = { ...this.opts, ...opts };
  }

  async prewarm(): Promise<void> {}

  async close(): Promise<void> {}

  chat(req: LlmChatRequest): AsyncIterable<LlmChunk> {
    this.requests++;
    const queue = new AsyncQueue<LlmChunk>();
    const reply = this.reply(req.messages, req.toolChoice === 'none' ? [] : (req.tools ?? []));
    const abort = () => queue.fail(req.signal?.reason ?? new Error('aborted'));
    if (req.signal?.aborted) {
      abort();
      return queue;
    }
    req.signal?.addEventListener('abort', abort, { once: true });
    // Emitted on a later turn of the event loop, like a network stream, word by word.
    queueMicrotask(() => {
      if (req.signal?.aborted) return;
      if ('toolCall' in reply) {
        const call: ToolCall = {
          id: `rule_call_${++this.callSeq}`,
          name: reply.toolCall.name,
          arguments: JSON.stringify(reply.toolCall.args),
        };
        queue.push({ type: 'toolCall', call });
        queue.push({ type: 'done', finishReason: 'tool_calls' });
      } else {
        for (const word of reply.text.match(/\S+\s*/g) ?? [])
          queue.push({ type: 'delta', text: word });
        queue.push({ type: 'done', finishReason: 'stop' });
      }
      req.signal?.removeEventListener('abort', abort);
      queue.end();
    });
    return queue;
  }

  /** The reply to a conversation, as text or one tool call. Pure: same messages, same reply. */
  reply(messages: readonly ChatMessage[], tools: readonly ToolDefinition[]): Reply {
    const name = this.opts.agentName ?? 'Chart';
    const last = messages.at(-1);
    if (last?.role === 'tool') return { text: this.afterTool(last) };

    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const text = normalize(lastUser?.content ?? '');
    const previousAgent = [...messages].reverse().find((m) => m.role === 'assistant');
    const askedCity = previousAgent !== undefined && /which city/i.test(previousAgent.content);
    const person = userName(messages);
    const canWeather = tools.some((t) => t.name === 'get_weather');

    if (text === '') return { text: 'Sorry, I did not catch that. Could you say it again?' };

    if (askedCity && canWeather && !has(text, /\b(never ?mind|no|cancel)\b/)) {
      const city = findCity(text) ?? titleCase(text.split(' ').slice(-2).join(' '));
      return { toolCall: { name: 'get_weather', args: { city } } };
    }
    if (has(text, /\b(weather|whether|forecast|temperature|rain(ing)?|sunny|umbrella)\b/)) {
      if (!canWeather) return { text: 'I cannot look up the weather in this setup, sorry.' };
      const city = findCity(text);
      if (!city) return { text: 'Sure, which city should I check the weather for?' };
      return { toolCall: { name: 'get_weather', args: { city } } };
    }
    const sum = findSum(text);
    if (sum) return { text: `${sum}. Anything else?` };
    const introduced = /\b(?:my name is|my name's|call me) ([a-z]+)/.exec(text);
    if (introduced?.[1]) {
      return {
        text: `Nice to meet you, ${titleCase(introduced[1])}. What can I do for you today?`,
      };
    }
    if (has(text, /\b(what'?s|what is) your name\b/, /\bwho are you\b/)) {
      return {
        text: `I'm ${name}, a voice assistant running entirely on this machine. I can chat, do small sums and check the weather.`,
      };
    }
    if (has(text, /\b(what can you do|help me|how does this work)\b/)) {
      return {
        text: 'I can tell you the weather in a city, do simple arithmetic, or just chat. What would you like?',
      };
    }
    if (has(text, /\bwhat time is it\b/, /\bwhat'?s the time\b/, /\bwhat day is it\b/)) {
      const now = this.opts.now?.();
      if (!now) return { text: 'I have no clock in this offline setup, sorry. Anything else?' };
      const hh = now.getUTCHours();
      const mm = String(now.getUTCMinutes()).padStart(2, '0');
      return { text: `It is ${hh}:${mm} UTC. Anything else?` };
    }
    if (has(text, /\bhow are you\b/, /\bhow'?s it going\b/)) {
      return { text: "I'm doing well, thanks for asking. How can I help you?" };
    }
    if (has(text, /\b(thank you|thanks)\b/)) {
      return { text: `You're welcome${person ? `, ${person}` : ''}. Is there anything else?` };
    }
    if (has(text, /\b(bye|goodbye|see you|that'?s all)\b/)) {
      return { text: `Goodbye${person ? `, ${person}` : ''}. Have a nice day!` };
    }
    if (has(text, /^(hi|hello|hey|good (morning|afternoon|evening))\b/, /\b(hello|hi there)\b/)) {
      return {
        text: `Hello${person ? ` ${person}` : ''}! I'm ${name}. How can I help you today?`,
      };
    }
    if (has(text, /^(yes|yeah|yep|sure|okay|ok|right)\b/)) {
      return { text: 'Great. What would you like to talk about?' };
    }
    if (has(text, /^(no|nope|not really)\b/)) {
      return { text: 'All right. Let me know if you need anything.' };
    }
    const topic = text.split(' ').slice(-4).join(' ');
    return {
      text: `I heard "${topic}". I'm a simple offline assistant, so I may not know about that. Could you tell me more, or ask me about the weather?`,
    };
  }

  private afterTool(result: Extract<ChatMessage, { role: 'tool' }>): string {
    if (result.isError) return `Sorry, I could not get that: ${result.content}.`;
    if (result.name === 'get_weather') {
      try {
        const w = JSON.parse(result.content) as { city?: string; sky?: string; celsius?: number };
        if (w.city && w.sky && typeof w.celsius === 'number') {
          return `In ${w.city} it is ${w.celsius} degrees and ${w.sky}. Anything else?`;
        }
      } catch {
        // falls through to the plain reading below
      }
    }
    return `Here is what I found: ${result.content}. Anything else?`;
  }
}

const SKIES = ['sunny', 'cloudy', 'rainy', 'windy', 'foggy', 'clear'];

/**
 * A demonstration `get_weather` tool with made-up, deterministic weather (derived from the city
 * name; no network). Swap in a real one for production.
 *
 * @example
 * ```ts
 * const session = createAgentSession({ ..., tools: [demoWeatherTool] });
 * ```
 */
export const demoWeatherTool: FunctionTool<{ city: string }> = tool<{ city: string }>({
  name: 'get_weather',
  description: 'Current weather for a city (offline demo data, not a real forecast).',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name, e.g. "Paris"' } },
    required: ['city'],
  },
  execute: ({ city }) => {
    if (typeof city !== 'string' || city.trim() === '') throw new Error('a city is required');
    let h = 0;
    for (const c of city.toLowerCase()) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return { city, sky: SKIES[h % SKIES.length], celsius: 5 + (h % 25), source: 'demo data' };
  },
});
