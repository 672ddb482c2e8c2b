/**
 * Runs one scenario through the real session statechart and actors on a SimulatedClock.
 *
 * - events mode: no audio at all; the scripted VAD and STT report the caller's script.
 * - audio mode: the caller's lines are synthesized with Flite before the run (plus procedural
 *   noises and background noise at an SNR), and each 20 ms frame goes through RNNoise and the
 *   real Silero VAD; the STT is the script's oracle or pocketsphinx, the TTS fake or Flite.
 *
 * Real providers compute in wall time; virtual time only moves on once they are done (see
 * tracked-providers.ts), so every run is deterministic and still faster than real time.
 */
import type { AudioFrame } from '../audio/audio-frame.ts';
import { createStatelyRecorder } from '../inspect/stately.ts';
import { resolveSessionConfig } from '../machines/session-config.ts';
import { AsyncQueue } from '../providers/async-queue.ts';
import type { Llm } from '../providers/llm.ts';
import type { NoiseCanceller } from '../providers/noise-canceller.ts';
import { StreamTts } from '../providers/stream-tts.ts';
import type { Stt } from '../providers/stt.ts';
import type { Tts } from '../providers/tts.ts';
import type { TurnDetector } from '../providers/turn-detector.ts';
import type { Vad } from '../providers/vad.ts';
import { createAgentSession } from '../session/agent-session.ts';
import { ClockedAudioOutput } from '../session/audio-output.ts';
import { SimulatedClock } from '../session/clock.ts';
import { CallerSimulator, type CallerTrigger } from '../sim/caller.ts';
import { FakeTts, FakeTurnDetector } from '../sim/fake-providers.ts';
import { BackgroundNoise } from '../sim/noise.ts';
import {
  heuristicTurnProbability,
  ScriptedStt,
  ScriptedVad,
  SimulatedLlm,
  type SimulatedLlmRequest,
} from '../sim/scripted-providers.ts';
import { type FunctionTool, tool } from '../tools/function-tool.ts';
import { CallerMixer, FRAME_MS, RATE, rms, synthesizeLines } from './caller-audio.ts';
import { MetricsCollector } from './metrics.ts';
import type { ScenarioResult } from './metrics-types.ts';
import type { Scenario } from './scenario-types.ts';
import { TrackedTts, TrackedTurnDetector, TrackedVad } from './tracked-providers.ts';

/** Longest a scenario may run past its last step before it counts as wedged. */
const SETTLE_LIMIT_MS = 120_000;

export interface RunScenarioOptions {
  /** Where the scenario came from, for reports. */
  file?: string;
  /** Receives the run's inspection log (Stately wire-format JSONL, session-time stamps). */
  onInspectLog?: (jsonl: string) => void;
}

function scenarioTools(scenario: Scenario): FunctionTool[] {
  const byName = new Map<string, unknown>();
  for (const c of scenario.agent?.toolCalls ?? [])
    if (!byName.has(c.name)) byName.set(c.name, c.result);
  return [...byName].map(([name, result]) =>
    tool({
      name,
      description: `scripted tool ${name}`,
      parameters: { type: 'object', properties: {} },
      execute: () => result ?? { ok: true },
    }),
  );
}

