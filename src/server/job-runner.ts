/**
 * Worker process entry: `node job-runner.(ts|js) <job-module-url>`, forked by the agent server
 * with an IPC channel. It imports the job module, runs its optional `prewarm()` once, reports
 * `ready`, then waits for exactly one `run` message, runs the job and exits. One process per job:
 * a job that throws, exits or crashes can only take down its own process.
 *
 * @example
 * ```ts
 * import { fork } from 'node:child_process';
 * const child = fork(runnerPath, [jobModuleUrl], { serialization: 'advanced' });
 * child.on('message', (m) => console.log(m)); // { type: 'ready', pid, prewarmed }
 * child.send({ type: 'run', id: 'job-1', metadata: {} });
 * ```
 */
import type { FromWorker, JobContext, JobFunction, ToWorker } from './types.ts';
import { describeError } from './types.ts';

const moduleUrl = process.argv[2];
let currentJob: string | undefined;
let controller: AbortController | undefined;
let finishing = false;

/** Sends a message and resolves once it has been flushed (or the channel is gone). */
function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

async function finish(message: FromWorker, code: number): Promise<never> {
  finishing = true;
  await send(message);
  process.exit(code);
}

function failFatal(err: unknown): void {
  if (finishing) return;
  const error = describeError(err);
  if (currentJob === undefined) void finish({ type: 'startup-error', error }, 1);
  else void finish({ type: 'done', id: currentJob, ok: false, error }, 1);
}

// Shutdown is the server's decision (drain, then SIGKILL); a terminal's Ctrl-C or a pod's
// SIGTERM reaching the whole process group must not cut a conversation short.
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', failFatal);
process.on('unhandledRejection', failFatal);

async function runJob(job: JobFunction, id: string, metadata: Record<string, unknown>) {
  currentJob = id;
  controller = new AbortController();
  const ctx: JobContext = {
    id,
    metadata,
    signal: controller.signal,
    log: (...args) => void send({ type: 'log', id, args: args.map(loggable) }),
  };
  let message: FromWorker;
  try {
    const result = await job(ctx);
    message = { type: 'done', id, ok: true, ...(result === undefined ? {} : { result }) };
  } catch (err) {
    message = { type: 'done', id, ok: false, error: describeError(err) };
  }
  if (finishing) return;
  if (message.type === 'done' && message.result !== undefined && !isClonable(message.result)) {
    message = { type: 'done', id, ok: message.ok };
  }
  await finish(message, 0);
}

function loggable(value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  return isClonable(value) ? value : String(value);
}

function isClonable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (!moduleUrl) throw new Error('job-runner: missing job module URL argument');
  const mod = (await import(moduleUrl)) as { default?: unknown; prewarm?: unknown };
  if (typeof mod.default !== 'function') {
    throw new Error(`job module ${moduleUrl} has no default export function`);
  }
  const job = mod.default as JobFunction;
  const prewarm = typeof mod.prewarm === 'function' ? (mod.prewarm as () => unknown) : undefined;
  if (prewarm) await prewarm();
  process.on('message', (raw: ToWorker) => {
    if (raw.type === 'run' && currentJob === undefined) {
      void runJob(job, raw.id, { ...raw.metadata });
    } else if (raw.type === 'abort') {
      controller?.abort(new Error(raw.reason));
    }
  });
  await send({ type: 'ready', pid: process.pid, prewarmed: prewarm !== undefined });
}

main().catch(failFatal);
