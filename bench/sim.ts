/**
 * npm run bench:sim — simulated seconds per wall-clock second of the conversation simulator, on a
 * 8-turn conversation of about 100 seconds with a backchannel and a barge-in: in events mode (scripted VAD
 * and STT, no audio) and in audio mode (Flite speech, RNNoise and Silero VAD on every 20 ms
 * frame). Prints the median over runs; asserts nothing.
 */
import { runScenario } from '../src/eval/runner.ts';
import type { Scenario, UserStep } from '../src/eval/scenario-types.ts';

const QUESTIONS = [
  'hi i would like to book a table for tonight',
  'for four people [pause 700] around eight',
  'do you have anything near the window',
  'great and is there parking nearby',
  'can i bring a dog',
  'what is the dress code',
  'perfect please send me a confirmation',
  'thank you that is all',
];

function conversation(mode: 'events' | 'audio'): Scenario {
  const steps: UserStep[] = [];
  for (const [i, q] of QUESTIONS.entries()) {
    steps.push({ say: q, ...(i > 0 ? { after: 'agent.idle' as const, ms: 1200 } : {}) });
    if (i === 2) steps.push({ after: 'agent.speaking', ms: 1500, say: 'mhm' });
    if (i === 5) steps.push({ after: 'agent.speaking', ms: 1000, say: 'sorry i meant for lunch' });
  }
  return {
    name: `8-turn conversation (${mode})`,
    mode,
    user: { steps },
    agent: {
      replies: QUESTIONS.map(
        (_, i) =>
          `Sure, let me help with that. Here is answer number ${i + 1}, with a few more words so that it lasts a little while.`,
      ),
    },
    tailMs: 2000,
  };
}

async function measure(mode: 'events' | 'audio', runs: number) {
  const scenario = conversation(mode);
  await runScenario(scenario); // warm-up (and, in audio mode, synthesis of the lines)
  const speedups: number[] = [];
  let simulated = 0;
  for (let i = 0; i < runs; i++) {
    const r = await runScenario(scenario);
    simulated = r.durationMs;
    speedups.push(r.durationMs / r.wallMs);
  }
  speedups.sort((a, b) => a - b);
  const median = speedups[Math.floor(speedups.length / 2)]!;
  console.log(
    `${mode.padEnd(6)} mode: ${(simulated / 1000).toFixed(1)} s simulated, median ${median.toFixed(0)}x real time over ${runs} runs (range ${speedups[0]!.toFixed(0)}–${speedups.at(-1)!.toFixed(0)}x)`,
  );
}

await measure('events', Number(process.env.RUNS ?? 15));
await measure('audio', Number(process.env.AUDIO_RUNS ?? 3));
