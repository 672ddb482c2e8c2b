/**
 * The offline inspector's server (`voicechart inspect`): serves the inspector page (inspector/),
 * the session statechart as JSON, an optional recorded log, and a WebSocket relay at /ws where
 * sessions (`inspect: 'local'`) publish Stately wire-format events and pages receive them live
 * (with the history so far on connect). Listens on 127.0.0.1 unless told otherwise.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { sessionMachine } from '../machines/session.machine.ts';
import { DEFAULT_INSPECTOR_PORT } from './live.ts';
import { machineGraph } from './machine-graph.ts';

/** The inspector page's folder: inspector/ at the package root (from src/ and from dist/). */
export const INSPECTOR_DIR = fileURLToPath(new URL('../../inspector/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface InspectorServerOptions {
  /** Default 4747; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A recorded inspect.jsonl to serve at /log.jsonl (the page opens it on load). */
  logFile?: string;
  /** Events kept for pages that connect later. Default 100000. */
  maxHistory?: number;
}

export interface InspectorServer {
  readonly url: string;
  readonly port: number;
  /** Events relayed so far. */
  readonly received: number;
  close(): Promise<void>;
}

/**
 * Starts the inspector server.
 *
 * @example
 * ```ts
 * const server = await startInspectorServer({ port: 0 });
 * const session = createAgentSession({ ..., inspect: { url: `${server.url.replace('http', 'ws')}ws`, redact: false } });
 * ```
 */
export async function startInspectorServer(
  opts: InspectorServerOptions = {},
): Promise<InspectorServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxHistory = opts.maxHistory ?? 100_000;
  const history: string[] = [];
  let received = 0;
  const log = opts.logFile ? await readFile(opts.logFile, 'utf8') : null;
  const graph = JSON.stringify(machineGraph(sessionMachine));

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only');
    if (path === '/machine.json') return send(res, 200, TYPES['.json']!, graph);
    if (path === '/log.jsonl') {
      if (log === null)
        return send(res, 404, 'text/plain', 'no log: start voicechart inspect with a log file');
      return send(res, 200, 'application/x-ndjson; charset=utf-8', log);
    }
    if (path === '/info.json') {
      return send(
        res,
        200,
        TYPES['.json']!,
        JSON.stringify({ log: opts.logFile ?? null, live: true }),
      );
    }
    const file = normalize(
      join(INSPECTOR_DIR, path === '/' ? 'index.html' : decodeURIComponent(path)),
    );
    if (!file.startsWith(INSPECTOR_DIR.endsWith(sep) ? INSPECTOR_DIR : INSPECTOR_DIR + sep)) {
      return send(res, 404, 'text/plain', 'not found');
    }
    try {
      send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
      send(res, 404, 'text/plain', 'not found');
    }
  };
  const http = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, 'text/plain', 'error'));
  });
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  wss.on('connection', (ws) => {
    for (const msg of history) ws.send(msg);
    ws.on('message', (data) => {
      const msg = data.toString();
      received++;
      history.push(msg);
      if (history.length > maxHistory) history.shift();
      for (const client of wss.clients) {
        if (client !== ws && client.readyState === WebSocket.OPEN) client.send(msg);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? DEFAULT_INSPECTOR_PORT, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    get received() {
      return received;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
