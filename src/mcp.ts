/**
 * `voicechart/mcp`: the tools of Model Context Protocol servers (stdio or Streamable HTTP) as
 * session tools, with allow-lists. A separate entry point: the MCP SDK costs ~150 ms to import.
 */
export * from './tools/mcp.ts';
