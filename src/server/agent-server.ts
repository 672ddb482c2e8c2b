/**
 * The agent server: one job (conversation) per worker process, a pool of pre-warmed workers,
 * a load threshold, graceful drain, and an HTTP face (jobs, health, Prometheus metrics).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler } from './http.ts';
import type { AgentServerStats } from './metrics.ts';
import type { JobMetadata, JobOutcome, JobSnapshot } from './types.ts';
import { PooledWorker, type RunOutcome } from './worker-pool.ts';

/** Options for {@link createAgentServer}. */
export interface AgentServerOptions {
  /** Module whose default export is the job function (optional `prewarm()` export). Path or URL. */
  readonly jobModule: string | URL;
  /** Concurrent jobs (one process each). Default 4. */
  readonly maxJobs?: number;
  /** Warm idle workers to keep ready (never more than free job slots). Default 1. */
  readonly prewarm?: number;
  /** Refuse new jobs while load >= this (0..1]. Default 1 (refuse only when full). */
  readonly loadThreshold?: number;
  /** How long running jobs may take to finish once draining. Default 30 000. */
  readonly drainTimeoutMs?: number;
  /** After aborting `ctx.signal` on drain/job timeout, wait this long before SIGKILL. Default 1000. */
  readonly killGraceMs?: number;
  /** Per-job wall-clock limit (abort, then kill); none by default. */
  readonly jobTimeoutMs?: number;
  /** HTTP port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Default '127.0.0.1'. Use '0.0.0.0' inside a container. */
  readonly host?: string;
  /** Load measure; default `(activeJobs + queuedJobs) / maxJobs`. See {@link osLoad}. */
  readonly measureLoad?: (jobs: { readonly busy: number; readonly maxJobs: number }) => number;
  /** Receives `ctx.log(...)` calls. Default: one line on stderr. */
  readonly onLog?: (jobId: string, args: readonly unknown[]) => void;
  /** Extra `execArgv` / environment for worker processes. */
  readonly workerExecArgv?: readonly string[];
  readonly workerEnv?: NodeJS.ProcessEnv;
  /** Finished jobs remembered for `GET /jobs/:id`. Default 1000. */
  readonly retainFinished?: number;
}

/** Result of {@link AgentServer.submit}. */
export type SubmitResult =
  | { readonly ok: true; readonly job: JobSnapshot }
  | {
      readonly ok: false;
      readonly reason: 'overloaded' | 'draining' | 'duplicate' | 'invalid';
      readonly message: string;
    };

/** What {@link AgentServer.drain} reports. */
export interface DrainSummary {
  /** Jobs that finished on their own during the drain. */
  readonly finished: number;
  /** Jobs still running (aborted, then killed) or still queued at the drain timeout. */
  readonly killed: number;
}

/** A running agent server. */
export interface AgentServer {
  readonly url: string;
  readonly port: number;
  /** Accepts a job, or refuses it (overloaded, draining, duplicate id). */
  submit(job: { readonly id?: string; readonly metadata?: JobMetadata }): SubmitResult;
  /** Snapshot of one job, if known. */
  job(id: string): JobSnapshot | undefined;
  /** Resolves with the job's final snapshot once it has finished. */
  waitFor(id: string): Promise<JobSnapshot>;
  stats(): AgentServerStats;
  /** Stops accepting; waits up to `drainTimeoutMs` for running jobs, then kills the rest. Idempotent. */
  drain(): Promise<DrainSummary>;
  /** Drains, then closes the HTTP server. Idempotent. */
  close(): Promise<void>;
}

interface JobRecord {
  snapshot: JobSnapshot;
  worker?: PooledWorker;
  waiters: Array<(s: JobSnapshot) => void>;
  timer?: NodeJS.Timeout;
}

/**
 * Pure-job load plus the host's 1-minute load average per CPU, whichever is higher. Pass as
 * `measureLoad` to also refuse jobs when the machine is busy for other reasons.
 *
 * @example
 * ```ts
 * import os from 'node:os';
 * createAgentServer({ jobModule, measureLoad: (j) => osLoad(j, os.loadavg()[0]!, os.availableParallelism()) });
 * ```
 */
export function osLoad(
  jobs: { readonly busy: number; readonly maxJobs: number },
  loadAverage1m: number,
  cpus: number,
): number {
  return Math.max(jobs.busy / jobs.maxJobs, loadAverage1m / Math.max(1, cpus));
}

