/**
 * Only sound counts toward minInterruptionDuration. A real VAD reports the end of speech only
 * after its minimum silence (550 ms for Silero's defaults), but says at once, through
 * `vad.soundStopped` / `vad.soundResumed`, when the sound inside the speech stops and comes back.
 * A 300 ms cough must not pause the agent however long the hangover; 300 + 300 ms of sound with a
 * pause between must.
 */
import { describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.ts';

const longReply =
  'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';

/** Sound stretches [from, to] (ms from now) inside one VAD speech, with a 550 ms hangover. */
function sounds(h: Harness, stretches: [number, number][]) {
  const t0 = h.clock.now();
  const at = (ms: number, fn: () => void) => h.clock.setTimeout(fn, ms);
  const first = stretches[0]!;
  const last = stretches.at(-1)!;
  at(first[0] + 100, () =>
    h.send({ type: 'vad.speechStarted', at: h.clock.now(), startedAt: t0 + first[0] }),
  );
  for (const [i, [from, to]] of stretches.entries()) {
    if (i > 0) {
      at(from + 32, () =>
        h.send({ type: 'vad.soundResumed', at: h.clock.now(), resumedAt: t0 + from }),
      );
    }
    at(to + 64, () => h.send({ type: 'vad.soundStopped', at: h.clock.now(), stoppedAt: t0 + to }));
  }
  at(last[1] + 550, () =>
    h.send({ type: 'vad.speechEnded', at: h.clock.now(), endedAt: t0 + last[1] }),
  );
}

async function speakingHarness() {
  const h = createHarness({ llm: () => ({ text: longReply }) });
  h.speak('tell me a story', { durationMs: 1000 });
  await h.advance(2000);
  expect(h.agentState()).toBe('SPEAKING');
  return h;
}

describe('interruption counts sound, not the VAD hangover', () => {
  it('a 300 ms cough with a 550 ms hangover does not pause the agent', async () => {
    const h = await speakingHarness();
    sounds(h, [[0, 300]]);
    await h.advance(1500);
    expect(h.agentStates).not.toContain('PAUSED');
    expect(h.events('agent.paused')).toHaveLength(0);
    expect(h.agentState()).toBe('SPEAKING');
  });

  it('two 300 ms stretches inside one speech add up to an interruption at 500 ms of sound', async () => {
    const h = await speakingHarness();
    const t0 = h.clock.now();
    sounds(h, [
      [0, 300],
      [450, 750],
    ]);
    await h.advance(1500);
    const paused = h.events('agent.paused');
    expect(paused).toHaveLength(1);
    // 300 ms in the first stretch, 200 more from the second's start at 450 ms: 650 ms.
    expect(paused[0]!.at - t0).toBe(650);
  });

  it('sustained sound still interrupts at minInterruptionDuration from its start', async () => {
    const h = await speakingHarness();
    const t0 = h.clock.now();
    sounds(h, [[0, 900]]);
    await h.advance(1500);
    expect(h.events('agent.paused')[0]!.at - t0).toBe(500);
  });

  it('while THINKING, a short sound does not abandon the reply', async () => {
    const h = createHarness({ llm: () => ({ text: longReply, ttftMs: 3000 }) });
    h.speak('tell me a story', { durationMs: 1000 });
    await h.advance(1900);
    expect(h.agentState()).toBe('THINKING');
    sounds(h, [[0, 300]]);
    await h.advance(1000);
    expect(h.agentState()).toBe('THINKING');
    expect(h.cancelledGenerations).toHaveLength(0);
  });
});
