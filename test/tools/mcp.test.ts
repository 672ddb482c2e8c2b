/**
 * MCP tools against the real reference server (@modelcontextprotocol/server-everything), spawned
 * by the test: over stdio as a child process, and over Streamable HTTP on a free loopback port.
 * No protocol mocks. One end-to-end run has a simulated session call an MCP tool.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentSession } from '../../src/session/agent-session.ts';
import { ClockedAudioOutput } from '../../src/session/audio-output.ts';
import { SimulatedClock } from '../../src/session/clock.ts';
import {
  FakeLlm,
  FakeStt,
  FakeTts,
  FakeVad,
  scriptedMicrophone,
} from '../../src/sim/fake-providers.ts';
import type { FunctionTool } from '../../src/tools/function-tool.ts';
import {
  connectMcp,
  connectMcpServers,
  McpConnectError,
  type McpConnection,
  McpToolError,
  mcpResultText,
} from '../../src/tools/mcp.ts';
import { sessionToolNames } from '../../src/tools/mcp-content.ts';

const require = createRequire(import.meta.url);
const SERVER_BIN = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const node = process.execPath;
const stdio = (extra: string[] = []) => ({
  type: 'stdio' as const,
  command: node,
  args: [SERVER_BIN, 'stdio', ...extra],
});
const ctx = (signal = new AbortController().signal) => ({ signal, callId: 'c1' });

const tmp = mkdtempSync(join(tmpdir(), 'voicechart-mcp-'));
/**
 * Runs server-everything behind a tee: appends what the server receives to a log file, and
 * crashes (server and all) when a message contains the optional `dieOn` text.
 */
