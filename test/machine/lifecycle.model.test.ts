/**
 * Model-based test of the agent lifecycle. `createTestModel()` generates paths through abstract
 * twins of the agent region (test/helpers/lifecycle-twin.ts: timers and provider results are
 * events there); each path is replayed against the REAL session machine with controllable fakes
 * on a simulated clock, and after every step the real agent, user and generation regions and the
 * speech segment must be where the twin says.
 *
 * Paths: shortest paths where a twin state counts as distinct per incoming transition (source
 * state + event), so every twin transition, self-loops included, ends at least one path.
 * Transitions listed in KNOWN_BUGS are where the machine disagrees with the twin: their paths
 * fail with the explanation until the machine is fixed (the twin says what should happen).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, AnyStateNode } from 'xstate';
import { createTestModel, getStateNodes, toDirectedGraph } from 'xstate/graph';
import { sessionMachine } from '../../src/machines/session.machine.ts';
import {
  createLifecycleSut,
  LIFECYCLE_CONFIG,
  lifecycleTwin,
  mismatches,
  TWIN_EVENTS,
  type TwinEventType,
  type TwinMeta,
  WORD_THRESHOLD_CONFIG,
  wordThresholdTwin,
} from '../helpers/lifecycle-twin.ts';

type Twin = typeof lifecycleTwin;

const twins = [
  { name: 'lifecycle', machine: lifecycleTwin, config: LIFECYCLE_CONFIG },
  { name: 'word thresholds', machine: wordThresholdTwin, config: WORD_THRESHOLD_CONFIG },
] as const;

/**
 * Real agent-region states no twin leaf stands for. Each is transient (eventless `always`
 * transitions only, never a resting state), so no step can observe it; the test checks that.
 */
const TRANSIENT_REAL_STATES: Record<string, string> = {
  'THINKING.audio.route': 'picks synthesizing or waitingText on entry',
  'THINKING.audio.played.check': 'picks played.waiting or the end of the step on entry',
  'THINKING.overlap.route': 'picks userSpeaking or none on entry (the user may already be talking)',
  'THINKING.overlap.check': 'abandons the reply or goes to sustained on entry',
  'SPEAKING.route': 'picks overlap or playing on entry (the user may already be talking)',
  'SPEAKING.check': 'pauses, stops or goes to sustained on entry',
  'SPEAKING.settled': 'routes to LISTENING or IDLE once the cut speech settled',
  'PAUSED.settled': 'routes to LISTENING or IDLE once the cut speech settled',
};

const metaOf = (snapshot: AnyMachineSnapshot): TwinMeta => {
  const metas = Object.values(snapshot.getMeta()) as TwinMeta[];
  if (metas.length !== 1) throw new Error(`twin snapshot with ${metas.length} leaf metas`);
  return metas[0]!;
};

const leafOf = (snapshot: AnyMachineSnapshot): AnyStateNode =>
  snapshot._nodes.find((n: AnyStateNode) => n.type === 'atomic')!;

/** The twin state node whose `on` handles `type` in `snapshot` (the leaf or an ancestor). */
function handlerOf(snapshot: AnyMachineSnapshot, type: string): AnyStateNode {
  for (let node: AnyStateNode | undefined = leafOf(snapshot); node; node = node.parent) {
    if (node.transitions.has(type)) return node;
  }
  throw new Error(`no twin transition for ${type} in ${JSON.stringify(snapshot.value)}`);
}

function twinTransitions(machine: Twin): string[] {
  return getStateNodes(machine.root).flatMap((node) =>
    [...node.transitions.keys()].map((type) => `${node.id} ${type}`),
  );
}

/**
 * Twin transitions where the real machine is known to disagree with the twin. Their paths fail
 * on purpose, with this explanation in front of the mismatch, until the machine is fixed.
 */
const KNOWN_BUGS: Record<string, string> = {};

const coverage = {
  paths: 0,
  transitions: new Map<string, Set<string>>(),
  states: new Map<string, Set<string>>(),
};

