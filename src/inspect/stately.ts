/**
 * Inspection in the Stately wire format (`@statelyai/inspect`'s StatelyInspectionEvent): a JSONL
 * recorder for post-mortems, a WebSocket sender for live inspection (our offline inspector, or
 * Stately's hosted one through its local bridge), and the sanitizer that keeps audio and personal
 * data out of what leaves the process.
 *
 * Every event is stamped with the session clock (`createdAt` is session time in ms, as a string)
 * and numbered (`id`), so a log of a simulated run is as deterministic as the run.
 */
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { AnyEventObject, InspectionEvent, Observer } from 'xstate';
import type { SessionClock } from '../session/clock.ts';

/** Fields that may carry what the user or the agent said, or tool data. */
const PERSONAL_FIELDS = new Set([
  'text',
  'content',
  'transcript',
  'playedText',
  'userText',
  'instructions',
  'arguments',
  'output',
  'userInput',
  'message',
  'segmentText',
  'interim',
  'word',
]);

/** What {@link redact} leaves; redacting twice keeps it (events are redacted as a whole). */
const REDACTED = /^\[redacted: \d+ chars\]$/;

/** Actor references in snapshots serialize as `{ id }` through their toJSON: walk that. */
function plain(value: unknown): unknown {
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  return typeof toJSON === 'function' && !ArrayBuffer.isView(value) ? toJSON.call(value) : value;
}

function redactValue(input: unknown, depth: number): unknown {
  const value = plain(input);
  if (depth > 12) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes of binary data]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        PERSONAL_FIELDS.has(k) && typeof v === 'string' && !REDACTED.test(v)
          ? `[redacted: ${v.length} chars]`
          : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * Replaces every string that may hold personal data (transcripts, chat content, tool arguments
 * and outputs, instructions) by its length, at any depth; binary data by its size.
 *
 * @example
 * ```ts
 * redact({ type: 'stt.final', at: 1200, text: 'my card is 4111' });
 * // { type: 'stt.final', at: 1200, text: '[redacted: 15 chars]' }
 * ```
 */
export function redact<T>(value: T): T {
  return redactValue(value, 0) as T;
}

/** Binary data never goes into a log, even unredacted. */
function dropBinary(input: unknown, depth = 0): unknown {
  const value = plain(input);
  if (depth > 12) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes of binary data]`;
  if (Array.isArray(value)) return value.map((v) => dropBinary(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = dropBinary(v, depth + 1);
    return out;
  }
  return value;
}

export interface StatelyStreamOptions {
  clock: SessionClock;
  /** Receives each event. */
  send: (event: StatelyInspectionEvent) => void;
  /** Redact personal data from events and contexts (see {@link redact}). Default false. */
  redact?: boolean;
  /** Leave snapshot contexts out entirely (smaller logs). Default false. */
  omitContext?: boolean;
}

/**
 * An XState inspection observer that produces Stately wire-format events.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const observer = statelyObserver({ clock, send: (e) => lines.push(JSON.stringify(e)) });
 * createAgentSession({ ..., inspect: observer });
 * ```
 */
export function statelyObserver(opts: StatelyStreamOptions): Observer<InspectionEvent> {
  let seq = 0;
  const adapter = { send: (event: StatelyInspectionEvent) => opts.send(event) };
  const clean = (e: AnyEventObject) =>
    (opts.redact ? redact(dropBinary(e)) : dropBinary(e)) as AnyEventObject;
  const inspector = createInspector(adapter, {
    autoStart: true,
    serializationDepthLimit: 12,
    sanitizeEvent: clean,
    sanitizeContext: (context) =>
      opts.omitContext
        ? {}
        : ((opts.redact ? redact(dropBinary(context)) : dropBinary(context)) as typeof context),
    // Redacting the whole event also covers child actors' snapshots (an LLM actor's input holds
    // the chat), which the context and event sanitizers do not see.
    serialize: (event: StatelyInspectionEvent) => ({
      ...(opts.redact ? (redact(dropBinary(event)) as StatelyInspectionEvent) : event),
      createdAt: String(Math.round(opts.clock.now() * 1000) / 1000),
      id: `${++seq}`,
    }),
  });
  return inspector.inspect;
}

/**
 * Records inspection events as JSONL, one Stately wire-format event per line.
 *
 * @example
 * ```ts
 * const log = createStatelyRecorder({ clock });
 * const session = createAgentSession({ ..., inspect: log.observer });
 * await writeFile('inspect.jsonl', log.text());
 * ```
 */
export function createStatelyRecorder(opts: Omit<StatelyStreamOptions, 'send'>) {
  const lines: string[] = [];
  const observer = statelyObserver({ ...opts, send: (e) => lines.push(JSON.stringify(e)) });
  return {
    observer,
    get lines(): readonly string[] {
      return lines;
    },
    text: () => (lines.length > 0 ? `${lines.join('\n')}\n` : ''),
    /**
     * Resolves once the last events are in: @statelyai/inspect converts events on a later turn
     * of the event loop (wall-clock timers, whatever the session's clock).
     */
    async settled(): Promise<void> {
      let count = -1;
      while (lines.length !== count) {
        count = lines.length;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
