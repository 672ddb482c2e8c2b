/**
 * A Mermaid state diagram of the agent lifecycle, generated from the machine itself: every
 * transition between IDLE, LISTENING, THINKING, SPEAKING and PAUSED (from any substate), labelled
 * with the events that take it. `npm run diagram` writes it into the README.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

const LIFECYCLE = ['IDLE', 'LISTENING', 'THINKING', 'SPEAKING', 'PAUSED'] as const;

function lifecycleOf(node: AnyStateNode): string | null {
  const parts = node.id.split('.');
  const i = parts.indexOf('agent');
  const top = i >= 0 ? parts[i + 1] : undefined;
  return top && (LIFECYCLE as readonly string[]).includes(top) ? top : null;
}

function descendants(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states) as AnyStateNode[];
  return [node, ...children.flatMap(descendants)];
}

function label(eventType: string, source: AnyStateNode): string {
  // Eventless transitions leave transient states (check, settled, played...): name the state.
  if (eventType === '') return `via ${source.key}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  return eventType;
}

export function lifecycleDiagram(machine: AnyStateMachine): string {
  const agent = machine.root.states.agent as AnyStateNode | undefined;
  if (!agent) throw new Error('lifecycleDiagram: the machine has no agent region');
  const edges = new Map<string, Set<string>>();
  for (const node of descendants(agent)) {
    const from = lifecycleOf(node);
    if (!from) continue;
    const transitions = [...node.transitions.values()].flat().concat(node.always ?? []);
    for (const t of transitions) {
      for (const target of t.target ?? []) {
        const to = lifecycleOf(target as AnyStateNode);
        if (!to || to === from) continue;
        const key = `${from} --> ${to}`;
        const set = edges.get(key) ?? new Set<string>();
        set.add(label(t.eventType, t.source as AnyStateNode));
        edges.set(key, set);
      }
    }
  }
  const lines = ['stateDiagram-v2', '  [*] --> IDLE'];
  for (const [key, events] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${key}: ${[...events].sort().join(', ')}`);
  }
  return lines.join('\n');
}
