/**
 * Shared types of the agent server: the job contract a job module implements, job snapshots,
 * and the IPC protocol between the server and its worker processes.
 */

/** JSON-like metadata attached to a job (the dispatch payload: room, caller, config...). */
export type JobMetadata = Readonly<Record<string, unknown>>;

/**
 * What a job function receives. One job is one conversation, running alone in its own process.
 *
 * @example
 * ```ts
 * import type { JobContext } from 'voicechart/server';
 *
 * export async function prewarm(): Promise<void> {
 *   // load models once, before any job arrives
 * }
 *
 * export default async function job(ctx: JobContext): Promise<void> {
 *   ctx.log('starting conversation', ctx.metadata['room']);
 *   while (!ctx.signal.aborted) {
 *     // run the session; stop cleanly when the server asks
 *   }
 * }
 * ```
 */
export interface JobContext {
  /** The job id (given at submission, or generated). */
  readonly id: string;
  /** The metadata given at submission. */
  readonly metadata: JobMetadata;
  /** Aborted when the server gives up on the job (drain timeout, job timeout). */
  readonly signal: AbortSignal;
  /** Forwards a log line to the server (its `onLog` option). */
  log(...args: unknown[]): void;
}

/** The default export of a job module. Its resolved value (if structured-clonable) is kept as the job result. */
export type JobFunction = (ctx: JobContext) => Promise<unknown> | unknown;

/** Lifecycle state of a job. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** Final outcome label, as counted by `voicechart_jobs_total{outcome}`. */
export type JobOutcome = 'succeeded' | 'failed' | 'killed';

/** A point-in-time view of one job. */
export interface JobSnapshot {
  readonly id: string;
  readonly state: JobState;
  readonly metadata: JobMetadata;
  /** Set once the job has finished. `killed` means the server killed its process. */
  readonly outcome?: JobOutcome;
  readonly error?: string;
  /** What the job function resolved to, when it could be sent across processes. */
  readonly result?: unknown;
  /** Pid of the worker process that ran the job. */
  readonly workerPid?: number;
  /** True when the job started on a worker that was already warm (idle and ready) at submission. */
  readonly warmStart?: boolean;
  readonly submittedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

/** Server → worker messages. */
export type ToWorker =
  | { readonly type: 'run'; readonly id: string; readonly metadata: JobMetadata }
  | { readonly type: 'abort'; readonly reason: string };

/** Worker → server messages. */
export type FromWorker =
  | { readonly type: 'ready'; readonly pid: number; readonly prewarmed: boolean }
  | { readonly type: 'startup-error'; readonly error: string }
  | { readonly type: 'log'; readonly id: string; readonly args: readonly unknown[] }
  | {
      readonly type: 'done';
      readonly id: string;
      readonly ok: boolean;
      readonly error?: string;
      readonly result?: unknown;
    };

/** Formats anything thrown into one line (plus stack when there is one). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
