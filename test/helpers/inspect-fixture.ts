/**
 * A short simulated conversation for the inspector's tests: the real session on a SimulatedClock
 * with the simulator's fake providers, a scripted user who asks a question and later talks over
 * the agent's (long) answer, so a log holds two turns, one of them cut.
 */
import type { InspectOption } from '../../src/inspect/live.ts';
import { createStatelyRecorder } from '../../src/inspect/stately.ts';
import { type AgentSession, createAgentSession } from '../../src/session/agent-session.ts';
import { ClockedAudioOutput } from '../../src/session/audio-output.ts';
import { SimulatedClock } from '../../src/session/clock.ts';
import {
  FakeLlm,
  FakeStt,
  FakeTts,
  FakeVad,
  type ScriptedUtterance,
  scriptedMicrophone,
} from '../../src/sim/fake-providers.ts';

/** The user asks, then interrupts the long answer, then listens to the short one. */
export const INSPECT_SCRIPT: readonly ScriptedUtterance[] = [
  { text: 'what is the weather like in paris today', startMs: 300, durationMs: 1500 },
  { text: 'sorry, and in london', startMs: 4200, durationMs: 1200 },
];

export const LONG_ANSWER =
  'In Paris it is eight degrees and windy, with a little rain expected in the evening, ' +
  'so take a coat and an umbrella if you go out tonight.';
export const SHORT_ANSWER = 'In London it is eleven degrees and cloudy.';

export interface InspectedConversation {
  clock: SimulatedClock;
  session: AgentSession;
  /** Virtual ms after which the conversation is over (input ended, last answer played). */
  endMs: number;
}

export interface ConversationOptions {
  /** How the session is inspected, or a function of the clock (a recorder stamps with it). */
  inspect: InspectOption | { fromClock: (clock: SimulatedClock) => InspectOption };
  script?: readonly ScriptedUtterance[];
}

/** Starts the conversation; the caller drives `clock` and closes `session`. */
export function startInspectedConversation(opts: ConversationOptions): InspectedConversation {
  const clock = new SimulatedClock();
  const script = opts.script ?? INSPECT_SCRIPT;
  let replies = 0;
  const inspect =
    typeof opts.inspect === 'object' && 'fromClock' in opts.inspect
      ? opts.inspect.fromClock(clock)
      : opts.inspect;
  const session = createAgentSession({
    clock,
    vad: new FakeVad(),
    stt: new FakeStt({ clock, script, finalLatencyMs: 120 }),
    llm: new FakeLlm({
      clock,
      ttftMs: 180,
      tokenIntervalMs: 15,
      reply: () => ({ text: replies++ === 0 ? LONG_ANSWER : SHORT_ANSWER }),
    }),
    tts: new FakeTts({ clock, ttfbMs: 150, wordsPerSecond: 4 }),
    input: scriptedMicrophone({ clock, script, tailMs: 4500 }),
    output: new ClockedAudioOutput({ clock }),
    instructions: 'You are Chart, a weather assistant.',
    inspect,
  });
  const last = Math.max(...script.map((u) => u.startMs + u.durationMs));
  return { clock, session, endMs: last + 4500 };
}

/** Runs the whole conversation with a recorder and returns the JSONL log. */
export async function recordInspectLog(opts: { redact?: boolean } = {}): Promise<string> {
  let recorder: ReturnType<typeof createStatelyRecorder> | undefined;
  const conv = startInspectedConversation({
    inspect: {
      fromClock: (clock) => {
        recorder = createStatelyRecorder({ clock, redact: opts.redact ?? false });
        return recorder.observer;
      },
    },
  });
  for (let t = 0; t < conv.endMs; t += 50) await conv.clock.advance(50);
  await conv.session.close();
  await recorder!.settled();
  return recorder!.text();
}
