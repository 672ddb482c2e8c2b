/**
 * The inspector's back end: the session statechart as JSON, the server (static files, the
 * recorded log, refusing paths outside inspector/), the WebSocket relay (history replayed to late
 * viewers) and the Stately-format recorder with its redaction.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { GraphNode } from '../../src/inspect/machine-graph.ts';
import { machineGraph } from '../../src/inspect/machine-graph.ts';
import { type InspectorServer, startInspectorServer } from '../../src/inspect/server.ts';
import { redact } from '../../src/inspect/stately.ts';
import { sessionMachine } from '../../src/machines/session.machine.ts';
import {
  INSPECT_SCRIPT,
  recordInspectLog,
  startInspectedConversation,
} from '../helpers/inspect-fixture.ts';

const LIFECYCLE = ['IDLE', 'LISTENING', 'THINKING', 'SPEAKING', 'PAUSED'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(
  opts: Parameters<typeof startInspectorServer>[0] = {},
): Promise<InspectorServer> {
  const s = await startInspectorServer({ port: 0, ...opts });
  cleanups.push(() => s.close());
  return s;
}

/** A raw GET: the path goes out exactly as written (fetch would normalize `..`). */
function rawGet(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function allNodes(node: GraphNode): GraphNode[] {
  return [node, ...node.children.flatMap(allNodes)];
}

/** A WebSocket client collecting the messages it receives. */
async function client(url: string): Promise<{ ws: WebSocket; got: string[] }> {
  const ws = new WebSocket(url);
  const got: string[] = [];
  ws.on('message', (data) => got.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  cleanups.push(async () => {
    ws.terminate();
  });
  return { ws, got };
}

/** Where `needle` occurs in `text`, with some context (short failure messages on big logs). */
function occurrences(text: string, needle: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf(needle); i >= 0 && out.length < 3; i = text.indexOf(needle, i + 1)) {
    out.push(text.slice(Math.max(0, i - 80), i + needle.length + 20));
  }
  return out;
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('machine graph', () => {
  it('has the three regions and the five lifecycle states under session.agent', () => {
    const graph = machineGraph(sessionMachine);
    expect(graph.id).toBe('session');
    expect(graph.type).toBe('parallel');
    expect(graph.children.map((c) => c.key)).toEqual(['user', 'agent', 'generation']);
    const agent = graph.children.find((c) => c.key === 'agent')!;
    expect(agent.type).toBe('compound');
    expect(agent.initial).toBe('IDLE');
    expect(agent.children.map((c) => c.id)).toEqual(LIFECYCLE.map((s) => `session.agent.${s}`));
    expect(agent.children.find((c) => c.key === 'THINKING')!.type).toBe('parallel');
  });

  it('lists transitions with guards, delays and targets that exist', () => {
    const nodes = allNodes(machineGraph(sessionMachine));
    const ids = new Set(nodes.map((n) => n.id));
    const transitions = nodes.flatMap((n) => n.transitions.map((t) => ({ ...t, from: n.id })));
    for (const t of transitions) {
      for (const target of t.targets)
        expect(ids, `${t.from} --${t.event}--> ${target}`).toContain(target);
    }
    const idle = nodes.find((n) => n.id === 'session.agent.IDLE')!;
    expect(idle.transitions).toContainEqual({
      event: 'vad.speechStarted',
      targets: ['session.agent.LISTENING.userSpeaking'],
    });
    const endpointing = nodes.find((n) => n.id === 'session.agent.LISTENING.endpointing')!;
    expect(endpointing.transitions).toContainEqual({
      event: 'after endpointing',
      targets: ['session.agent.THINKING'],
      guard: 'hasUserText',
    });
    expect(transitions.some((t) => t.event === 'always')).toBe(true);
    // Internal names of delayed events never leak into the list.
    expect(transitions.some((t) => t.event.startsWith('xstate.after'))).toBe(false);
  });
});

describe('inspector server', () => {
  it('serves the statechart, the page and its files, and /info.json', async () => {
    const s = await server();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/`);
    const graph = (await (await fetch(`${s.url}machine.json`)).json()) as GraphNode;
    const agent = graph.children.find((c) => c.key === 'agent')!;
    expect(agent.children.map((c) => c.id)).toEqual(LIFECYCLE.map((k) => `session.agent.${k}`));

    const page = await rawGet(s.port, '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    expect((await rawGet(s.port, '/app.js')).type).toMatch(/^text\/javascript/);
    expect((await rawGet(s.port, '/style.css')).type).toMatch(/^text\/css/);
    expect((await rawGet(s.port, '/nope.js')).status).toBe(404);

    expect(await (await fetch(`${s.url}info.json`)).json()).toEqual({ log: null, live: true });
    const noLog = await rawGet(s.port, '/log.jsonl');
    expect(noLog.status).toBe(404);
    expect((await rawGet(s.port, '/machine.json', 'POST')).status).toBe(405);
  });

  it('refuses paths that leave the inspector folder', async () => {
    const s = await server();
    const attempts = [
      '/../package.json',
      '/../../package.json',
      '/..%2fpackage.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e/package.json',
      '/%2e%2e%2fpackage.json',
      '/..%2fsrc%2finspect%2fserver.ts',
      '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/..%5cpackage.json',
      '/%2fetc%2fpasswd',
      '/%E0%A4%A',
    ];
    for (const path of attempts) {
      const res = await rawGet(s.port, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('"name"');
      expect(res.body, path).not.toContain('root:');
      expect(res.body, path).not.toContain('startInspectorServer');
    }
    // The page itself is still there.
    expect((await rawGet(s.port, '/index.html')).status).toBe(200);
  });

  it('serves a recorded log and names it in /info.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'voicechart-inspect-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const logFile = join(dir, 'inspect.jsonl');
    const text = '{"type":"@xstate.actor","name":"session","sessionId":"x:0"}\n';
    await writeFile(logFile, text);
    const s = await server({ logFile });
    const res = await rawGet(s.port, '/log.jsonl');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/x-ndjson/);
    expect(res.body).toBe(text);
    expect(await (await fetch(`${s.url}info.json`)).json()).toEqual({ log: logFile, live: true });
  });
});

describe('WebSocket relay', () => {
  it('replays the history to late viewers, then relays live events, never echoing', async () => {
    const s = await server();
    const ws = `ws://127.0.0.1:${s.port}/ws`;
    const publisher = await client(ws);
    for (const id of ['1', '2', '3']) publisher.ws.send(JSON.stringify({ type: 'test', id }));
    await until(() => s.received === 3, 'three events relayed');

    const viewer = await client(ws);
    await until(() => viewer.got.length === 3, 'the history');
    expect(viewer.got.map((m) => JSON.parse(m).id)).toEqual(['1', '2', '3']);

    publisher.ws.send(JSON.stringify({ type: 'test', id: '4' }));
    await until(() => viewer.got.length === 4, 'the live event');
    expect(JSON.parse(viewer.got[3]!).id).toBe('4');

    const late = await client(ws);
    await until(() => late.got.length === 4, 'the whole history');
    expect(late.got).toEqual(viewer.got);
    expect(publisher.got).toEqual([]);
    expect(s.received).toBe(4);
  });

  it('keeps at most maxHistory events for late viewers', async () => {
    const s = await server({ maxHistory: 2 });
    const publisher = await client(`ws://127.0.0.1:${s.port}/ws`);
    for (const id of ['1', '2', '3']) publisher.ws.send(JSON.stringify({ id }));
    await until(() => s.received === 3, 'three events');
    const viewer = await client(`ws://127.0.0.1:${s.port}/ws`);
    await until(() => viewer.got.length === 2, 'the kept history');
    await new Promise((r) => setTimeout(r, 20));
    expect(viewer.got.map((m) => JSON.parse(m).id)).toEqual(['2', '3']);
  });

  it('carries a live session, redacted unless asked otherwise', async () => {
    const s = await server();
    const viewer = await client(`ws://127.0.0.1:${s.port}/ws`);
    // `{ url }` redacts by default: what the user said never reaches the relay.
    const conv = startInspectedConversation({ inspect: { url: `ws://127.0.0.1:${s.port}/ws` } });
    const finals = () =>
      viewer.got.map((m) => JSON.parse(m)).filter((e) => e.event?.type === 'stt.final');
    for (let t = 0; t < 2600 && finals().length === 0; t += 50) {
      await conv.clock.advance(50);
      await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => finals().length > 0, 'the first final transcript');
    await conv.session.close();
    expect(finals()[0].event.text).toBe(`[redacted: ${INSPECT_SCRIPT[0]!.text.length} chars]`);
    const root = viewer.got.map((m) => JSON.parse(m)).find((e) => e.type === '@xstate.actor');
    expect(root).toMatchObject({ name: 'session' });
    expect(root.parentId).toBeUndefined();
    expect(occurrences(viewer.got.join('\n'), INSPECT_SCRIPT[0]!.text)).toEqual([]);
  });
});

describe('Stately recorder', () => {
  it('writes one numbered, session-time-stamped event per line', async () => {
    const lines = (await recordInspectLog()).trim().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i + 1)));
    const times = events.map((e) => Number(e.createdAt));
    for (const [i, e] of events.entries()) {
      expect(typeof e.createdAt).toBe('string');
      expect(Number.isFinite(times[i])).toBe(true);
      if (i > 0) expect(times[i]!, `event ${e.id}`).toBeGreaterThanOrEqual(times[i - 1]!);
    }
    // Session time, not epoch time: the conversation lasts seconds.
    expect(times.at(-1)).toBeLessThan(60_000);

    const root = events[0];
    expect(root).toMatchObject({ type: '@xstate.actor', name: 'session' });
    expect(root.parentId).toBeUndefined();
    const children = events.filter(
      (e) => e.type === '@xstate.actor' && e.parentId === root.sessionId,
    );
    const names = children.map((e) => e.name as string);
    for (const n of ['audioInput', 'vad', 'stt']) expect(names).toContain(n);
    expect(names.some((n) => /^segment-\d+$/.test(n))).toBe(true);
    expect(names.some((n) => /^(spec|gen)-\d+$/.test(n))).toBe(true);

    // The root's snapshots walk the lifecycle.
    const agentStates = new Set(
      events
        .filter((e) => e.type === '@xstate.snapshot' && e.sessionId === root.sessionId)
        .map((e) => {
          const agent = e.snapshot.value.agent;
          return typeof agent === 'string' ? agent : Object.keys(agent)[0];
        }),
    );
    expect([...agentStates].sort()).toEqual([...LIFECYCLE].sort());
    // Events to the root carry their session time.
    const toRoot = events.filter(
      (e) =>
        e.type === '@xstate.event' &&
        e.sessionId === root.sessionId &&
        e.event.type.startsWith('vad.'),
    );
    expect(toRoot.length).toBe(2 * INSPECT_SCRIPT.length);
    for (const e of toRoot) expect(typeof e.event.at).toBe('number');
  });

  it('a redacted recorder hides transcripts, chat and speech; an unredacted one keeps them', async () => {
    const plain = await recordInspectLog();
    const hidden = await recordInspectLog({ redact: true });
    // What the user said, the instructions, and what the agent said (in the chat, in the LLM
    // actors' input, in the reply's segment text and in the played words).
    const secrets = [
      ...INSPECT_SCRIPT.map((u) => u.text),
      'You are Chart',
      'eight degrees',
      '"London"',
    ];
    for (const secret of secrets) {
      expect(occurrences(plain, secret).length, secret).toBeGreaterThan(0);
      expect(occurrences(hidden, secret), secret).toEqual([]);
    }
    const finals = hidden
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === '@xstate.event' && e.event.type === 'stt.final');
    expect(finals.map((e) => e.event.text)).toEqual(
      INSPECT_SCRIPT.map((u) => `[redacted: ${u.text.length} chars]`),
    );
    // Timing survives redaction: the waterfall still works on a redacted log.
    expect(finals.every((e) => typeof e.event.at === 'number')).toBe(true);
  });

  it('redact() replaces personal strings at any depth and binary data by its size', () => {
    const out = redact({
      type: 'stt.final',
      at: 1200,
      text: 'my card is 4111',
      nested: { messages: [{ role: 'user', content: 'hi there' }], count: 2 },
      call: { name: 'lookup', arguments: '{"id":1}' },
      audio: new Int16Array(8),
    });
    expect(out).toEqual({
      type: 'stt.final',
      at: 1200,
      text: '[redacted: 15 chars]',
      nested: { messages: [{ role: 'user', content: '[redacted: 8 chars]' }], count: 2 },
      call: { name: 'lookup', arguments: '[redacted: 8 chars]' },
      audio: '[16 bytes of binary data]',
    });
    // Redacting again changes nothing (the recorder redacts whole events after their parts).
    expect(redact(out)).toEqual(out);
  });
});