const TEE = join(tmp, 'tee.mjs');
writeFileSync(
  TEE,
  `import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
const [log, bin, dieOn] = process.argv.slice(2);
const child = spawn(process.execPath, [bin, 'stdio'], { stdio: ['pipe', 'inherit', 'inherit'] });
process.stdin.on('data', (c) => {
  appendFileSync(log, c);
  if (dieOn && String(c).includes(dieOn)) {
    console.error('tee: crashing on purpose');
    child.kill();
    process.exit(1);
  }
  child.stdin.write(c);
});
process.stdin.on('end', () => child.stdin.end());
process.on('SIGTERM', () => {
  child.kill('SIGKILL');
  process.exit(0);
});
child.on('exit', (code) => process.exit(code ?? 0));
`,
);
const opened: McpConnection[] = [];
const children: ChildProcess[] = [];
async function open(...args: Parameters<typeof connectMcp>) {
  const c = await connectMcp(...args);
  opened.push(c);
  return c;
}
function byName(c: McpConnection, name: string): FunctionTool {
  const t = c.tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name} in ${c.tools.map((x) => x.name).join(', ')}`);
  return t;
}
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
});

describe('pure helpers', () => {
  it('turns results into text the LLM reads, never base64', () => {
    const text = mcpResultText({
      content: [
        { type: 'text', text: 'Here:' },
        { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
        { type: 'resource', resource: { uri: 'demo://a', text: 'hello' } },
        {
          type: 'resource',
          resource: { uri: 'demo://b', mimeType: 'application/gzip', blob: 'AAAA' },
        },
        { type: 'resource_link', uri: 'demo://c', name: 'c' },
      ],
    });
    expect(text).toBe(
      'Here:\n[image: image/png, 8 bytes]\n[resource: demo://a]\nhello\n' +
        '[resource: demo://b (application/gzip, 3 bytes)]\n[resource: demo://c]',
    );
    expect(mcpResultText({ content: [], structuredContent: { t: 21 } })).toBe('{"t":21}');
  });

  it('makes unique names the session accepts', () => {
    const [a, b, long] = sessionToolNames('my_server_', ['read.file', 'read_file', 'x'.repeat(80)]);
    expect(a).toBe('my_server_read_file');
    expect(b).toMatch(/^my_server_read_file_[0-9a-f]{8}$/);
    expect(long).toMatch(/^my_server_x+_[0-9a-f]{8}$/);
    for (const n of [a, b, long]) expect(n).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('rejects bad options clearly', async () => {
    await expect(connectMcp({ name: '', transport: stdio() })).rejects.toThrow(/name/);
    await expect(
      connectMcp({ name: 'x', transport: { type: 'http', url: 'ftp://127.0.0.1/' } }),
    ).rejects.toThrow(/http: or https:/);
    await expect(
      connectMcp({ name: 'x', transport: stdio(), allow: [42 as unknown as string] }),
    ).rejects.toThrow(/allow entries/);
  });
});

describe('stdio', () => {
  let everything: McpConnection;
  beforeAll(async () => {
    everything = await open({
      name: 'everything',
      transport: stdio(),
      allow: ['echo', 'get-sum', /^get-tiny/],
    });
  });

  it('lists only the allowed tools, prefixed', () => {
    expect(everything.tools.map((t) => t.name).sort()).toEqual([
      'everything_echo',
      'everything_get-sum',
      'everything_get-tiny-image',
    ]);
    const sum = everything.tools.find((t) => t.name === 'everything_get-sum');
    expect(sum?.parameters).toMatchObject({ type: 'object', required: ['a', 'b'] });
    expect(sum?.parameters).not.toHaveProperty('$schema');
    expect(sum?.description).toMatch(/sum/);
    expect(everything.tools.some((t) => /get-env/.test(t.name))).toBe(false);
    expect(everything.serverInfo.name).toBe('mcp-servers/everything');
  });

  it('calls tools', async () => {
    expect(await byName(everything, 'everything_echo').execute({ message: 'hi' }, ctx())).toBe(
      'Echo: hi',
    );
    expect(await byName(everything, 'everything_get-sum').execute({ a: 2, b: 3 }, ctx())).toBe(
      'The sum of 2 and 3 is 5.',
    );
    const image = await byName(everything, 'everything_get-tiny-image').execute({}, ctx());
    expect(image).toMatch(/\[image: image\/png, \d+ bytes\]/);
    expect(image).not.toMatch(/iVBOR/);
  });

  it('throws the server text of an isError result', async () => {
    const call = byName(everything, 'everything_get-sum').execute({ a: 'two', b: 3 }, ctx());
    await expect(call).rejects.toBeInstanceOf(McpToolError);
    await expect(call).rejects.toThrow(/Input validation error.*expected number/);
  });

  it('refreshes the tool list', async () => {
    const tools = await everything.refresh();
    expect(tools.map((t) => t.name).sort()).toEqual(everything.tools.map((t) => t.name).sort());
  });

  it('sends the server a cancellation when the call is aborted', async () => {
    // A tee between client and server records what the server receives.
    const log = join(tmp, 'to-server.jsonl');
    writeFileSync(log, '');
    const slow = await open({
      name: 'slow',
      transport: { type: 'stdio', command: node, args: [TEE, log, SERVER_BIN] },
      allow: ['trigger-long-running-operation', 'echo'],
      prefix: false,
    });
    const sent = () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(
          (l) => JSON.parse(l) as { id?: number; method?: string; params?: { requestId?: number } },
        );
    const controller = new AbortController();
    const call = byName(slow, 'trigger-long-running-operation').execute(
      { duration: 60, steps: 60 },
      ctx(controller.signal),
    );
    await until(() => sent().some((m) => m.method === 'tools/call'), 'the tools/call request');
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    const request = sent().find((m) => m.method === 'tools/call');
    await until(
      () =>
        sent().some(
          (m) => m.method === 'notifications/cancelled' && m.params?.requestId === request?.id,
        ),
      'notifications/cancelled',
    );
    // The connection is still usable.
    expect(await byName(slow, 'echo').execute({ message: 'still here' }, ctx())).toBe(
      'Echo: still here',
    );
  });

  it('fails at connect on an allow-list entry the server does not have', async () => {
    const connecting = connectMcp({
      name: 'everything',
      transport: stdio(),
      allow: ['echo', 'add'],
    });
    await expect(connecting).rejects.toBeInstanceOf(McpConnectError);
    await expect(connecting).rejects.toThrow(
      /^MCP server "everything": allow-list entry "add" matches no tool of the server; it has: echo, .*get-sum/,
    );
  });

  it('names the server when the command cannot start', async () => {
    const connecting = connectMcp({
      name: 'broken',
      transport: { type: 'stdio', command: 'voicechart-no-such-mcp-server' },
    });
    await expect(connecting).rejects.toThrow(
      'MCP server "broken": cannot start "voicechart-no-such-mcp-server": command not found (ENOENT)',
    );
  });

  it('names the server and quotes its stderr when it exits', async () => {
    const connecting = connectMcp({
      name: 'crashy',
      transport: {
        type: 'stdio',
        command: node,
        args: ['-e', 'console.error("boom: MY_API_KEY is not set"); process.exit(2)'],
      },
    });
    await expect(connecting).rejects.toThrow(
      /^MCP server "crashy": the server closed the connection \(its stderr: boom: MY_API_KEY is not set\)$/,
    );
  });

  it('fails calls clearly and reports it when the server dies', async () => {
    const errors: Error[] = [];
    const fragile = await open({
      name: 'fragile',
      transport: {
        type: 'stdio',
        command: node,
        args: [TEE, join(tmp, 'fragile.jsonl'), SERVER_BIN, 'die-now'],
      },
      allow: ['echo'],
      onError: (e) => errors.push(e),
    });
    const echo = byName(fragile, 'fragile_echo');
    expect(await echo.execute({ message: 'alive' }, ctx())).toBe('Echo: alive');
    await expect(echo.execute({ message: 'die-now' }, ctx())).rejects.toThrow(
      /^MCP server "fragile": tool "echo" failed: the server closed the connection \(its stderr: .*tee: crashing on purpose\)$/,
    );
    await until(() => errors.length > 0, 'onError');
    expect(errors[0]?.message).toMatch(/^MCP server "fragile": the server closed the connection/);
    await expect(echo.execute({ message: 'again' }, ctx())).rejects.toThrow(
      'MCP server "fragile" is not connected (tool "echo")',
    );
  });

  it('gives up on a server that never answers', async () => {
    const connecting = connectMcp({
      name: 'mute',
      transport: {
        type: 'stdio',
        command: node,
        args: ['-e', "process.stdin.resume(); process.stdin.on('end', () => process.exit(0))"],
      },
      timeoutMs: 300,
    });
    await expect(connecting).rejects.toThrow('MCP server "mute": no answer within 300 ms');
  });

  it('throws once closed', async () => {
    const c = await connectMcp({ name: 'brief', transport: stdio(), allow: ['echo'] });
    const echo = byName(c, 'brief_echo');
    await c.close();
    await expect(echo.execute({ message: 'x' }, ctx())).rejects.toThrow(
      'MCP server "brief" is not connected (tool "echo")',
    );
  });
});

describe('Streamable HTTP', () => {
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    const child = spawn(node, [SERVER_BIN, 'streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    await until(() => /listening on port/.test(err) || child.exitCode !== null, 'the server');
    if (child.exitCode !== null) throw new Error(`server-everything exited: ${err}`);
  });

  it('lists and calls tools', async () => {
    const c = await open({
      name: 'remote',
      transport: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, headers: { 'X-Test': '1' } },
      deny: [/^trigger-/, 'get-env'],
    });
    const names = c.tools.map((t) => t.name);
    expect(names).toContain('remote_echo');
    expect(names).toContain('remote_get-sum');
    expect(names).not.toContain('remote_get-env');
    expect(names.some((n) => n.startsWith('remote_trigger-'))).toBe(false);
    expect(await byName(c, 'remote_get-sum').execute({ a: 40, b: 2 }, ctx())).toBe(
      'The sum of 40 and 2 is 42.',
    );
    expect(await byName(c, 'remote_echo').execute({ message: 'over http' }, ctx())).toBe(
      'Echo: over http',
    );
  });

  it('reports an HTTP error on a wrong path', async () => {
    await expect(
      connectMcp({
        name: 'remote',
        transport: { type: 'http', url: `http://127.0.0.1:${port}/nope` },
      }),
    ).rejects.toThrow(
      new RegExp(
        `^MCP server "remote": HTTP 404 from http://127.0.0.1:${port}/nope: Cannot POST /nope`,
      ),
    );
  });

  it('reports a refused port', async () => {
    const closed = await freePort();
    const url = `http://127.0.0.1:${closed}/mcp`;
    await expect(connectMcp({ name: 'gone', transport: { type: 'http', url } })).rejects.toThrow(
      `MCP server "gone": connection refused at ${url} (ECONNREFUSED)`,
    );
  });

  it('connects several servers and keeps their tools apart', async () => {
    const both = await connectMcpServers([
      { name: 'a', transport: stdio(), allow: ['echo'] },
      {
        name: 'b',
        transport: { type: 'http', url: `http://127.0.0.1:${port}/mcp` },
        allow: ['echo'],
      },
    ]);
    expect(both.tools.map((t) => t.name)).toEqual(['a_echo', 'b_echo']);
    await both.close();
    await expect(
      connectMcpServers([
        { name: 'a', transport: stdio(), allow: ['echo'] },
        { name: 'bad', transport: { type: 'stdio', command: 'voicechart-no-such-mcp-server' } },
      ]),
    ).rejects.toThrow(/^MCP server "bad": cannot start/);
  });
});

