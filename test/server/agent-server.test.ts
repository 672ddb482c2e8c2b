import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AgentServer, type AgentServerOptions, createAgentServer } from '../../src/server.ts';

const JOB = new URL('../helpers/server-fixtures/behaviour-job.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'voicechart-server-'));
let gates = 0;
const open: AgentServer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(options: Partial<AgentServerOptions> = {}): Promise<AgentServer> {
  const server = await createAgentServer({
    jobModule: JOB,
    maxJobs: 4,
    prewarm: 1,
    drainTimeoutMs: 10_000,
    killGraceMs: 100,
    onLog: () => {},
    ...options,
  });
  open.push(server);
  return server;
}

function gate(): { path: string; release: () => void } {
  const path = join(dir, `gate-${gates++}`);
  return { path, release: () => writeFileSync(path, '') };
}

interface PostReply {
  id: string;
  state?: string;
  reason?: string;
  error?: string;
}

async function post(
  server: AgentServer,
  body: unknown,
): Promise<{ status: number; json: PostReply }> {
  const res = await fetch(`${server.url}/jobs`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as PostReply };
}

async function get(server: AgentServer, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, text: await res.text() };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function running(server: AgentServer, id: string): Promise<void> {
  await until(() => server.job(id)?.state === 'running');
}

describe('agent server', () => {
  it('runs a job submitted over HTTP to success and reports it', async () => {
    const server = await start();
    const { status, json } = await post(server, { id: 'ok-1', metadata: { behaviour: 'succeed' } });
    expect(status).toBe(201);
    expect(json).toMatchObject({ id: 'ok-1' });
    const done = await server.waitFor('ok-1');
    expect(done).toMatchObject({ state: 'succeeded', outcome: 'succeeded' });
    const res = await get(server, '/jobs/ok-1');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: 'ok-1', state: 'succeeded' });
    expect((await get(server, '/jobs/nope')).status).toBe(404);
    expect((await post(server, { id: 'ok-1' })).status).toBe(409);
    const bad = await fetch(`${server.url}/jobs`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
  });

  it('runs each job in its own process, after prewarm ran in that process', async () => {
    const server = await start({ prewarm: 2 });
    await until(() => server.stats().idleWorkers === 2);
    const r = server.submit({ metadata: { behaviour: 'succeed' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.job.state).toBe('running');
    const done = await server.waitFor(r.job.id);
    expect(done.warmStart).toBe(true);
    const result = done.result as { pid: number; prewarmPid: number; prewarmedBefore: boolean };
    expect(result.prewarmedBefore).toBe(true);
    expect(result.prewarmPid).toBe(result.pid);
    expect(done.workerPid).toBe(result.pid);
    expect(result.pid).not.toBe(process.pid);
    // The pool refills, and the next job gets a different (fresh) process.
    await until(() => server.stats().idleWorkers === 2);
    const second = server.submit({ metadata: { behaviour: 'succeed' } });
    if (!second.ok) throw new Error(second.message);
    const secondDone = await server.waitFor(second.job.id);
    expect(secondDone.warmStart).toBe(true);
    expect((secondDone.result as { pid: number }).pid).not.toBe(result.pid);
  });

  it('queues a job when no worker is warm yet and starts it once one is', async () => {
    const server = await start({ prewarm: 0 });
    const r = server.submit({ metadata: { behaviour: 'succeed' } });
    if (!r.ok) throw new Error(r.message);
    expect(r.job.state).toBe('queued');
    const done = await server.waitFor(r.job.id);
    expect(done).toMatchObject({ state: 'succeeded', warmStart: false });
    expect((done.result as { prewarmedBefore: boolean }).prewarmedBefore).toBe(true);
  });

  it('isolates failing, exiting and crashing jobs from each other and the server', async () => {
    const server = await start({ maxJobs: 6 });
    const g = gate();
    const survivor = server.submit({ metadata: { behaviour: 'gate', gate: g.path } });
    if (!survivor.ok) throw new Error(survivor.message);
    await running(server, survivor.job.id);
    const ids: Record<string, string> = {};
    for (const behaviour of ['throw', 'exit', 'uncaught']) {
      const r = await post(server, { metadata: { behaviour } });
      expect(r.status).toBe(201);
      ids[behaviour] = r.json.id;
    }
    const thrown = await server.waitFor(ids['throw']!);
    expect(thrown).toMatchObject({ state: 'failed', outcome: 'failed' });
    expect(thrown.error).toContain('job failed on purpose');
    const exited = await server.waitFor(ids['exit']!);
    expect(exited).toMatchObject({ state: 'failed', outcome: 'failed' });
    expect(exited.error).toMatch(/exited with code 1/);
    const uncaught = await server.waitFor(ids['uncaught']!);
    expect(uncaught).toMatchObject({ state: 'failed' });
    expect(uncaught.error).toContain('uncaught on purpose');

    expect((await get(server, '/healthz')).status).toBe(200);
    expect(server.job(survivor.job.id)?.state).toBe('running');
    g.release();
    expect(await server.waitFor(survivor.job.id)).toMatchObject({ state: 'succeeded' });
    const after = server.submit({ metadata: { behaviour: 'succeed' } });
    if (!after.ok) throw new Error(after.message);
    expect(await server.waitFor(after.job.id)).toMatchObject({ state: 'succeeded' });
    expect(server.stats().jobsTotal).toEqual({ succeeded: 2, failed: 3, killed: 0 });
  });

  it('refuses jobs with 503 at or above the load threshold', async () => {
    const server = await start({ maxJobs: 2, loadThreshold: 0.5 });
    const g = gate();
    const first = await post(server, { metadata: { behaviour: 'gate', gate: g.path } });
    expect(first.status).toBe(201);
    expect(server.stats().load).toBe(0.5);
    const refused = await fetch(`${server.url}/jobs`, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ reason: 'overloaded' });
    expect(server.stats().rejectedTotal.overloaded).toBe(1);
    g.release();
    await server.waitFor(first.json.id);
    expect((await post(server, { metadata: { behaviour: 'succeed' } })).status).toBe(201);
  });

  it('fails a job whose worker cannot load the job module, and keeps serving', async () => {
    const server = await start({
      jobModule: new URL('../helpers/server-fixtures/no-default.ts', import.meta.url),
      prewarm: 0,
    });
    const r = server.submit({});
    if (!r.ok) throw new Error(r.message);
    const done = await server.waitFor(r.job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toContain('no default export');
    expect(server.stats().workerStartFailures).toBe(1);
    expect((await get(server, '/livez')).status).toBe(200);
  });

  it('aborts and kills a job past jobTimeoutMs', async () => {
    const server = await start({ jobTimeoutMs: 200 });
    const abortable = server.submit({ metadata: { behaviour: 'abortable' } });
    const hang = server.submit({ metadata: { behaviour: 'hang' } });
    if (!abortable.ok || !hang.ok) throw new Error('refused');
    const a = await server.waitFor(abortable.job.id);
    expect(a.state).toBe('succeeded');
    expect((a.result as { aborted: string }).aborted).toContain('job timeout');
    expect(await server.waitFor(hang.job.id)).toMatchObject({ state: 'failed', outcome: 'killed' });
  });
});

describe('drain', () => {
  it('turns readiness off, refuses new jobs and lets running jobs finish', async () => {
    const server = await start({ maxJobs: 2 });
    const g = gate();
    const r = await post(server, { metadata: { behaviour: 'gate', gate: g.path } });
    expect(r.status).toBe(201);
    await running(server, r.json.id);
    expect((await get(server, '/healthz')).status).toBe(200);

    const drained = server.drain();
    expect((await get(server, '/healthz')).status).toBe(503);
    expect((await get(server, '/livez')).status).toBe(200);
    const refused = await post(server, { metadata: { behaviour: 'succeed' } });
    expect(refused.status).toBe(503);
    expect(refused.json.reason).toBe('draining');
    await until(() => server.stats().idleWorkers === 0);
    expect(server.job(r.json.id)?.state).toBe('running');

    g.release();
    expect(await drained).toEqual({ finished: 1, killed: 0 });
    expect(server.job(r.json.id)).toMatchObject({ state: 'succeeded' });
    expect(server.drain()).toBe(drained);
  });

  it('kills jobs that ignore the drain after drainTimeoutMs and reports them', async () => {
    const server = await start({ drainTimeoutMs: 300 });
    const hang = server.submit({ metadata: { behaviour: 'hang' } });
    const abortable = server.submit({ metadata: { behaviour: 'abortable' } });
    if (!hang.ok || !abortable.ok) throw new Error('refused');
    await running(server, hang.job.id);
    await running(server, abortable.job.id);
    expect(await server.drain()).toEqual({ finished: 0, killed: 2 });
    const killed = server.job(hang.job.id);
    expect(killed).toMatchObject({ state: 'failed', outcome: 'killed' });
    expect(killed?.error).toContain('killed');
    const a = server.job(abortable.job.id);
    expect(a?.state).toBe('succeeded');
    expect((a?.result as { aborted: string } | undefined)?.aborted).toContain('drain timeout');
    expect(server.stats()).toMatchObject({ activeJobs: 0, idleWorkers: 0, draining: true });
    const metrics = (await get(server, '/metrics')).text;
    expect(metrics).toContain('voicechart_jobs_total{outcome="killed"} 1');
    expect(metrics).toContain('voicechart_draining 1');
  });
});
