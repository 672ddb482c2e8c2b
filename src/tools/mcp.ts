/**
 * MCP tools: the tools of a Model Context Protocol server, over stdio (a child process) or
 * Streamable HTTP, as {@link FunctionTool}s a voice-agent session can call. An allow-list picks
 * what the LLM may see; barge-in and the session's tool timeout cancel the MCP request.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  describeFailure,
  type McpListedTool,
  mcpResultText,
  oneLine,
  sanitizeToolNamePart,
  selectTools,
  sessionToolNames,
  toolParameters,
} from './mcp-content.ts';

import {
  checkMcpOptions,
  McpConnectError,
  type McpConnection,
  type McpOptions,
  type McpServerInfo,
  type McpTool,
  McpToolError,
} from './mcp-options.ts';

export { type McpToolAnnotations, type McpToolFilter, mcpResultText } from './mcp-content.ts';
export {
  McpConnectError,
  type McpConnection,
  type McpHttpTransportOptions,
  type McpOptions,
  type McpServerInfo,
  type McpStdioTransportOptions,
  type McpTool,
  McpToolError,
} from './mcp-options.ts';

const CLIENT_INFO = { name: 'voicechart', version: '0.1.0' };
const MAX_PAGES = 1000;

/** The last few KB a child wrote to stderr. */
function stderrTail() {
  let text = '';
  return {
    push(chunk: string) {
      text = (text + chunk).slice(-4096);
    },
    last(max = 200) {
      const line = oneLine(text, 10_000);
      return line.length > max ? `…${line.slice(-(max - 1))}` : line;
    },
  };
}

async function listAllTools(client: Client, timeout: number): Promise<McpListedTool[]> {
  const tools: McpListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout });
    tools.push(...result.tools);
    if (!result.nextCursor || result.nextCursor === cursor) return tools;
    cursor = result.nextCursor;
  }
  throw new Error(`tools/list did not end after ${MAX_PAGES} pages`);
}

const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');

/**
 * Connects to an MCP server and returns its tools as session tools. Each tool's `execute` calls
 * the server (`tools/call`) with the session's AbortSignal, so a barge-in or the tool timeout
 * sends the server a cancellation; the result becomes text for the LLM (see `mcpResultText`),
 * and a result flagged `isError` throws {@link McpToolError} with the server's text, which the
 * session records as an error tool message.
 *
 * Fails with {@link McpConnectError}, one line naming the server, when the command cannot start,
 * the server exits, the URL answers an HTTP error or refuses the connection, nothing answers
 * within `timeoutMs`, or an `allow` entry matches none of the server's tools.
 *
 * @example
 * const files = await connectMcp({
 *   name: 'files',
 *   transport: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs'] },
 *   allow: ['read_text_file', /^list_/],
 * });
 * const search = await connectMcp({
 *   name: 'search',
 *   transport: { type: 'http', url: 'http://127.0.0.1:3001/mcp', headers: { Authorization: `Bearer ${token}` } },
 * });
 * const session = createAgentSession({ ...providers, tools: [...files.tools, ...search.tools] });
 * // later
 * await session.close();
 * await Promise.all([files.close(), search.close()]);
 */
