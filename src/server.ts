/**
 * `voicechart/server`: the agent server. One job (conversation) per isolated worker process,
 * pre-warmed workers, a load threshold, graceful drain, health and Prometheus metrics.
 *
 * @example
 * ```ts
 * import { createAgentServer } from 'voicechart/server';
 *
 * const server = await createAgentServer({ jobModule: new URL('./agent-job.js', import.meta.url) });
 * await fetch(`${server.url}/jobs`, { method: 'POST', body: JSON.stringify({ metadata: { room: 'a' } }) });
 * ```
 */

export {
  type AgentServer,
  type AgentServerOptions,
  createAgentServer,
  type DrainSummary,
  osLoad,
  type SubmitResult,
} from './server/agent-server.ts';
export {
  agentServerOptionsFromEnv,
  type RunningAgentServer,
  runAgentServer,
} from './server/cli.ts';
export {
  createRequestHandler,
  LIVENESS_PATH,
  METRICS_PATH,
  READINESS_PATH,
  type RouteTarget,
} from './server/http.ts';
export { type AgentServerStats, METRICS_CONTENT_TYPE, renderMetrics } from './server/metrics.ts';
export type {
  JobContext,
  JobFunction,
  JobMetadata,
  JobOutcome,
  JobSnapshot,
  JobState,
} from './server/types.ts';
export { RUNNER_URL } from './server/worker-pool.ts';
