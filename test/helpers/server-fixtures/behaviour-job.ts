/**
 * Job module for the agent-server tests. `metadata.behaviour` picks what the job does; the
 * module-level `warm` record proves `prewarm()` ran in the same process before the job.
 *
 * @example
 * ```ts
 * createAgentServer({ jobModule: new URL('../helpers/server-fixtures/behaviour-job.ts', import.meta.url) });
 * server.submit({ metadata: { behaviour: 'succeed' } });
 * ```
 */
import { existsSync } from 'node:fs';
import type { JobContext } from '../../../src/server.ts';

let warm: { pid: number; at: number } | undefined;

export async function prewarm(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  warm = { pid: process.pid, at: Date.now() };
}

export type Behaviour = 'succeed' | 'throw' | 'exit' | 'uncaught' | 'gate' | 'hang' | 'abortable';

export default async function job(ctx: JobContext): Promise<unknown> {
  const startedAt = Date.now();
  ctx.log('job started', ctx.metadata['behaviour']);
  const report = {
    pid: process.pid,
    prewarmPid: warm?.pid,
    prewarmedBefore: warm !== undefined && warm.at <= startedAt,
  };
  switch (ctx.metadata['behaviour'] as Behaviour | undefined) {
    case 'throw':
      throw new Error('job failed on purpose');
    case 'exit':
      process.exit(1);
      break;
    case 'uncaught':
      setTimeout(() => {
        throw new Error('uncaught on purpose');
      }, 1);
      return new Promise(() => {});
    case 'gate': {
      const gate = String(ctx.metadata['gate']);
      while (!existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 10));
      return report;
    }
    case 'hang':
      // Ignores ctx.signal on purpose.
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    case 'abortable':
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      return { ...report, aborted: String(ctx.signal.reason) };
    default:
      return report;
  }
}
