/**
 * An inspection log: one JSON line per XState inspection event (actors created, events delivered
 * with their timestamps, the root's state after each step), for offline inspection and replay.
 * Audio never appears in events, so the log stays small.
 */
import type { InspectionEvent } from 'xstate';
import type { SessionClock } from './clock.ts';

export interface InspectLogLine {
  readonly t: number;
  readonly type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  readonly actor: string;
  readonly source?: string;
  readonly event?: unknown;
  readonly value?: unknown;
}

/** The actor's id (`session`, `segment-12`, `gen-9`...), falling back to its session id. */
export const actorName = (ref: { sessionId: string }): string =>
  (ref as { id?: string }).id ?? ref.sessionId;

export function createInspectLog(clock: SessionClock, write: (line: string) => void) {
  return (event: InspectionEvent): void => {
    const base = { t: Math.round(clock.now() * 1000) / 1000, actor: actorName(event.actorRef) };
    let line: InspectLogLine | null = null;
    if (event.type === '@xstate.actor') {
      line = { ...base, type: event.type };
    } else if (event.type === '@xstate.event') {
      line = {
        ...base,
        type: event.type,
        ...(event.sourceRef ? { source: actorName(event.sourceRef) } : {}),
        event: event.event,
      };
    } else if (event.type === '@xstate.snapshot' && event.actorRef.sessionId === event.rootId) {
      line = { ...base, type: event.type, value: (event.snapshot as { value?: unknown }).value };
    }
    if (line) write(JSON.stringify(line));
  };
}
