/**
 * Options, results and errors of the MCP tools (`./mcp.ts`), and the check of the options
 * that `connectMcp` runs before it starts anything.
 */
import type { FunctionTool } from './function-tool.ts';
import type { McpToolAnnotations, McpToolFilter } from './mcp-content.ts';

/** Runs the server as a child process speaking MCP on its stdin/stdout. */
export interface McpStdioTransportOptions {
  type: 'stdio';
  command: string;
  args?: readonly string[];
  /**
   * Added to the few variables the child inherits by default (HOME, PATH, SHELL, TERM, USER,
   * LOGNAME): pass anything else the server needs, e.g. an API key.
   */
  env?: Record<string, string>;
  cwd?: string;
  /** The server's stderr, as it comes (by default it is kept only to explain failures). */
  onStderr?: (text: string) => void;
}

/** Talks to a running server at `url` (e.g. `http://127.0.0.1:3001/mcp`). */
export interface McpHttpTransportOptions {
  type: 'http';
  url: string;
  /** Sent with every request, e.g. `{ Authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
}

export interface McpOptions {
  /** Names the server in tool names (see `prefix`) and in every error message. */
  name: string;
  transport: McpStdioTransportOptions | McpHttpTransportOptions;
  /**
   * Only these tools are exposed: exact MCP tool names or patterns, matched against the
   * server's own names (before the prefix). An entry that matches no tool fails `connectMcp`
   * with the server's tool list (typo protection). Omitted: every tool.
   */
  allow?: readonly McpToolFilter[];
  /** Tools never exposed, even when allowed. Entries matching nothing are fine. */
  deny?: readonly McpToolFilter[];
  /**
   * Put before each tool name so names stay unique across servers; default `${name}_`. Characters
   * outside `[a-zA-Z0-9_-]` become `_`; `false` keeps the server's names (sanitized the same way).
   */
  prefix?: string | false;
  /** Connecting, and each listing of the tools, must finish within this; default 10 000 ms. */
  timeoutMs?: number;
  /**
   * A tool call gives up after this; default 60 000 ms. The session's `toolTimeout` (and
   * barge-in) cancels sooner through the call's AbortSignal.
   */
  callTimeoutMs?: number;
  /** Called with the new tools after the server said its tool list changed. */
  onToolsChanged?: (tools: McpTool[]) => void;
  /** Background failures: a refresh after a list change failed, or the server hung up. */
  onError?: (error: Error) => void;
}

/** A {@link FunctionTool} backed by an MCP server's tool. */
export interface McpTool extends FunctionTool {
  readonly mcp: {
    /** `McpOptions.name`. */
    readonly server: string;
    /** The tool's name on the server. */
    readonly tool: string;
    readonly annotations?: McpToolAnnotations;
  };
}

export interface McpServerInfo {
  name: string;
  version: string;
  title?: string;
  /** The server's usage instructions, if it gave any (worth adding to the agent's prompt). */
  instructions?: string;
}

export interface McpConnection {
  readonly name: string;
  /** The exposed tools, as of the last listing. */
  readonly tools: readonly McpTool[];
  readonly serverInfo: McpServerInfo;
  /** Re-lists the server's tools (allow/deny applied; entries matching nothing are then ignored). */
  refresh(): Promise<McpTool[]>;
  /** Ends the session (HTTP) or the child process (stdio). Tools called afterwards throw. */
  close(): Promise<void>;
}

/**
 * A tool ran and reported failure (`isError`): the message is the server's text.
 *
 * @example
 * try { await tool.execute({ a: 'two', b: 3 }, ctx); } catch (e) {
 *   if (e instanceof McpToolError) console.warn(e.server, e.tool, e.message);
 * }
 */
export class McpToolError extends Error {
  override readonly name = 'McpToolError';
  readonly server: string;
  readonly tool: string;
  constructor(message: string, server: string, tool: string) {
    super(message);
    this.server = server;
    this.tool = tool;
  }
}

/**
 * `connectMcp` failed: bad server command, refused port, HTTP error, unknown allow entry...
 * The message is one line starting with `MCP server "<name>":`.
 *
 * @example
 * const crm = await connectMcp(crmOptions).catch((e) => {
 *   if (e instanceof McpConnectError) return null; // run without the CRM tools
 *   throw e;
 * });
 */
export class McpConnectError extends Error {
  override readonly name = 'McpConnectError';
  readonly server: string;
  constructor(message: string, server: string) {
    super(message);
    this.server = server;
  }
}

/**
 * Throws a TypeError naming the first bad option.
 *
 * @example
 * checkMcpOptions({ name: 'x', transport: { type: 'http', url: 'ftp://a' } }); // throws
 */
export function checkMcpOptions(options: McpOptions): void {
  const bad = (what: string): never => {
    throw new TypeError(`connectMcp: ${what}`);
  };
  if (!options || typeof options !== 'object') bad('options must be an object');
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    bad('name must be a non-empty string');
  }
  const t = options.transport;
  if (!t || (t.type !== 'stdio' && t.type !== 'http')) {
    bad(`transport.type of "${options.name}" must be 'stdio' or 'http'`);
  } else if (t.type === 'stdio') {
    if (typeof t.command !== 'string' || t.command === '') bad('transport.command is empty');
    if (t.args !== undefined && !t.args.every((a) => typeof a === 'string')) {
      bad('transport.args must be strings');
    }
  } else {
    let url: URL | undefined;
    try {
      url = new URL(t.url);
    } catch {
      bad(`transport.url "${t.url}" is not a URL`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      bad(`transport.url "${t.url}" must be http: or https:`);
    }
  }
  for (const key of ['allow', 'deny'] as const) {
    const list = options[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) bad(`${key} must be an array of names or RegExps`);
    for (const f of list) {
      if (!(typeof f === 'string' || f instanceof RegExp)) {
        bad(`${key} entries must be tool names or RegExps, got ${JSON.stringify(f)}`);
      }
    }
  }
  if (options.allow?.length === 0) bad('allow is empty: no tool would be exposed');
  if (
    options.prefix !== undefined &&
    options.prefix !== false &&
    typeof options.prefix !== 'string'
  ) {
    bad('prefix must be a string or false');
  }
  for (const key of ['timeoutMs', 'callTimeoutMs'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) bad(`${key} must be > 0, got ${v}`);
  }
}