/** Runs a scenario; never throws for a scenario's own failures (they are in the result). */
export async function runScenario(
  scenario: Scenario,
  opts: RunScenarioOptions = {},
): Promise<ScenarioResult> {
  const wallStart = performance.now();
  const mode = scenario.mode ?? 'events';
  const clock = new SimulatedClock();
  const seed = scenario.seed ?? 1;
  const providers = scenario.providers ?? {};
  const config = resolveSessionConfig(scenario.config ?? {});

  const speech = mode === 'audio' ? await synthesizeLines(scenario) : null;
  const caller = new CallerSimulator({
    clock,
    steps: scenario.user.steps,
    ...(scenario.user.wordsPerSecond !== undefined
      ? { wordsPerSecond: scenario.user.wordsPerSecond }
      : {}),
    ...(speech
      ? { durationOf: (text: string) => ((speech.get(text)?.length ?? RATE / 5) / RATE) * 1000 }
      : {}),
  });

  // Providers: scripted from the caller, or the real local ones in audio mode.
  const vadChoice = providers.vad?.type ?? (mode === 'audio' ? 'silero' : 'scripted');
  let tracked: TrackedVad | null = null;
  let vad: Vad;
  if (vadChoice === 'silero') {
    if (mode !== 'audio') throw new Error('providers.vad: silero needs mode: audio');
    const { SileroVad } = await import('../providers/local/silero-vad.ts');
    tracked = new TrackedVad(new SileroVad());
    vad = tracked;
  } else {
    const v = providers.vad?.type === 'scripted' ? providers.vad : {};
    vad = new ScriptedVad({ clock, caller, ...v });
  }
  let noiseCanceller: NoiseCanceller | null = null;
  const ncChoice = providers.noiseCanceller?.type ?? (mode === 'audio' ? 'rnnoise' : 'none');
  if (ncChoice === 'rnnoise' && mode === 'audio') {
    const { RnnoiseCanceller } = await import('../providers/local/rnnoise.ts');
    noiseCanceller = await RnnoiseCanceller.create();
  }
  let stt: Stt;
  let recognizer: { busy: boolean; close(): Promise<void> } | null = null;
  if (providers.stt?.type === 'pocketsphinx') {
    if (mode !== 'audio') throw new Error('providers.stt: pocketsphinx needs mode: audio');
    const { PocketsphinxStt } = await import('../providers/local/pocketsphinx-stt.ts');
    const ps = new PocketsphinxStt({ resetAdaptation: true });
    await ps.prewarm();
    recognizer = ps;
    stt = ps;
  } else {
    stt = new ScriptedStt({ clock, caller, ...(providers.stt ?? {}) });
  }
  let llm: Llm;
  let simulated: SimulatedLlm | null = null;
  // biome-ignore lint/suspicious/noExplicitAny: tools have their own argument types
  let tools: FunctionTool<any>[] = scenarioTools(scenario);
  if (providers.llm?.type === 'rule-based') {
    const { RuleBasedLlm, demoWeatherTool } = await import('../providers/local/rule-based-llm.ts');
    llm = new RuleBasedLlm();
    tools = [...tools, demoWeatherTool];
  } else {
    const l = providers.llm ?? { type: 'fake' as const };
    simulated = new SimulatedLlm({
      clock,
      seed,
      ...(scenario.agent?.replies ? { replies: scenario.agent.replies } : {}),
      ...(scenario.agent?.toolCalls ? { toolCalls: scenario.agent.toolCalls } : {}),
      ...l,
    });
    llm = simulated;
  }
  const ttsOpts = providers.tts ?? { type: 'fake' as const };
  let tts: Tts;
  let synthesizer: TrackedTts | null = null;
  if (ttsOpts.type === 'flite') {
    const { FliteTts } = await import('../providers/local/flite-tts.ts');
    const flite = new FliteTts({ voice: ttsOpts.voice ?? 'slt' });
    await flite.prewarm();
    synthesizer = new TrackedTts(flite);
    tts = new StreamTts(synthesizer);
  } else {
    tts = new FakeTts({
      clock,
      ttfbMs: ttsOpts.ttfbMs ?? 150,
      wordsPerSecond: ttsOpts.wordsPerSecond ?? 3,
      ...(ttsOpts.failAfterWords !== undefined ? { failAfterWords: ttsOpts.failAfterWords } : {}),
    });
  }
  let turnDetector: TurnDetector | null = null;
  let predictor: TrackedTurnDetector | null = null;
  const td = providers.turnDetector ?? { type: 'fake' as const };
  if (td.type === 'onnx') {
    const { OnnxTurnDetector } = await import('../providers/local/onnx-turn-detector.ts');
    const onnx = new OnnxTurnDetector();
    await onnx.prewarm();
    predictor = new TrackedTurnDetector(onnx);
    turnDetector = predictor;
  } else if (td.type === 'fake') {
    const p = td.probability ?? 'heuristic';
    turnDetector = new FakeTurnDetector({
      clock,
      latencyMs: td.latencyMs ?? 20,
      probability: p === 'heuristic' ? heuristicTurnProbability : () => p,
    });
  }

  const collector = new MetricsCollector(caller);
  const output = new ClockedAudioOutput({
    clock,
    sampleRate: tts.capabilities.sampleRate,
    onSpan: collector.onSpan,
  });
  const input = new AsyncQueue<AudioFrame>();
  const recorder = opts.onInspectLog ? createStatelyRecorder({ clock }) : null;
  const session = createAgentSession({
    ...(recorder ? { inspect: recorder.observer } : {}),
    clock,
    vad,
    stt,
    llm,
    tts,
    turnDetector,
    noiseCanceller,
    tools,
    input,
    output,
    config,
    ...(scenario.agent?.instructions !== undefined
      ? { instructions: scenario.agent.instructions }
      : {}),
  });
  const triggers: Record<string, CallerTrigger> = {
    SPEAKING: 'agent.speaking',
    THINKING: 'agent.thinking',
    LISTENING: 'agent.listening',
    IDLE: 'agent.idle',
  };
  session.on('*', (event) => {
    collector.onEvent(event, session.stats);
    if (event.type === 'agent.stateChanged') {
      const t = triggers[event.to];
      if (t) caller.agentEvent(t);
    }
    if (event.type === 'agent.paused') caller.agentEvent('agent.paused');
  });
  for (const s of scenario.agent?.say ?? []) {
    clock.setTimeout(
      () =>
        session.say(
          s.text,
          s.allowInterruptions === undefined ? {} : { allowInterruptions: s.allowInterruptions },
        ),
      s.at,
    );
  }

  let mixer: CallerMixer | null = null;
  if (speech) {
    const all = [...speech.values()];
    const signalRms = all.length > 0 ? all.reduce((a, x) => a + rms(x), 0) / all.length : 0.1;
    const background =
      scenario.user.noiseSnrDb === undefined
        ? null
        : new BackgroundNoise({ snrDb: scenario.user.noiseSnrDb, signalRms, seed: seed + 1 });
    mixer = new CallerMixer(speech, background, seed);
    const m = mixer;
    caller.listen({ segmentStarted: (s) => m.start(s) });
  }

  caller.start();
  const tailMs = scenario.tailMs ?? 6000;
  let error: string | undefined;
  for (;;) {
    const now = clock.now();
    const doneAt = caller.doneAt;
    if (doneAt !== null && now >= doneAt + tailMs && session.agentState === 'IDLE') break;
    if (doneAt !== null && now >= doneAt + tailMs + SETTLE_LIMIT_MS) {
      error = `the session did not return to IDLE within ${SETTLE_LIMIT_MS} ms after the script ended (state ${session.agentState})`;
      break;
    }
    if (mixer) input.push(mixer.frame(now));
    await clock.advance(mixer ? FRAME_MS : 50);
    // Real providers compute in wall time: virtual time waits for them, so runs repeat exactly.
    const busy = () => tracked?.busy || recognizer?.busy || synthesizer?.busy || predictor?.busy;
    for (let spins = 0; busy() && spins < 1_000_000; spins++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const durationMs = clock.now();
  const chat = session.chat;
  const stats = session.stats;
  input.end();
  await session.close();
  await Promise.allSettled([
    vad.close(),
    noiseCanceller?.close(),
    recognizer?.close(),
    tts.close(),
    turnDetector?.close(),
  ]);
  if (recorder) {
    await recorder.settled();
    opts.onInspectLog?.(recorder.text());
  }
  const llmRequests: readonly SimulatedLlmRequest[] = simulated?.requests ?? [];
  const result = collector.result({
    name: scenario.name,
    description: scenario.description ?? '',
    file: opts.file ?? '',
    mode,
    durationMs,
    wallMs: performance.now() - wallStart,
    chat,
    stats,
    llmRequests,
    expect: scenario.expect ?? {},
  });
  if (error) return { ...result, ok: false, error };
  return result;
}
