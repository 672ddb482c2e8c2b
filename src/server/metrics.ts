/**
 * Prometheus text exposition (format 0.0.4) for the agent server's `/metrics`.
 */
import type { JobOutcome } from './types.ts';

/** Counters and gauges the server exposes. */
export interface AgentServerStats {
  /** Jobs running in a worker. */
  readonly activeJobs: number;
  /** Jobs accepted but waiting for a worker to become ready. */
  readonly queuedJobs: number;
  readonly maxJobs: number;
  /** Warm workers waiting for a job. */
  readonly idleWorkers: number;
  /** Workers still importing / pre-warming the job module. */
  readonly startingWorkers: number;
  /** 0..1 (may exceed 1 with a custom `measureLoad`). */
  readonly load: number;
  readonly loadThreshold: number;
  readonly draining: boolean;
  readonly jobsTotal: Readonly<Record<JobOutcome, number>>;
  readonly rejectedTotal: Readonly<Record<'overloaded' | 'draining', number>>;
  readonly workerStartFailures: number;
}

/** The content type of {@link renderMetrics} output. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Renders stats as Prometheus text.
 *
 * @example
 * ```ts
 * res.setHeader('content-type', METRICS_CONTENT_TYPE);
 * res.end(renderMetrics(server.stats()));
 * ```
 */
export function renderMetrics(stats: AgentServerStats): string {
  const lines: string[] = [];
  const metric = (
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: ReadonlyArray<readonly [Record<string, string>, number]>,
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const entries = Object.entries(labels);
      const labelText = entries.length
        ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
        : '';
      lines.push(`${name}${labelText} ${formatValue(value)}`);
    }
  };
  metric('voicechart_jobs_active', 'gauge', 'Jobs running in a worker.', [[{}, stats.activeJobs]]);
  metric('voicechart_jobs_queued', 'gauge', 'Jobs accepted, waiting for a warm worker.', [
    [{}, stats.queuedJobs],
  ]);
  metric('voicechart_jobs_max', 'gauge', 'Configured maximum concurrent jobs.', [
    [{}, stats.maxJobs],
  ]);
  metric(
    'voicechart_jobs_total',
    'counter',
    'Finished jobs by outcome.',
    (Object.keys(stats.jobsTotal) as JobOutcome[]).map((outcome) => [
      { outcome },
      stats.jobsTotal[outcome],
    ]),
  );
  metric('voicechart_jobs_rejected_total', 'counter', 'Submissions refused, by reason.', [
    [{ reason: 'overloaded' }, stats.rejectedTotal.overloaded],
    [{ reason: 'draining' }, stats.rejectedTotal.draining],
  ]);
  metric('voicechart_workers_idle', 'gauge', 'Pre-warmed workers waiting for a job.', [
    [{}, stats.idleWorkers],
  ]);
  metric('voicechart_workers_starting', 'gauge', 'Workers importing or pre-warming.', [
    [{}, stats.startingWorkers],
  ]);
  metric(
    'voicechart_worker_start_failures_total',
    'counter',
    'Workers that died before becoming ready.',
    [[{}, stats.workerStartFailures]],
  );
  metric(
    'voicechart_load',
    'gauge',
    'Current load (0..1); new jobs are refused at/above the threshold.',
    [[{}, stats.load]],
  );
  metric('voicechart_load_threshold', 'gauge', 'Load at/above which new jobs are refused.', [
    [{}, stats.loadThreshold],
  ]);
  metric('voicechart_draining', 'gauge', '1 while draining (not accepting jobs).', [
    [{}, stats.draining ? 1 : 0],
  ]);
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