/**
 * Starts an agent server and resolves once it listens.
 *
 * @example
 * ```ts
 * const server = await createAgentServer({
 *   jobModule: new URL('./agent-job.ts', import.meta.url),
 *   maxJobs: 8,
 *   prewarm: 2,
 *   loadThreshold: 0.75,
 *   drainTimeoutMs: 60_000,
 * });
 * const r = server.submit({ metadata: { room: 'support-42' } });
 * if (r.ok) console.log(await server.waitFor(r.job.id));
 * await server.close();
 * ```
 */
export async function createAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const maxJobs = positiveInt(options.maxJobs ?? 4, 'maxJobs');
  const prewarm = Math.max(0, Math.floor(options.prewarm ?? 1));
  const loadThreshold = options.loadThreshold ?? 1;
  if (!(loadThreshold > 0 && loadThreshold <= 1))
    throw new RangeError('loadThreshold must be in (0, 1]');
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const killGraceMs = options.killGraceMs ?? 1000;
  const retainFinished = options.retainFinished ?? 1000;
  const measureLoad = options.measureLoad ?? ((j) => j.busy / j.maxJobs);
  const onLog =
    options.onLog ??
    ((id: string, args: readonly unknown[]) => {
      process.stderr.write(
        `[job ${id}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`,
      );
    });
  const jobModuleUrl = toModuleUrl(options.jobModule);

  const jobs = new Map<string, JobRecord>();
  const queue: JobRecord[] = [];
  const finishedOrder: string[] = [];
  const workers = new Set<PooledWorker>();
  const jobsTotal: Record<JobOutcome, number> = { succeeded: 0, failed: 0, killed: 0 };
  const rejectedTotal = { overloaded: 0, draining: 0 };
  let running = 0;
  let workerStartFailures = 0;
  let consecutiveStartFailures = 0;
  let draining = false;
  let drainPromise: Promise<DrainSummary> | undefined;
  let closePromise: Promise<void> | undefined;
  let wakeDrain: (() => void) | undefined;

  const countWorkers = (state: PooledWorker['state']) =>
    [...workers].filter((w) => w.state === state).length;
  const busy = () => running + queue.length;
  const load = () => measureLoad({ busy: busy(), maxJobs });

  function spawnWorker(): void {
    const worker = new PooledWorker({
      jobModuleUrl,
      onLog,
      ...(options.workerExecArgv ? { execArgv: options.workerExecArgv } : {}),
      ...(options.workerEnv ? { env: options.workerEnv } : {}),
    });
    workers.add(worker);
    void worker.exited.then(() => {
      workers.delete(worker);
      replenish();
    });
    worker.ready.then(
      () => {
        consecutiveStartFailures = 0;
        if (draining && queue.length === 0) void worker.kill();
        else dispatch();
      },
      (err: Error) => {
        workerStartFailures++;
        consecutiveStartFailures++;
        // Surface a broken job module on a waiting job rather than retrying forever.
        const head = queue.shift();
        if (head)
          finish(head, {
            ok: false,
            error: `worker failed to start: ${err.message}`,
            killed: false,
          });
      },
    );
  }

  /** Keeps one starting worker per queued job plus `prewarm` warm ones, within free slots. */
  function replenish(): void {
    const freeSlots = maxJobs - running - queue.length;
    const wantIdle = draining || consecutiveStartFailures >= 3 ? 0 : Math.min(prewarm, freeSlots);
    const want = queue.length + wantIdle;
    let have = countWorkers('idle') + countWorkers('starting');
    while (have < want) {
      spawnWorker();
      have++;
    }
  }

  function dispatch(): void {
    for (;;) {
      const record = queue[0];
      const worker = [...workers].find((w) => w.state === 'idle');
      if (!record || !worker) break;
      queue.shift();
      start(record, worker, false);
    }
    replenish();
  }

  function start(record: JobRecord, worker: PooledWorker, warmStart: boolean): void {
    running++;
    record.worker = worker;
    record.snapshot = {
      ...record.snapshot,
      state: 'running',
      startedAt: Date.now(),
      warmStart,
      ...(worker.pid === undefined ? {} : { workerPid: worker.pid }),
    };
    if (options.jobTimeoutMs !== undefined) {
      record.timer = setTimeout(() => void stopJob(record, 'job timeout'), options.jobTimeoutMs);
    }
    void worker.run(record.snapshot.id, record.snapshot.metadata).then((outcome) => {
      running--;
      finish(record, outcome);
      replenish();
    });
  }

  function finish(record: JobRecord, outcome: RunOutcome): void {
    if (record.timer) clearTimeout(record.timer);
    const label: JobOutcome = outcome.ok ? 'succeeded' : outcome.killed ? 'killed' : 'failed';
    jobsTotal[label]++;
    record.snapshot = {
      ...record.snapshot,
      state: outcome.ok ? 'succeeded' : 'failed',
      outcome: label,
      finishedAt: Date.now(),
      ...(outcome.ok
        ? outcome.result === undefined
          ? {}
          : { result: outcome.result }
        : { error: outcome.error }),
    };
    delete record.worker;
    for (const w of record.waiters.splice(0)) w(record.snapshot);
    finishedOrder.push(record.snapshot.id);
    while (finishedOrder.length > retainFinished) jobs.delete(finishedOrder.shift()!);
    wakeDrain?.();
  }

  async function stopJob(record: JobRecord, reason: string): Promise<void> {
    const worker = record.worker;
    if (!worker) return;
    worker.abort(reason);
    const timer = setTimeout(() => void worker.kill(), killGraceMs);
    await worker.exited;
    clearTimeout(timer);
  }

  function submit(job: { readonly id?: string; readonly metadata?: JobMetadata }): SubmitResult {
    if (draining) {
      rejectedTotal.draining++;
      return { ok: false, reason: 'draining', message: 'server is draining' };
    }
    const metadata = job.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      return { ok: false, reason: 'invalid', message: 'metadata must be a JSON object' };
    }
    if (job.id !== undefined && (typeof job.id !== 'string' || job.id.length === 0)) {
      return { ok: false, reason: 'invalid', message: 'id must be a non-empty string' };
    }
    const id = job.id ?? randomUUID();
    if (jobs.has(id))
      return { ok: false, reason: 'duplicate', message: `job ${id} already exists` };
    if (busy() >= maxJobs || load() >= loadThreshold) {
      rejectedTotal.overloaded++;
      return { ok: false, reason: 'overloaded', message: `load ${load()} >= ${loadThreshold}` };
    }
    const record: JobRecord = {
      snapshot: { id, state: 'queued', metadata, submittedAt: Date.now() },
      waiters: [],
    };
    jobs.set(id, record);
    const warm = [...workers].find((w) => w.state === 'idle');
    if (warm) start(record, warm, true);
    else queue.push(record);
    replenish();
    return { ok: true, job: record.snapshot };
  }

  function stats(): AgentServerStats {
    return {
      activeJobs: running,
      queuedJobs: queue.length,
      maxJobs,
      idleWorkers: countWorkers('idle'),
      startingWorkers: countWorkers('starting'),
      load: load(),
      loadThreshold,
      draining,
      jobsTotal: { ...jobsTotal },
      rejectedTotal: { ...rejectedTotal },
      workerStartFailures,
    };
  }

  async function runDrain(): Promise<DrainSummary> {
    draining = true;
    const before = jobsTotal.succeeded + jobsTotal.failed + jobsTotal.killed;
    await Promise.all([...workers].filter((w) => w.state === 'idle').map((w) => w.kill()));
    const deadline = Date.now() + drainTimeoutMs;
    while (busy() > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        wakeDrain = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeDrain = undefined;
    }
    const finishedInTime = jobsTotal.succeeded + jobsTotal.failed + jobsTotal.killed - before;
    let killed = 0;
    for (const record of queue.splice(0)) {
      killed++;
      finish(record, { ok: false, error: 'drain timeout before the job started', killed: true });
    }
    const stopping = [...jobs.values()].filter((r) => r.worker);
    killed += stopping.length;
    await Promise.all(stopping.map((r) => stopJob(r, 'drain timeout')));
    await Promise.all([...workers].map((w) => w.kill()));
    return { finished: finishedInTime, killed };
  }

  const handler = createRequestHandler({
    submit,
    job: (id) => jobs.get(id)?.snapshot,
    stats,
  });
  const http = createServer(handler);
  http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(http, 'listening');
  const address = http.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  replenish();

  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    submit,
    job: (id) => jobs.get(id)?.snapshot,
    waitFor(id) {
      const record = jobs.get(id);
      if (!record) return Promise.reject(new Error(`unknown job ${id}`));
      if (record.snapshot.outcome) return Promise.resolve(record.snapshot);
      return new Promise((resolve) => record.waiters.push(resolve));
    },
    stats,
    drain() {
      drainPromise ??= runDrain();
      return drainPromise;
    },
    close() {
      closePromise ??= (async () => {
        drainPromise ??= runDrain();
        await drainPromise;
        http.closeIdleConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })();
      return closePromise;
    },
  };
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function toModuleUrl(jobModule: string | URL): string {
  if (jobModule instanceof URL) return jobModule.href;
  if (/^(file|data|https?):/i.test(jobModule)) return jobModule;
  return pathToFileURL(resolvePath(jobModule)).href;
}
