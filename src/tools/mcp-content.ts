/**
 * Pure helpers of the MCP tools (`./mcp.ts`): what the LLM reads from a tool result, how MCP
 * tool names become session tool names, which tools an allow/deny list exposes, and one-line
 * descriptions of connection failures. No I/O here.
 */
import { createHash } from 'node:crypto';

/** A tool as an MCP server lists it (the fields voicechart reads). */
export interface McpListedTool {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: { type: 'object'; [key: string]: unknown };
  annotations?: McpToolAnnotations | undefined;
  execution?: { taskSupport?: 'optional' | 'required' | 'forbidden' | undefined } | undefined;
}

/** The server's hints about a tool (untrusted: the server says so). */
export interface McpToolAnnotations {
  title?: string | undefined;
  readOnlyHint?: boolean | undefined;
  destructiveHint?: boolean | undefined;
  idempotentHint?: boolean | undefined;
  openWorldHint?: boolean | undefined;
}

/** An allow- or deny-list entry: an exact MCP tool name, or a pattern tested against it. */
export type McpToolFilter = string | RegExp;

type ContentItem = { type: string; [key: string]: unknown };

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const base64Bytes = (data: unknown): number =>
  typeof data === 'string' ? Buffer.byteLength(data, 'base64') : 0;

function itemText(item: ContentItem): string {
  switch (item.type) {
    case 'text':
      return str(item['text']) ?? '';
    case 'image':
    case 'audio':
      return `[${item.type}: ${str(item['mimeType']) ?? 'unknown type'}, ${base64Bytes(item['data'])} bytes]`;
    case 'resource': {
      const resource = (item['resource'] ?? {}) as Record<string, unknown>;
      const uri = str(resource['uri']) ?? 'unknown';
      const text = str(resource['text']);
      if (text !== undefined) return `[resource: ${uri}]\n${text}`;
      const mime = str(resource['mimeType']) ?? 'unknown type';
      return `[resource: ${uri} (${mime}, ${base64Bytes(resource['blob'])} bytes)]`;
    }
    case 'resource_link':
      return `[resource: ${str(item['uri']) ?? 'unknown'}]`;
    default:
      return `[${item.type}]`;
  }
}

/**
 * Turns an MCP `tools/call` result into the text the LLM reads: text items as they are, one per
 * line; images and audio as `[image: image/png, 1234 bytes]` (never their base64); embedded text
 * resources as `[resource: uri]` followed by their text; binary resources and resource links as
 * `[resource: uri …]`. With no content items, the structured content as JSON.
 *
 * @example
 * mcpResultText({ content: [{ type: 'text', text: 'Echo: hi' }] }); // 'Echo: hi'
 * mcpResultText({ content: [{ type: 'image', mimeType: 'image/png', data: 'AAAA' }] });
 * // '[image: image/png, 3 bytes]'
 */
export function mcpResultText(result: Record<string, unknown>): string {
  const content = Array.isArray(result['content']) ? (result['content'] as ContentItem[]) : [];
  const parts = content.filter((c) => c && typeof c.type === 'string').map(itemText);
  if (parts.length > 0) return parts.join('\n');
  if (result['structuredContent'] !== undefined) return JSON.stringify(result['structuredContent']);
  // Servers on the 2024-10-07 protocol answered with `toolResult`.
  if ('toolResult' in result) {
    const value = result['toolResult'];
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  }
  return '';
}

const MAX_TOOL_NAME = 64;
const unsafe = /[^a-zA-Z0-9_-]/g;

/**
 * `text` with every character a tool name may not have replaced by `_`.
 *
 * @example
 * sanitizeToolNamePart('my server.'); // 'my_server_'
 */
