/**
 * Worker processes for the agent server: each `PooledWorker` is a forked `job-runner` that has
 * imported (and pre-warmed) the job module and runs exactly one job before exiting.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, JobMetadata, ToWorker } from './types.ts';

/** The runner script next to this file, with this file's extension (works from src/ and dist/). */
export const RUNNER_URL = new URL(
  `./job-runner${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/** How a job's run ended, seen from the server. */
export type RunOutcome =
  | { readonly ok: true; readonly result?: unknown }
  | { readonly ok: false; readonly error: string; readonly killed: boolean };

/** Options for spawning workers. */
export interface SpawnOptions {
  readonly jobModuleUrl: string;
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly onLog?: (jobId: string, args: readonly unknown[]) => void;
}

type WorkerState = 'starting' | 'idle' | 'busy' | 'exited';

/**
 * One worker process.
 *
 * @example
 * ```ts
 * const w = new PooledWorker({ jobModuleUrl: new URL('./job.ts', import.meta.url).href });
 * await w.ready;                       // module imported, prewarm() done
 * const outcome = await w.run('job-1', { room: 'a' });
 * ```
 */
export class PooledWorker {
  /** Resolves once warm; rejects with the startup error if the process dies first. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  readonly child: ChildProcess;
  state: WorkerState = 'starting';
  /** Set once ready. */
  readyAt: number | undefined;
  prewarmed = false;
  #killedByServer = false;
  #jobId: string | undefined;
  #settleRun: ((outcome: RunOutcome) => void) | undefined;
  #startupError: string | undefined;
  #stderrTail = '';

  constructor(options: SpawnOptions) {
    this.child = fork(fileURLToPath(RUNNER_URL), [options.jobModuleUrl], {
      execArgv: [...(options.execArgv ?? [])],
      env: options.env ?? process.env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.#stderrTail = (this.#stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    let resolveReady!: () => void;
    let rejectReady!: (err: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => {});
    this.child.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          this.state = 'idle';
          this.readyAt = Date.now();
          this.prewarmed = message.prewarmed;
          resolveReady();
          break;
        case 'startup-error':
          this.#startupError = message.error;
          break;
        case 'log':
          options.onLog?.(message.id, message.args);
          break;
        case 'done':
          if (message.id === this.#jobId) {
            this.#settle(
              message.ok
                ? { ok: true, ...(message.result === undefined ? {} : { result: message.result }) }
                : { ok: false, error: message.error ?? 'job failed', killed: false },
            );
          }
          break;
      }
    });
    this.exited = new Promise<void>((resolve) => {
      this.child.once('error', (err) => {
        this.#startupError ??= err.message;
      });
      this.child.once('exit', (code, signal) => {
        const wasStarting = this.state === 'starting';
        this.state = 'exited';
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (wasStarting) {
          rejectReady(
            new Error(this.#startupError ?? `worker exited with ${how} before it was ready`),
          );
        }
        if (this.#killedByServer) {
          this.#settle({ ok: false, error: 'killed by the server', killed: true });
        } else {
          const tail = this.#stderrTail.trim().split('\n').slice(-3).join('\n');
          this.#settle({
            ok: false,
            error: `worker exited with ${how} before the job settled${tail ? `: ${tail}` : ''}`,
            killed: false,
          });
        }
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one job on this (idle) worker. Resolves with the outcome; never rejects. */
  run(id: string, metadata: JobMetadata): Promise<RunOutcome> {
    if (this.state !== 'idle') throw new Error(`worker is ${this.state}, not idle`);
    this.state = 'busy';
    this.#jobId = id;
    return new Promise<RunOutcome>((resolve) => {
      this.#settleRun = resolve;
      this.#send({ type: 'run', id, metadata });
    });
  }

  /** Aborts the running job's `ctx.signal`. */
  abort(reason: string): void {
    this.#send({ type: 'abort', reason });
  }

  /** SIGKILLs the process; a running job is reported as killed. */
  kill(): Promise<void> {
    if (this.state !== 'exited') {
      this.#killedByServer = true;
      this.child.kill('SIGKILL');
    }
    return this.exited;
  }

  #send(message: ToWorker): void {
    if (!this.child.connected) return;
    try {
      this.child.send(message);
    } catch {
      // The exit handler reports the job.
    }
  }

  #settle(outcome: RunOutcome): void {
    const settle = this.#settleRun;
    this.#settleRun = undefined;
    settle?.(outcome);
  }
}