for (const { name, machine, config } of twins) {
  const model = createTestModel(machine, {
    // Count a twin state once per incoming transition (self-loops included), so the shortest
    // paths end with every transition of the twin.
    serializeTransition: (_snapshot, event, previous) =>
      event && previous ? ` via ${event.type} from ${JSON.stringify(previous.value)}` : '',
  });
  const paths = model.getShortestPaths({ limit: 20_000 });
  const coveredTransitions = new Set<string>();
  const coveredStates = new Set<string>();
  coverage.transitions.set(name, coveredTransitions);
  coverage.states.set(name, coveredStates);

  describe(`${name} twin vs the session machine`, () => {
    for (const path of paths) {
      it(path.description, async () => {
        const { steps } = path;
        /** The twin transition that led to step `i` (none for the initial state). */
        const transitionInto = (i: number) =>
          i === 0
            ? undefined
            : `${handlerOf(steps[i - 1]!.state, steps[i]!.event.type).id} ${steps[i]!.event.type}`;
        const sut = createLifecycleSut(config);
        let reached = 0; // index of the last step whose event ran against the real machine
        let checked = 0; // number of steps whose state was checked
        const events = Object.fromEntries(
          TWIN_EVENTS.map((type) => [
            type,
            () => {
              reached += 1;
              return sut.exec(type as TwinEventType);
            },
          ]),
        );
        try {
          await path.test({
            events,
            states: {
              '*': (snapshot) => {
                const step = checked++;
                const meta = metaOf(snapshot);
                const diff = mismatches(meta.expect, sut.observe());
                if (diff.length === 0) return;
                const via = transitionInto(step);
                const bug = via === undefined ? undefined : KNOWN_BUGS[via];
                throw new Error(
                  `${bug ? `MACHINE BUG: ${bug}\n` : ''}real machine is not in twin state ${meta.description}${via ? ` (after ${via})` : ''}: ${diff.join('; ')}`,
                );
              },
            },
          });
        } finally {
          sut.stop();
          // Coverage counts what ran against the real machine, passing or not: a failing path
          // exercised its transitions up to the failure (and reports it).
          coverage.paths += 1;
          for (let i = 0; i <= Math.min(reached, steps.length - 1); i++) {
            for (const node of steps[i]!.state._nodes as AnyStateNode[]) {
              if (node !== machine.root) coveredStates.add(node.id);
            }
            const via = transitionInto(i);
            if (via) coveredTransitions.add(via);
          }
        }
      });
    }
  });
}

describe('the twins stay honest about the real machine', () => {
  const agentRegion = sessionMachine.root.states['agent']!;
  const prefix = 'session.agent.';
  const realStates = getStateNodes(agentRegion).map((n) => n.id.slice(prefix.length));

  it('toDirectedGraph(sessionMachine) has the five lifecycle states', () => {
    const graph = toDirectedGraph(sessionMachine);
    const agent = graph.children.find((c) => c.id === 'session.agent');
    expect(agent?.children.map((c) => c.id)).toEqual(
      ['IDLE', 'LISTENING', 'THINKING', 'SPEAKING', 'PAUSED'].map((s) => prefix + s),
    );
  });

  it('every real agent-region state is modeled by a twin leaf or is a listed transient state', () => {
    const modeled = new Set<string>();
    for (const { machine } of twins) {
      for (const node of getStateNodes(machine.root)) {
        const meta = node.meta as TwinMeta | undefined;
        for (const leaf of meta?.expect.agent ?? []) {
          const parts = leaf.split('.');
          parts.forEach((_, i) => {
            modeled.add(parts.slice(0, i + 1).join('.'));
          });
        }
      }
    }
    const unmodeled = realStates.filter((id) => !modeled.has(id) && !(id in TRANSIENT_REAL_STATES));
    expect(unmodeled, 'real agent states neither modeled nor listed as transient').toEqual([]);
    for (const id of Object.keys(TRANSIENT_REAL_STATES)) {
      expect(realStates, `listed transient state ${id} exists`).toContain(id);
      expect(modeled.has(id), `listed transient state ${id} is not also modeled`).toBe(false);
      const node = sessionMachine.getStateNodeById(`session.agent.${id}`);
      expect(node.always?.length ?? 0, `${id} has eventless transitions`).toBeGreaterThan(0);
      expect(node.transitions.size, `${id} waits for no event`).toBe(0);
    }
    for (const id of modeled) expect(realStates, `twin names real state ${id}`).toContain(id);
  });

  it('every known bug names a twin transition', () => {
    const all = new Set(twins.flatMap(({ machine }) => twinTransitions(machine)));
    for (const key of Object.keys(KNOWN_BUGS)) expect(all, key).toContain(key);
  });
});

afterAll(() => {
  let transitions = 0;
  let coveredTransitions = 0;
  let states = 0;
  let coveredStates = 0;
  const missing: string[] = [];
  for (const { name, machine } of twins) {
    const all = twinTransitions(machine);
    const covered = coverage.transitions.get(name)!;
    transitions += all.length;
    coveredTransitions += all.filter((t) => covered.has(t)).length;
    missing.push(...all.filter((t) => !covered.has(t)));
    const nodes = getStateNodes(machine.root).map((n) => n.id);
    const seen = coverage.states.get(name)!;
    states += nodes.length;
    coveredStates += nodes.filter((n) => seen.has(n)).length;
    missing.push(...nodes.filter((n) => !seen.has(n)));
  }
  console.log(
    `model-based: ${coverage.paths} paths, ${coveredTransitions}/${transitions} twin transitions covered, ${coveredStates}/${states} twin states covered`,
  );
  expect(missing, 'twin transitions and states no executed path reached').toEqual([]);
});
