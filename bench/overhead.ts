/**
 * npm run bench:overhead
 *
 * 1. Framework overhead: wall time from "turn committed" to the first TTS frame reaching the
 *    output, with zero-latency fake providers, over many turns of a scripted conversation. The
 *    session runs on a SimulatedClock, so no real waiting is counted: what remains is the
 *    statechart, the actors and the plumbing between them.
 * 2. Machine throughput: internal events per second one session machine sustains, replaying a
 *    full turn (speech, transcripts, commit, LLM deltas, TTS, playout) with no I/O at all.
 *
 * Prints medians and p95s; no assertion (timings are machine-dependent).
 */
import { createActor, fromCallback, SimulatedClock as XStateClock } from 'xstate';
import { sessionMachine } from '../src/machines/session.machine.ts';
import { createAgentSession } from '../src/session/agent-session.ts';
import { ClockedAudioOutput } from '../src/session/audio-output.ts';
import { SimulatedClock } from '../src/session/clock.ts';
import {
  FakeLlm,
  FakeStt,
  FakeTts,
  FakeVad,
  type ScriptedUtterance,
  scriptedMicrophone,
} from '../src/sim/fake-providers.ts';

const TURNS = Number(process.env.TURNS ?? 250);
const CYCLES = Number(process.env.CYCLES ?? 20_000);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[i]!;
}

async function frameworkOverhead() {
  const clock = new SimulatedClock();
  const script: ScriptedUtterance[] = [];
  for (let i = 0; i < TURNS; i++) {
    script.push({ text: `question number ${i}`, startMs: 500 + i * 2000, durationMs: 400 });
  }
  let committedAt: number | null = null;
  const samples: number[] = [];
  const output = new ClockedAudioOutput({
    clock,
    onFrame: () => {
      if (committedAt !== null) {
        samples.push(performance.now() - committedAt);
        committedAt = null;
      }
    },
  });
  const session = createAgentSession({
    clock,
    vad: new FakeVad(),
    stt: new FakeStt({ clock, script }),
    llm: new FakeLlm({ clock, reply: () => ({ text: 'Okay.' }) }),
    tts: new FakeTts({ clock, wordsPerSecond: 4 }),
    input: scriptedMicrophone({ clock, script, tailMs: 2000 }),
    output,
    // Measure the plumbing, not speculation: every reply is requested at commit.
    config: { preemptiveGeneration: false },
  });
  session.on('user.turnCompleted', () => {
    committedAt = performance.now();
  });
  const wallStart = performance.now();
  await clock.advance(500 + TURNS * 2000 + 2000);
  const wallMs = performance.now() - wallStart;
  await session.close();
  samples.sort((a, b) => a - b);
  return { samples, turns: session.stats.userTurns, wallMs, simulatedMs: clock.now() };
}

function machineThroughput() {
  const clock = new XStateClock();
  const noop = fromCallback(() => () => {});
  const actor = createActor(
    sessionMachine.provide({
      actors: { llm: noop as never, speech: noop as never, tool: noop as never },
    }),
    { clock, input: { config: { minEndpointingDelay: 0 } } },
  ).start();
  let events = 0;
  let t = 0;
  const send = (event: Parameters<typeof actor.send>[0]) => {
    events++;
    actor.send(event);
  };
  const start = performance.now();
  for (let i = 0; i < CYCLES; i++) {
    t += 1000;
    send({ type: 'vad.speechStarted', at: t, startedAt: t });
    send({ type: 'stt.interim', at: t + 200, text: 'hello' });
    send({ type: 'vad.speechEnded', at: t + 500, endedAt: t + 400 });
    send({ type: 'stt.final', at: t + 550, text: 'hello there' });
    clock.increment(1000);
    const ctx = actor.getSnapshot().context;
    const generationId = ctx.generation?.id ?? '';
    const segmentId = ctx.reply?.segmentId ?? '';
    for (let k = 0; k < 10; k++) {
      send({ type: 'llm.delta', at: t + 600 + k, generationId, text: 'word ' });
    }
    send({ type: 'llm.done', at: t + 620, generationId });
    send({ type: 'tts.firstAudio', at: t + 650, segmentId });
    send({ type: 'playout.started', at: t + 650, segmentId });
    send({ type: 'tts.done', at: t + 660, segmentId, remainingMs: 100 });
    send({
      type: 'playout.finished',
      at: t + 760,
      segmentId,
      positionMs: 110,
      interrupted: false,
      words: null,
    });
  }
  const ms = performance.now() - start;
  const turns = actor.getSnapshot().context.stats.userTurns;
  actor.stop();
  return { events, ms, turns };
}

const fmt = (x: number) => x.toFixed(3);
const overhead = await frameworkOverhead();
console.log(
  `framework overhead, turn committed → first TTS frame out (zero-latency fakes, ${overhead.samples.length} of ${overhead.turns} turns):`,
);
console.log(
  `  median ${fmt(percentile(overhead.samples, 50))} ms   p95 ${fmt(percentile(overhead.samples, 95))} ms   max ${fmt(overhead.samples.at(-1) ?? Number.NaN)} ms`,
);
console.log(
  `  ${(overhead.simulatedMs / 1000).toFixed(0)} s of conversation simulated in ${(overhead.wallMs / 1000).toFixed(2)} s of wall time`,
);
const throughput = machineThroughput();
console.log(`session machine throughput (${throughput.turns} full turns, no I/O):`);
console.log(
  `  ${Math.round((throughput.events / throughput.ms) * 1000).toLocaleString('en')} events/s   (${fmt((throughput.ms * 1000) / throughput.events)} µs per event)`,
);
