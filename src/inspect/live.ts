/**
 * Live inspection over WebSocket: the session's Stately wire-format events sent to our offline
 * inspector (`voicechart inspect`), or to Stately's hosted inspector through the local bridge of
 * `@statelyai/inspect/server` (started without opening a browser). Sending never blocks or breaks
 * the session: events wait in a bounded queue until the socket opens and are dropped if it
 * cannot.
 */
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { WebSocket } from 'ws';
import type { InspectionEvent, Observer } from 'xstate';
import type { SessionClock } from '../session/clock.ts';
import { statelyObserver } from './stately.ts';

/** Port `voicechart inspect` listens on by default. */
export const DEFAULT_INSPECTOR_PORT = 4747;

/**
 * How a session is inspected:
 * - `'local'`: live to `voicechart inspect` on 127.0.0.1 (default port), unredacted;
 * - `'stately'`: Stately's inspector (stately.ai/inspect, online) through a local bridge on
 *   port 8080; transcripts, chat and tool data are redacted before they leave;
 * - `{ url }`: any WebSocket receiver of Stately events (redacted unless `redact: false`);
 * - a function or an observer: every raw XState inspection event, in process.
 */
export type InspectOption =
  | 'local'
  | 'stately'
  | { url: string; redact?: boolean; port?: never }
  | { stately: true; port?: number }
  | ((event: InspectionEvent) => void)
  | Observer<InspectionEvent>;

/** Sends JSON messages over a WebSocket that may not be open yet. */
export class WebSocketSender {
  private socket: WebSocket | null = null;
  private readonly queue: string[] = [];
  private readonly url: string;
  private readonly maxQueue: number;
  private closed = false;
  /** Events dropped because the socket was not open and the queue was full. */
  dropped = 0;

  constructor(url: string, maxQueue = 5000) {
    this.url = url;
    this.maxQueue = maxQueue;
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.on('open', () => {
      for (const msg of this.queue.splice(0)) socket.send(msg);
    });
    // A receiver that is not there must not take the session down: keep queueing (bounded).
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
    });
  }

  send(event: StatelyInspectionEvent): void {
    const msg = JSON.stringify(event);
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(msg);
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(msg);
    if (this.socket === null) this.connect();
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.socket = null;
  }
}

export interface ResolvedInspector {
  observer: Observer<InspectionEvent> | null;
  close(): Promise<void>;
}

/** Turns an {@link InspectOption} into an observer for `createActor` and a way to stop it. */
export function resolveInspector(
  option: InspectOption | undefined,
  clock: SessionClock,
): ResolvedInspector {
  if (option === undefined) return { observer: null, close: async () => {} };
  if (typeof option === 'function') return { observer: { next: option }, close: async () => {} };
  if (typeof option === 'object' && !('url' in option) && !('stately' in option)) {
    return { observer: option, close: async () => {} };
  }
  if (option === 'stately' || (typeof option === 'object' && 'stately' in option)) {
    const port = typeof option === 'object' ? (option.port ?? 8080) : 8080;
    const bridge = createInspectorServer({ port, autoOpen: false });
    const sender = new WebSocketSender(`ws://127.0.0.1:${port}`);
    return {
      observer: statelyObserver({ clock, send: (e) => sender.send(e), redact: true }),
      close: async () => {
        sender.close();
        bridge.stop();
      },
    };
  }
  const url = option === 'local' ? `ws://127.0.0.1:${DEFAULT_INSPECTOR_PORT}/ws` : option.url;
  const redactIt = option === 'local' ? false : (option.redact ?? true);
  const sender = new WebSocketSender(url);
  return {
    observer: statelyObserver({ clock, send: (e) => sender.send(e), redact: redactIt }),
    close: async () => sender.close(),
  };
}
