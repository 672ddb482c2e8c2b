/**
 * Function tools the LLM can call. A tool is plain data for the LLM (name, description, JSON
 * schema) plus an `execute` the session runs, only after the turn is committed, in its own actor
 * with the session's tool timeout.
 */
import type { ToolDefinition } from '../providers/llm.ts';

export interface ToolContext {
  /** Aborted when the user barges in or the call times out: stop the work. */
  signal: AbortSignal;
  callId: string;
}

export interface FunctionTool<Args = Record<string, unknown>> extends ToolDefinition {
  execute(args: Args, ctx: ToolContext): Promise<unknown> | unknown;
}

/**
 * Declares a tool.
 *
 * @example
 * const weather = tool({
 *   name: 'get_weather',
 *   description: 'Current weather for a city',
 *   parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 *   execute: async ({ city }) => ({ city, sky: 'sunny' }),
 * });
 */
export function tool<Args = Record<string, unknown>>(def: FunctionTool<Args>): FunctionTool<Args> {
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(def.name)) {
    throw new TypeError(
      `tool: name "${def.name}" must be 1-64 letters, digits, "_" or "-" (what LLM APIs accept)`,
    );
  }
  return def;
}

/** Turns whatever a tool returned into the text the LLM reads. */
export function toolOutputText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'ok';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
