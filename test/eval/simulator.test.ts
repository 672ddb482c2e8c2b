/**
 * The simulator's own semantics on small inline scenarios: deterministic runs, false cut-offs
 * detected, barge-ins measured, triggers honoured, wasted tokens counted, audio mode repeatable.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/eval/runner.ts';
import type { Scenario } from '../../src/eval/scenario-types.ts';

const pausedLine: Scenario = {
  name: 'pause after a preposition',
  user: { steps: [{ say: 'i need a table for [pause 900] four people', id: 'line' }] },
  agent: { replies: ['Booked.'] },
};

describe('conversation simulator', () => {
  it('runs the same scenario to the same result, to the millisecond', async () => {
    const a = await runScenario(pausedLine);
    const b = await runScenario(pausedLine);
    const strip = (r: typeof a) => ({ ...r, wallMs: 0 });
    expect(strip(a)).toEqual(strip(b));
    expect(a.turns).toHaveLength(1);
    expect(a.summary.falseCutoffs).toBe(0);
  });

  it('detects a false cut-off when endpointing ignores the pause', async () => {
    const r = await runScenario({
      ...pausedLine,
      config: { minEndpointingDelay: 200, maxEndpointingDelay: 300 },
      providers: { turnDetector: { type: 'none' } },
      expect: { maxFalseCutoffs: 0 },
    });
    expect(r.summary.falseCutoffs).toBeGreaterThanOrEqual(1);
    expect(r.turns[0]?.falseCutoff).toBe(true);
    expect(r.turns[0]?.text).toBe('i need a table for');
    expect(r.ok).toBe(false);
    expect(r.expectations.find((e) => e.name === 'maxFalseCutoffs')).toMatchObject({
      ok: false,
      actual: 1,
    });
  });

  it('measures a barge-in: onset, the agent stopping, the outcome, the played prefix', async () => {
    const r = await runScenario({
      name: 'barge-in',
      user: {
        steps: [
          { say: 'tell me about the solar system' },
          { after: 'agent.speaking', ms: 1500, say: 'wait what about pluto', id: 'barge' },
        ],
      },
      agent: {
        replies: [
          'The solar system has eight planets orbiting the sun, four rocky ones close in and four giants further out, and then the Kuiper belt.',
          'Pluto is a dwarf planet.',
        ],
      },
    });
    const barge = r.bargeIns.find((b) => b.stepId === 'barge');
    expect(barge).toMatchObject({ outcome: 'interrupted', backchannel: false });
    expect(barge?.reactionMs).toBeGreaterThan(0);
    // The agent stops once the speech lasted minInterruptionDuration (500 ms) and VAD said so.
    expect(barge?.reactionMs).toBeLessThanOrEqual(600);
    const cut = r.chat.find((m) => m.role === 'assistant' && m.interrupted);
    expect(cut?.content).toMatch(/^The solar system/);
    expect(cut?.content.length).toBeLessThan(60);
    expect(r.timeline.some((s) => s.who === 'agent' && s.cut !== undefined)).toBe(true);
    expect(r.summary.interruptions).toBe(1);
    expect(r.summary.agentReplies).toBe(2);
  });

  it('a backchannel pauses the agent and it resumes: no interruption', async () => {
    const r = await runScenario({
      name: 'mhm',
      user: {
        steps: [
          { say: 'how do i reset my router' },
          { after: 'agent.speaking', ms: 1200, say: 'mhm', id: 'mhm' },
        ],
      },
      agent: {
        replies: [
          'First unplug it, wait ten seconds, plug it back in, and wait for the lights to settle before you try again.',
        ],
      },
    });
    expect(r.bargeIns).toEqual([expect.objectContaining({ stepId: 'mhm', backchannel: true })]);
    expect(r.bargeIns[0]?.outcome).not.toBe('interrupted');
    expect(r.summary.interruptions).toBe(0);
    expect(r.chat.some((m) => m.role === 'assistant' && m.interrupted)).toBe(false);
  });

  it('counts LLM tokens thrown away by a discarded speculative request', async () => {
    const r = await runScenario({
      name: 'discard',
      // Two segments with a pause longer than the VAD's silence: the first final starts a
      // speculative request that the second one makes stale.
      user: { steps: [{ say: 'book a table [pause 700] for two people tonight' }] },
      agent: { replies: ['Done, a table for two tonight.'] },
      providers: {
        llm: { type: 'fake', ttftMs: 100, tokensPerSecond: 50 },
        turnDetector: { type: 'fake', probability: 0.1 },
      },
    });
    expect(r.summary.speculativeDiscarded).toBeGreaterThanOrEqual(1);
    expect(r.summary.wastedTokens).toBeGreaterThan(0);
    expect(r.summary.agentReplies).toBe(1);
  });

  it('audio mode is deterministic too (real Silero and RNNoise on Flite speech)', async () => {
    const scenario: Scenario = {
      name: 'audio',
      mode: 'audio',
      user: { noiseSnrDb: 15, steps: [{ say: 'what time does the pharmacy close' }] },
      agent: { replies: ['At eight.'] },
    };
    const a = await runScenario(scenario);
    const b = await runScenario(scenario);
    expect(a.turns.map((t) => [t.commitMs, t.firstAudioMs])).toEqual(
      b.turns.map((t) => [t.commitMs, t.firstAudioMs]),
    );
    expect(a.turns).toHaveLength(1);
    expect(a.summary.agentReplies).toBe(1);
  }, 60_000);
});
