/**
 * The session statechart as plain JSON for drawing: nested states with their type, initial child,
 * event transitions (with guard names) and delayed transitions. Served by `voicechart inspect` at
 * /machine.json.
 */
import type { AnyStateMachine } from 'xstate';

export interface GraphTransition {
  event: string;
  /** Target state ids; empty for a transition that stays (actions only). */
  targets: string[];
  guard?: string;
}

export interface GraphNode {
  /** Full id, e.g. `session.agent.SPEAKING`. */
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Key of the initial child of a compound state. */
  initial?: string;
  description?: string;
  children: GraphNode[];
  transitions: GraphTransition[];
}

// biome-ignore lint/suspicious/noExplicitAny: xstate's StateNode internals are loosely typed here
type AnyNode = any;

function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'inline';
  const type = (guard as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'guard';
}

function nodeOf(state: AnyNode): GraphNode {
  const transitions: GraphTransition[] = [];
  for (const [event, list] of state.transitions as Map<string, AnyNode[]>) {
    // Delayed transitions are listed under their internal event name; name them by delay below.
    if (event.startsWith('xstate.after')) continue;
    for (const t of list) {
      const guard = guardName(t.guard);
      transitions.push({
        event,
        targets: (t.target ?? []).map((s: AnyNode) => s.id as string),
        ...(guard ? { guard } : {}),
      });
    }
  }
  for (const t of state.after as AnyNode[]) {
    const guard = guardName(t.guard);
    transitions.push({
      event: `after ${typeof t.delay === 'string' ? t.delay : `${t.delay} ms`}`,
      targets: (t.target ?? []).map((s: AnyNode) => s.id as string),
      ...(guard ? { guard } : {}),
    });
  }
  for (const t of (state.always ?? []) as AnyNode[]) {
    const guard = guardName(t.guard);
    transitions.push({
      event: 'always',
      targets: (t.target ?? []).map((s: AnyNode) => s.id as string),
      ...(guard ? { guard } : {}),
    });
  }
  const initial = state.initial?.target?.[0]?.key as string | undefined;
  return {
    id: state.id,
    key: state.key,
    type: state.type,
    ...(state.type === 'compound' && initial ? { initial } : {}),
    ...(state.description ? { description: state.description as string } : {}),
    children: Object.values(state.states as Record<string, AnyNode>).map(nodeOf),
    transitions,
  };
}

/**
 * @example
 * ```ts
 * const graph = machineGraph(sessionMachine);
 * graph.children.map((c) => c.key); // ['user', 'agent', 'generation']
 * ```
 */
export function machineGraph(machine: AnyStateMachine): GraphNode {
  return nodeOf(machine.root);
}
