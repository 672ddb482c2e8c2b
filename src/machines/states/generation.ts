import { sessionSetup } from '../session-setup.ts';

const adopt = (target: string) => ({
  guard: 'adoptSpeculation' as const,
  target,
  actions: 'adoptSpeculation' as const,
});

/**
 * The `generation` region: the LLM request in flight. A `speculative` request starts on a final
 * transcript before the turn is committed and only buffers (no TTS, no tools). On commit it is
 * adopted where it stands when the committed text and chat are equivalent, or discarded and
 * replaced by a fresh `committed` request. Committed text streams to the speech segment; tool
 * calls run after the LLM step, each with a timeout; `gen.finished` tells the agent the step's
 * generation is over.
 */
export const generationRegion = sessionSetup.createStateConfig({
  initial: 'idle',
  states: {
    idle: {
      on: {
        'gen.speculate': { target: 'speculative', actions: 'spawnSpeculation' },
        'gen.commit': { target: 'committed', actions: 'spawnGeneration' },
        'gen.start': { target: 'committed', actions: 'spawnGeneration' },
      },
    },
    speculative: {
      initial: 'waiting',
      states: {
        waiting: {
          after: {
            llmFirstToken: { target: '#session.generation.idle', actions: 'discardSpeculation' },
          },
          on: {
            'llm.delta': {
              guard: 'isCurrentGeneration',
              target: 'streaming',
              actions: 'bufferDelta',
            },
            'gen.commit': adopt('#session.generation.committed.llm.waiting'),
          },
        },
        streaming: {
          on: {
            'llm.delta': { guard: 'isCurrentGeneration', actions: 'bufferDelta' },
            'gen.commit': adopt('#session.generation.committed.llm.streaming'),
          },
        },
        complete: {
          on: { 'gen.commit': adopt('#session.generation.committed.finishing') },
        },
      },
      on: {
        'llm.toolCall': { guard: 'isCurrentGeneration', actions: 'bufferToolCall' },
        'llm.done': { guard: 'isCurrentGeneration', target: '.complete' },
        'llm.error': {
          guard: 'isCurrentGeneration',
          target: 'idle',
          actions: ['reportSpeculationError', 'discardSpeculation'],
        },
        'gen.speculate': {
          target: 'speculative',
          reenter: true,
          actions: ['discardSpeculation', 'spawnSpeculation'],
        },
        'gen.cancel': { target: 'idle', actions: 'discardSpeculation' },
        'gen.commit': { target: 'committed', actions: ['discardSpeculation', 'spawnGeneration'] },
        'gen.start': { target: 'committed', actions: ['discardSpeculation', 'spawnGeneration'] },
      },
    },
    committed: {
      initial: 'llm',
      states: {
        llm: {
          initial: 'waiting',
          after: { llmResponse: 'failed' },
          states: {
            waiting: {
              after: {
                llmFirstToken: '#session.generation.committed.failed',
              },
              on: {
                'llm.delta': {
                  guard: 'isCurrentGeneration',
                  target: 'streaming',
                  actions: 'forwardDelta',
                },
              },
            },
            streaming: {
              on: { 'llm.delta': { guard: 'isCurrentGeneration', actions: 'forwardDelta' } },
            },
          },
          on: {
            'llm.toolCall': { guard: 'isCurrentGeneration', actions: 'bufferToolCall' },
            'llm.done': { guard: 'isCurrentGeneration', target: 'finishing' },
            'llm.error': { guard: 'isCurrentGeneration', target: 'failed' },
          },
        },
        finishing: {
          entry: ['stopGeneration', 'endSegmentText'],
          always: [{ guard: 'hasPendingToolCalls', target: 'tools' }, { target: 'done' }],
        },
        tools: {
          entry: 'spawnTools',
          after: { tool: { target: 'done', actions: ['timeoutTools', 'reportTimeout'] } },
          on: {
            'tool.result': [
              { guard: 'isLastPendingToolResult', target: 'done', actions: 'recordToolResult' },
              { actions: 'recordToolResult' },
            ],
          },
        },
        failed: {
          entry: ['failGeneration', 'endSegmentText'],
          always: 'done',
        },
        done: {
          entry: sessionSetup.raise({ type: 'gen.finished' }),
        },
      },
      on: {
        'gen.cancel': { target: 'idle', actions: 'stopGeneration' },
        'gen.start': {
          target: 'committed',
          reenter: true,
          actions: ['stopGeneration', 'spawnGeneration'],
        },
        'gen.commit': {
          target: 'committed',
          reenter: true,
          actions: ['stopGeneration', 'spawnGeneration'],
        },
        'gen.speculate': { target: 'speculative', actions: ['stopGeneration', 'spawnSpeculation'] },
      },
    },
  },
});