export async function connectMcp(options: McpOptions): Promise<McpConnection> {
  checkMcpOptions(options);
  const server = options.name;
  const spec = options.transport;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const prefix =
    options.prefix === false ? '' : sanitizeToolNamePart(options.prefix ?? `${server}_`);
  const label = `MCP server "${server}"`;
  const stderr = stderrTail();

  let transport: Transport;
  let where: { command?: string; url?: string };
  if (spec.type === 'stdio') {
    const stdio = new StdioClientTransport({
      command: spec.command,
      args: [...(spec.args ?? [])],
      ...(spec.env ? { env: spec.env } : {}),
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer | string) => {
      const text = chunk.toString();
      stderr.push(text);
      spec.onStderr?.(text);
    });
    transport = stdio;
    where = { command: spec.command };
  } else {
    transport = new StreamableHTTPClientTransport(new URL(spec.url), {
      ...(spec.headers ? { requestInit: { headers: spec.headers } } : {}),
    });
    where = { url: spec.url };
  }
  const fail = (error: unknown, timeout = timeoutMs) =>
    describeFailure(error, { ...where, stderr: stderr.last(), timeoutMs: timeout });

  const client = new Client(CLIENT_INFO, { capabilities: {} });
  let closing = false;
  let closed = false;
  let listed: McpListedTool[] = [];
  const ready = (async () => {
    await client.connect(transport, { timeout: timeoutMs });
    listed = await listAllTools(client, timeoutMs);
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Request timed out')), timeoutMs);
  });
  ready.catch(() => {});
  try {
    await Promise.race([ready, timedOut]);
  } catch (error) {
    closing = true;
    await client.close().catch(() => {});
    throw new McpConnectError(`${label}: ${fail(error)}`, server);
  } finally {
    clearTimeout(timer);
  }

  const call = async (tool: string, args: unknown, signal: AbortSignal): Promise<string> => {
    if (closed) throw new Error(`${label} is not connected (tool "${tool}")`);
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new TypeError(`${label}: arguments of tool "${tool}" must be a JSON object`);
    }
    let result: Record<string, unknown>;
    try {
      result = await client.callTool(
        { name: tool, arguments: args as Record<string, unknown> },
        undefined,
        { signal, timeout: callTimeoutMs },
      );
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      throw new Error(`${label}: tool "${tool}" failed: ${fail(error, callTimeoutMs)}`);
    }
    const text = mcpResultText(result);
    if (result['isError'] === true) {
      throw new McpToolError(text || `tool "${tool}" failed`, server, tool);
    }
    return text === '' ? 'ok' : text;
  };

  const toTools = (chosen: McpListedTool[]): McpTool[] => {
    const names = sessionToolNames(
      prefix,
      chosen.map((t) => t.name),
    );
    return chosen.map((t, i) => ({
      name: names[i]!,
      description: t.description ?? t.title ?? `Tool "${t.name}" of ${label}.`,
      parameters: toolParameters(t.inputSchema),
      mcp: {
        server,
        tool: t.name,
        ...(t.annotations ? { annotations: t.annotations } : {}),
      },
      execute: (args: Record<string, unknown>, ctx: { signal: AbortSignal }) =>
        call(t.name, args, ctx.signal),
    }));
  };

  let tools: McpTool[];
  try {
    tools = toTools(selectTools(listed, { ...pick(options), strict: true }));
  } catch (error) {
    closing = true;
    await client.close().catch(() => {});
    throw new McpConnectError(
      `${label}: ${error instanceof Error ? error.message : error}`,
      server,
    );
  }

  let refreshing: Promise<McpTool[]> | null = null;
  const refresh = (): Promise<McpTool[]> => {
    if (closed) return Promise.reject(new Error(`${label} is not connected`));
    refreshing ??= (async () => {
      try {
        const all = await listAllTools(client, timeoutMs);
        tools = toTools(selectTools(all, { ...pick(options), strict: false }));
        return tools;
      } catch (error) {
        throw new Error(`${label}: listing tools failed: ${fail(error)}`);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  };

  client.onclose = () => {
    const unexpected = !closing && !closed;
    closed = true;
    if (unexpected) {
      options.onError?.(new Error(`${label}: ${fail(new Error('Connection closed'))}`));
    }
  };
  if (client.getServerCapabilities()?.tools?.listChanged) {
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      refresh().then(
        (next) => options.onToolsChanged?.(next),
        (error: Error) => {
          if (!closed) options.onError?.(error);
        },
      );
    });
  }

  const version = client.getServerVersion();
  const instructions = client.getInstructions();
  const serverInfo: McpServerInfo = {
    name: version?.name ?? server,
    version: version?.version ?? '',
    ...(version?.title !== undefined ? { title: version.title } : {}),
    ...(instructions !== undefined ? { instructions } : {}),
  };

  return {
    name: server,
    get tools() {
      return tools;
    },
    serverInfo,
    refresh,
    async close() {
      if (closed && closing) return;
      closing = true;
      closed = true;
      if (transport instanceof StreamableHTTPClientTransport) {
        // Ends the server-side session; a server without sessions answers 405, which is fine.
        await Promise.race([
          transport.terminateSession().catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, 2000).unref()),
        ]);
      }
      await client.close().catch(() => {});
    },
  };
}

const pick = (o: McpOptions) => ({
  ...(o.allow ? { allow: o.allow } : {}),
  ...(o.deny ? { deny: o.deny } : {}),
});

/**
 * Connects to several MCP servers at once and returns all their tools; if one fails, the
 * others are closed and the error names the failing server.
 *
 * @example
 * const mcp = await connectMcpServers([
 *   { name: 'calendar', transport: { type: 'http', url: 'http://127.0.0.1:8100/mcp' } },
 *   { name: 'crm', transport: { type: 'stdio', command: 'crm-mcp' }, allow: ['find_customer'] },
 * ]);
 * const session = createAgentSession({ ...providers, tools: mcp.tools });
 * await mcp.close();
 */
export async function connectMcpServers(list: readonly McpOptions[]): Promise<{
  connections: McpConnection[];
  tools: McpTool[];
  close(): Promise<void>;
}> {
  const names = list.map((o) => o?.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new TypeError(`connectMcpServers: two servers are named "${dup}"`);
  const settled = await Promise.allSettled(list.map((o) => connectMcp(o)));
  const connections = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  const closeAll = async () => {
    await Promise.all(connections.map((c) => c.close()));
  };
  if (failed) {
    await closeAll();
    throw failed.reason;
  }
  const tools = connections.flatMap((c) => c.tools);
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) {
      await closeAll();
      throw new TypeError(
        `connectMcpServers: two servers expose a tool named "${t.name}"; give them different prefixes`,
      );
    }
    seen.add(t.name);
  }
  return { connections, tools, close: closeAll };
}
