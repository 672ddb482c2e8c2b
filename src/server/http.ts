/**
 * HTTP routes of the agent server:
 * `POST /jobs`, `GET /jobs/:id`, `GET /healthz` (readiness), `GET /livez`, `GET /metrics`.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { SubmitResult } from './agent-server.ts';
import { type AgentServerStats, METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import type { JobMetadata, JobSnapshot } from './types.ts';

/** Readiness path: 200 while accepting jobs, 503 while draining. */
export const READINESS_PATH = '/healthz';
/** Liveness path: 200 while the process serves HTTP at all. */
export const LIVENESS_PATH = '/livez';
/** Prometheus scrape path. */
export const METRICS_PATH = '/metrics';

const MAX_BODY_BYTES = 1 << 20;

/** What the routes need from the server. */
export interface RouteTarget {
  submit(job: { readonly id?: string; readonly metadata?: JobMetadata }): SubmitResult;
  job(id: string): JobSnapshot | undefined;
  stats(): AgentServerStats;
}

/**
 * Builds the request listener. `POST /jobs` takes `{"id"?: string, "metadata"?: object}` and
 * answers 201 `{id, state}`; 503 when overloaded or draining (with `Retry-After`), 409 on a
 * duplicate id, 400 on bad JSON, 413 over 1 MiB.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(createRequestHandler(target)).listen(0, '127.0.0.1');
 * ```
 */
export function createRequestHandler(target: RouteTarget): RequestListener {
  return (req, res) => {
    handle(target, req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(err) });
      else res.destroy();
    });
  };
}

async function handle(target: RouteTarget, req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  if (path === LIVENESS_PATH && isRead(method)) return json(res, 200, { status: 'alive' });
  if (path === READINESS_PATH && isRead(method)) {
    const s = target.stats();
    return json(res, s.draining ? 503 : 200, {
      status: s.draining ? 'draining' : 'ready',
      load: s.load,
      accepting: !s.draining && s.load < s.loadThreshold,
    });
  }
  if (path === METRICS_PATH && isRead(method)) {
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
    return res.end(method === 'HEAD' ? undefined : renderMetrics(target.stats()));
  }
  if (path === '/jobs' && method === 'POST') return postJob(target, req, res);
  const match = /^\/jobs\/([^/]+)$/.exec(path);
  if (match && isRead(method)) {
    const snapshot = target.job(decodeURIComponent(match[1]!));
    return snapshot ? json(res, 200, snapshot) : json(res, 404, { error: 'unknown job' });
  }
  return json(res, 404, { error: 'not found' });
}

async function postJob(target: RouteTarget, req: IncomingMessage, res: ServerResponse) {
  let body: unknown;
  try {
    const text = await readBody(req);
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    if (err instanceof BodyTooLarge) return json(res, 413, { error: err.message });
    return json(res, 400, { error: 'body must be JSON' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return json(res, 400, { error: 'body must be a JSON object {id?, metadata?}' });
  }
  const { id, metadata } = body as { id?: unknown; metadata?: unknown };
  const result = target.submit({
    ...(id === undefined ? {} : { id: id as string }),
    ...(metadata === undefined ? {} : { metadata: metadata as JobMetadata }),
  });
  if (result.ok) return json(res, 201, { id: result.job.id, state: result.job.state });
  const status = { overloaded: 503, draining: 503, duplicate: 409, invalid: 400 }[result.reason];
  if (status === 503) res.setHeader('retry-after', '1');
  return json(res, status, { error: result.message, reason: result.reason });
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}
