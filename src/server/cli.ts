/**
 * Process entry for a container: `node dist/server/cli.js` (or `node src/server/cli.ts`),
 * configured by environment variables, draining on SIGTERM/SIGINT.
 *
 * | variable | option |
 * | --- | --- |
 * | `VOICECHART_JOB_MODULE` (required) | `jobModule` |
 * | `VOICECHART_MAX_JOBS` | `maxJobs` |
 * | `VOICECHART_PREWARM` | `prewarm` |
 * | `VOICECHART_LOAD_THRESHOLD` | `loadThreshold` |
 * | `VOICECHART_DRAIN_TIMEOUT_MS` | `drainTimeoutMs` |
 * | `VOICECHART_JOB_TIMEOUT_MS` | `jobTimeoutMs` |
 * | `VOICECHART_HOST` / `VOICECHART_PORT` | `host` / `port` (defaults 127.0.0.1 / 0) |
 */
import { pathToFileURL } from 'node:url';
import { type AgentServer, type AgentServerOptions, createAgentServer } from './agent-server.ts';

/**
 * Reads {@link AgentServerOptions} from environment variables.
 *
 * @example
 * ```ts
 * const options = agentServerOptionsFromEnv({ VOICECHART_JOB_MODULE: './job.js', VOICECHART_PORT: '8080' });
 * ```
 */
export function agentServerOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): AgentServerOptions {
  const jobModule = env['VOICECHART_JOB_MODULE'];
  if (!jobModule) throw new Error('VOICECHART_JOB_MODULE is required');
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);
    return value;
  };
  const entries: Array<[keyof AgentServerOptions, unknown]> = [
    ['maxJobs', num('VOICECHART_MAX_JOBS')],
    ['prewarm', num('VOICECHART_PREWARM')],
    ['loadThreshold', num('VOICECHART_LOAD_THRESHOLD')],
    ['drainTimeoutMs', num('VOICECHART_DRAIN_TIMEOUT_MS')],
    ['jobTimeoutMs', num('VOICECHART_JOB_TIMEOUT_MS')],
    ['port', num('VOICECHART_PORT')],
    ['host', env['VOICECHART_HOST'] || undefined],
  ];
  return {
    jobModule,
    ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)),
  } as AgentServerOptions;
}

/** A server started by {@link runAgentServer}. */
export interface RunningAgentServer {
  readonly server: AgentServer;
  /** Resolves after a signal-triggered drain and close. */
  readonly stopped: Promise<void>;
}

/**
 * Starts a server and drains it on SIGTERM/SIGINT (a second signal exits at once). Prints one
 * JSON line `{"listening": url}` on stdout.
 *
 * @example
 * ```ts
 * const { stopped } = await runAgentServer({ jobModule: './dist/my-agent-job.js', host: '0.0.0.0', port: 8080 });
 * await stopped; // after SIGTERM: drained, closed
 * ```
 */
export async function runAgentServer(
  options: AgentServerOptions = agentServerOptionsFromEnv(),
): Promise<RunningAgentServer> {
  const server = await createAgentServer(options);
  process.stdout.write(`${JSON.stringify({ listening: server.url })}\n`);
  let signalled = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`voicechart server: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    process.stderr.write(`voicechart server: ${signal}, draining\n`);
    server
      .close()
      .then(async () => {
        const s = server.stats();
        process.stderr.write(`voicechart server: drained ${JSON.stringify(s.jobsTotal)}\n`);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolveStopped();
      })
      .catch((err: unknown) => {
        process.stderr.write(`voicechart server: drain failed: ${String(err)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { server, stopped };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAgentServer().catch((err: unknown) => {
    process.stderr.write(
      `voicechart server: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