describe('in a session', () => {
  it('runs an MCP tool from the LLM and refuses one outside the allow-list', async () => {
    const mcp = await open({ name: 'everything', transport: stdio(), allow: ['echo'] });
    // Wall-clock I/O under a simulated clock: note when a call is in flight and await it.
    let inflight: Promise<unknown> | null = null;
    const tools = mcp.tools.map((t) => ({
      ...t,
      execute: (args: Record<string, unknown>, c: ReturnType<typeof ctx>) => {
        const p = Promise.resolve(t.execute(args, c));
        inflight = p.catch(() => {});
        return p;
      },
    }));
    const clock = new SimulatedClock();
    const script = [{ text: 'say hello through the server', startMs: 300, durationMs: 700 }];
    const session = createAgentSession({
      clock,
      vad: new FakeVad(),
      stt: new FakeStt({ clock, script }),
      llm: new FakeLlm({
        clock,
        reply: (m) =>
          m.some((x) => x.role === 'tool')
            ? { text: 'Done.' }
            : {
                toolCalls: [
                  { id: 'c1', name: 'everything_echo', arguments: '{"message":"hello"}' },
                  { id: 'c2', name: 'everything_get-env', arguments: '{}' },
                ],
              },
      }),
      tts: new FakeTts({ clock }),
      tools,
      input: scriptedMicrophone({ clock, script, tailMs: 6000 }),
      output: new ClockedAudioOutput({ clock }),
    });
    for (let t = 0; t < 8000; t += 20) {
      await clock.advance(20);
      if (inflight) {
        await inflight;
        inflight = null;
      }
    }
    const toolMessages = session.chat.filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => m.content)).toEqual([
      'Echo: hello',
      'Error: unknown tool "everything_get-env". Available tools: everything_echo.',
    ]);
    expect(session.chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Done.' });
    await session.close();
  });
});