export function sanitizeToolNamePart(text: string): string {
  return text.replace(unsafe, '_');
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/**
 * Session tool names for MCP tool names: `prefix + name` with unsafe characters replaced by `_`;
 * a name longer than 64 characters, or one that collides with an earlier one after replacing,
 * is cut and ends with `_` and 8 hex digits of a hash of the original name (stable across runs).
 *
 * @example
 * sessionToolNames('files_', ['read.file', 'read_file']); // ['files_read_file', 'files_read_file_<hash>']
 */
export function sessionToolNames(prefix: string, names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((original) => {
    let name = sanitizeToolNamePart(prefix + original);
    if (name.length > MAX_TOOL_NAME || taken.has(name)) {
      name = `${name.slice(0, MAX_TOOL_NAME - 9)}_${shortHash(original)}`;
    }
    taken.add(name);
    return name;
  });
}

const sticky = (f: RegExp) => /[gy]/.test(f.flags);

function matches(filter: McpToolFilter, name: string): boolean {
  if (typeof filter === 'string') return filter === name;
  // A global or sticky RegExp keeps state between test() calls: test a stateless copy.
  return (
    sticky(filter) ? new RegExp(filter.source, filter.flags.replace(/[gy]/g, '')) : filter
  ).test(name);
}

/**
 * An allow/deny entry as error messages show it.
 *
 * @example
 * showFilter('echo'); // '"echo"'
 * showFilter(/^get-/); // '/^get-/'
 */
export const showFilter = (f: McpToolFilter) => (typeof f === 'string' ? `"${f}"` : String(f));

/**
 * The tools an allow/deny list exposes, in the server's order. `allow` (when given) keeps the
 * tools that match an entry, then `deny` removes those that match one of its entries. Tools that
 * can only run as MCP tasks are left out (voicechart calls tools directly). With `strict`, an
 * allow entry that matches no tool, or that names a task-only tool, is an error whose message
 * lists the server's tools: a typo in an allow-list must not silently expose nothing.
 *
 * @example
 * selectTools(listed, { allow: ['echo', /^get-/], deny: ['get-env'], strict: true });
 */
export function selectTools<T extends McpListedTool>(
  listed: readonly T[],
  opts: { allow?: readonly McpToolFilter[]; deny?: readonly McpToolFilter[]; strict: boolean },
): T[] {
  const callable = (t: T) => t.execution?.taskSupport !== 'required';
  if (opts.strict && opts.allow) {
    const names = listed.map((t) => t.name);
    const unknown = opts.allow.filter((f) => !names.some((n) => matches(f, n)));
    if (unknown.length > 0) {
      const callableNames = listed.filter(callable).map((t) => t.name);
      throw new Error(
        `allow-list ${unknown.length === 1 ? 'entry' : 'entries'} ${unknown.map(showFilter).join(', ')} ` +
          `match${unknown.length === 1 ? 'es' : ''} no tool of the server; it has: ${callableNames.join(', ') || 'no tools'}`,
      );
    }
    const taskOnly = listed.filter(
      (t) => !callable(t) && opts.allow?.some((f) => typeof f === 'string' && f === t.name),
    );
    if (taskOnly.length > 0) {
      throw new Error(
        `tool ${taskOnly.map((t) => `"${t.name}"`).join(', ')} can only run as an MCP task, which voicechart does not support`,
      );
    }
  }
  return listed.filter(
    (t) =>
      callable(t) &&
      (!opts.allow || opts.allow.some((f) => matches(f, t.name))) &&
      !(opts.deny ?? []).some((f) => matches(f, t.name)),
  );
}

/**
 * The tool's JSON schema as an LLM API takes it: no `$schema`, always `properties`.
 *
 * @example
 * toolParameters({ type: 'object', $schema: 'http://json-schema.org/draft-07/schema#' });
 * // { type: 'object', properties: {} }
 */
export function toolParameters(inputSchema: McpListedTool['inputSchema']): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = inputSchema;
  return { ...rest, type: 'object', properties: rest['properties'] ?? {} };
}

/**
 * One line, at most `max` characters, HTML markup and page titles dropped (error pages).
 *
 * @example
 * oneLine('<html><title>Error</title><pre>Cannot POST /x</pre></html>'); // 'Cannot POST /x'
 */
export function oneLine(text: string, max = 300): string {
  const line = text
    .replace(/<(head|title|style|script)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
};

/**
 * A one-line reason for a connection failure, from whatever the MCP SDK, `fetch` or `spawn`
 * threw. `stderr` is the stdio server's last output, quoted when the server hung up.
 *
 * @example
 * describeFailure(spawnError, { command: 'my-mcp' }); // 'cannot start "my-mcp": command not found (ENOENT)'
 */
export function describeFailure(
  error: unknown,
  where: { command?: string; url?: string; stderr?: string; timeoutMs?: number },
): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  if (code === 'ENOENT' && where.command !== undefined) {
    return `cannot start "${where.command}": command not found (ENOENT)`;
  }
  if (code === 'EACCES' && where.command !== undefined) {
    return `cannot start "${where.command}": permission denied (EACCES)`;
  }
  const causeCode = errorCode((error as { cause?: unknown } | null)?.cause);
  if (causeCode && where.url !== undefined) {
    const what = NETWORK_CODES[causeCode] ?? 'request failed';
    return `${what} at ${where.url} (${causeCode})`;
  }
  const http = /^Streamable HTTP error: (?:Error POSTing to endpoint: )?(.*)$/s.exec(message);
  const status = (error as { code?: unknown } | null)?.code;
  if (http && typeof status === 'number' && status > 0) {
    const body = oneLine(http[1] ?? '', 160);
    return `HTTP ${status} from ${where.url ?? 'the server'}${body ? `: ${body}` : ''}`;
  }
  if (/Request timed out/.test(message)) {
    return `no answer within ${where.timeoutMs ?? '?'} ms`;
  }
  if (/Connection closed/i.test(message)) {
    const last = oneLine(where.stderr ?? '', 200);
    return `the server closed the connection${last ? ` (its stderr: ${last})` : ''}`;
  }
  return oneLine(message.replace(/^MCP error -?\d+: /, ''));
}
