import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  agentServerOptionsFromEnv,
  createAgentServer,
  LIVENESS_PATH,
  METRICS_PATH,
  READINESS_PATH,
} from '../../src/server.ts';

const JOB = new URL('../helpers/server-fixtures/behaviour-job.ts', import.meta.url);
const DEPLOY = new URL('../../deploy/kubernetes/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'voicechart-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict-enough parser for Prometheus text format 0.0.4. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2]!, meta[3]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(pair);
      if (!l) throw new Error(`bad label ${pair}`);
      labels[l[1]!] = l[2]!;
    }
    const value = Number(m[3]);
    expect(Number.isNaN(value)).toBe(false);
    expect(types.has(m[1]!)).toBe(true);
    samples.push({ name: m[1]!, labels, value });
  }
  return { types, samples };
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, shape checked by the assertions
function manifest(file: string): any {
  return parse(readFileSync(new URL(file, DEPLOY), 'utf8'));
}

describe('/metrics', () => {
  it('is Prometheus text with the expected series', async () => {
    const server = await createAgentServer({
      jobModule: JOB,
      maxJobs: 4,
      prewarm: 1,
      onLog: () => {},
    });
    try {
      const ok = server.submit({ metadata: { behaviour: 'succeed' } });
      const bad = server.submit({ metadata: { behaviour: 'throw' } });
      if (!ok.ok || !bad.ok) throw new Error('refused');
      await server.waitFor(ok.job.id);
      await server.waitFor(bad.job.id);
      const res = await fetch(`${server.url}${METRICS_PATH}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const { types, samples } = parsePrometheus(await res.text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        samples.find(
          (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )?.value;
      expect(types.get('voicechart_jobs_active')).toBe('gauge');
      expect(types.get('voicechart_jobs_total')).toBe('counter');
      expect(value('voicechart_jobs_active')).toBe(0);
      expect(value('voicechart_jobs_total', { outcome: 'succeeded' })).toBe(1);
      expect(value('voicechart_jobs_total', { outcome: 'failed' })).toBe(1);
      expect(value('voicechart_jobs_total', { outcome: 'killed' })).toBe(0);
      expect(value('voicechart_workers_idle')).toBeGreaterThanOrEqual(0);
      expect(value('voicechart_load')).toBe(0);
      expect(value('voicechart_draining')).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('deploy/kubernetes', () => {
  const deployment = manifest('deployment.yaml');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries(
    (container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]),
  );

  it('probes the server paths on the container port the server listens on', () => {
    expect(deployment.kind).toBe('Deployment');
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(port.containerPort).toBe(Number(env['VOICECHART_PORT']));
    expect(container.readinessProbe.httpGet).toEqual({ path: READINESS_PATH, port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: LIVENESS_PATH, port: 'http' });
    expect(deployment.spec.template.metadata.annotations['prometheus.io/path']).toBe(METRICS_PATH);
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it('gives the pod enough grace for preStop plus the drain timeout', () => {
    const preStop = container.lifecycle.preStop.sleep.seconds as number;
    const drainMs = Number(env['VOICECHART_DRAIN_TIMEOUT_MS']);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStop * 1000 + drainMs);
  });

  it('wires Service, HPA and PDB to the Deployment', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const service = manifest('service.yaml');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    const hpa = manifest('hpa.yaml');
    expect(hpa.kind).toBe('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    const pdb = manifest('pdb.yaml');
    expect(pdb.kind).toBe('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
  });

  it('configures a server from the Deployment env whose probes answer', async () => {
    const options = agentServerOptionsFromEnv({
      ...env,
      VOICECHART_HOST: '127.0.0.1',
      VOICECHART_PORT: '0',
    });
    expect(options).toMatchObject({
      maxJobs: 4,
      prewarm: 1,
      loadThreshold: 0.75,
      drainTimeoutMs: 60_000,
    });
    const server = await createAgentServer({ ...options, jobModule: JOB });
    try {
      expect((await fetch(`${server.url}${READINESS_PATH}`)).status).toBe(200);
      expect((await fetch(`${server.url}${LIVENESS_PATH}`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('CLI entry', () => {
  it('drains on SIGTERM: readiness 503, running job finishes, exit 0', async () => {
    const gatePath = join(dir, 'cli-gate');
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../../src/server/cli.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          VOICECHART_JOB_MODULE: fileURLToPath(JOB),
          VOICECHART_PORT: '0',
          VOICECHART_DRAIN_TIMEOUT_MS: '15000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr?.resume();
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    const url = JSON.parse(String(first.value)).listening as string;
    const res = await fetch(`${url}/jobs`, {
      method: 'POST',
      body: JSON.stringify({ id: 'cli-job', metadata: { behaviour: 'gate', gate: gatePath } }),
    });
    expect(res.status).toBe(201);
    const state = async () =>
      ((await (await fetch(`${url}/jobs/cli-job`)).json()) as { state: string }).state;
    while ((await state()) !== 'running') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGTERM');
    while ((await fetch(`${url}${READINESS_PATH}`)).status !== 503) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await fetch(`${url}/jobs`, { method: 'POST', body: '{}' })).status).toBe(503);
    expect(await state()).toBe('running');
    writeFileSync(gatePath, '');
    expect(await exited).toBe(0);
  });
});
