/**
 * npm run demo: an offline conversation through the real session statechart and actors, with
 * simulated providers (no audio devices, no network, no API keys). The scripted user asks a
 * question, says "mhm" over the answer (a backchannel: the agent pauses and resumes), then
 * interrupts for real. Prints the timeline and the chat the agent keeps (only what was heard).
 */
import {
  ClockedAudioOutput,
  createAgentSession,
  FakeLlm,
  FakeStt,
  FakeTts,
  FakeTurnDetector,
  FakeVad,
  type ScriptedUtterance,
  SimulatedClock,
  scriptedMicrophone,
} from '../src/index.ts';

const clock = new SimulatedClock();
const script: ScriptedUtterance[] = [
  { text: 'Hi, what can you tell me about the solar system?', startMs: 500, durationMs: 2200 },
  { text: 'mhm', startMs: 5200, durationMs: 600 },
  { text: 'Wait, how many moons does Jupiter have?', startMs: 9500, durationMs: 1800 },
];
const answers: Record<string, string> = {
  solar:
    'The solar system has eight planets orbiting the Sun. The four inner planets are rocky, the four outer ones are giants made mostly of gas and ice, and beyond them lies the Kuiper belt.',
  moons: 'Jupiter has ninety-five known moons.',
};

const session = createAgentSession({
  clock,
  instructions: 'You are a friendly astronomy guide.',
  vad: new FakeVad(),
  stt: new FakeStt({ clock, script, finalLatencyMs: 150 }),
  turnDetector: new FakeTurnDetector({
    clock,
    latencyMs: 30,
    probability: (t) => (t.endsWith('?') ? 0.95 : 0.4),
  }),
  llm: new FakeLlm({
    clock,
    ttftMs: 350,
    tokenIntervalMs: 25,
    reply: (messages) => {
      const last = messages.at(-1)?.content ?? '';
      return { text: /moon/i.test(last) ? answers.moons : answers.solar };
    },
  }),
  tts: new FakeTts({ clock, ttfbMs: 180, wordsPerSecond: 2.8 }),
  input: scriptedMicrophone({ clock, script, tailMs: 6000 }),
  output: new ClockedAudioOutput({ clock }),
});

const t = (ms: number) => `${(ms / 1000).toFixed(2).padStart(6)} s`;
session.on('*', (e) => {
  switch (e.type) {
    case 'agent.stateChanged':
      console.log(`${t(e.at)}  agent ${e.from} → ${e.to}`);
      break;
    case 'user.transcript':
      if (e.final) console.log(`${t(e.at)}  user said: "${e.text}"`);
      break;
    case 'user.turnCompleted':
      console.log(`${t(e.at)}  turn committed`);
      break;
    case 'agent.paused':
      console.log(`${t(e.at)}  agent paused (user barged in)`);
      break;
    case 'agent.falseInterruptionResumed':
      console.log(`${t(e.at)}  agent resumed (${e.reason})`);
      break;
    case 'agent.interrupted':
      console.log(`${t(e.at)}  agent interrupted after "${e.playedText}"`);
      break;
    case 'metrics':
      console.log(
        `${t(e.at)}  metrics: end-of-utterance ${e.metrics.endOfUtteranceDelayMs} ms, voice-to-voice ${e.metrics.voiceToVoiceMs} ms, speculative reply reused: ${e.metrics.speculativeReused}`,
      );
      break;
    case 'error':
      console.log(`${t(e.at)}  error (${e.source}): ${e.message}`);
      break;
  }
});

let ended = false;
session.on('input.ended', () => {
  ended = true;
});
while (!ended || session.agentState !== 'IDLE') await clock.advance(100);

console.log('\nchat kept by the agent:');
for (const m of session.chat) {
  const flag = 'interrupted' in m && m.interrupted ? ' [interrupted]' : '';
  console.log(`  ${m.role}${flag}: ${m.content}`);
}
const s = session.stats;
console.log(
  `\n${s.userTurns} user turns, ${s.llmRequests} LLM requests (${s.speculativeReused} speculative reused, ${s.speculativeDiscarded} discarded), ${s.interruptions} interruption, ${s.backchannelResumes} backchannel resume`,
);
await session.close();
