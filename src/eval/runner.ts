/**
 * Runs one scenario through the real session statechart and actors on a SimulatedClock.
 *
 * - events mode: no audio at all; the scripted VAD and STT report the caller's script.
 * - audio mode: the caller's lines are synthesized with Flite before the run (plus procedural
 *   noises and background noise at an SNR), and each 20 ms frame goes through RNNoise and the
 *   real Silero VAD; virtual time only moves on once the VAD has analysed every frame, so the
 *   run is deterministic and still faster than real time. The STT stays an oracle of the script.
 */
import { AudioFrame } from '../audio/audio-frame.ts';
import { concatFrames } from '../audio/mix.ts';
import { floatToInt16 } from '../audio/pcm.ts';
import { createStatelyRecorder } from '../inspect/stately.ts';
import { resolveSessionConfig } from '../machines/session-config.ts';
import { AsyncQueue } from '../providers/async-queue.ts';
import type { Llm } from '../providers/llm.ts';
import type { NoiseCanceller } from '../providers/noise-canceller.ts';
import { StreamTts } from '../providers/stream-tts.ts';
import type { Stt } from '../providers/stt.ts';
import type { Tts, TtsChunk, TtsRequestOptions, TtsStream } from '../providers/tts.ts';
import type { EndOfTurnRequest, TurnDetector } from '../providers/turn-detector.ts';
import type { Vad, VadEvent, VadStream } from '../providers/vad.ts';
import { createAgentSession } from '../session/agent-session.ts';
import { ClockedAudioOutput } from '../session/audio-output.ts';
import { SimulatedClock } from '../session/clock.ts';
import {
  type CallerSegment,
  CallerSimulator,
  type CallerTrigger,
  splitLine,
} from '../sim/caller.ts';
import { FakeTts, FakeTurnDetector } from '../sim/fake-providers.ts';
import { BackgroundNoise, type NoiseKind, noiseSound } from '../sim/noise.ts';
import {
  heuristicTurnProbability,
  ScriptedStt,
  ScriptedVad,
  SimulatedLlm,
  type SimulatedLlmRequest,
} from '../sim/scripted-providers.ts';
import { type FunctionTool, tool } from '../tools/function-tool.ts';
import { MetricsCollector } from './metrics.ts';
import type { ScenarioResult } from './metrics-types.ts';
import type { Scenario } from './scenario-types.ts';

const RATE = 16000;
const FRAME_MS = 20;

/** Longest a scenario may run past its last step before it counts as wedged. */
const SETTLE_LIMIT_MS = 120_000;

export interface RunScenarioOptions {
  /** Where the scenario came from, for reports. */
  file?: string;
  /** Receives the run's inspection log (Stately wire-format JSONL, session-time stamps). */
  onInspectLog?: (jsonl: string) => void;
}

/** A VAD wrapper that knows when every pushed window has been analysed. */
class TrackedVad implements Vad {
  readonly inner: Vad;
  private pushed = 0;
  private analysed = 0;
  constructor(inner: Vad) {
    this.inner = inner;
  }
  get label() {
    return this.inner.label;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  updateOptions(o: object) {
    this.inner.updateOptions(o);
  }
  prewarm() {
    return this.inner.prewarm();
  }
  close() {
    return this.inner.close();
  }
  /** True when every complete window pushed so far produced its inference event. */
  get idle(): boolean {
    const window = (this.inner.capabilities.windowMs * this.inner.capabilities.sampleRate) / 1000;
    return this.analysed >= Math.floor(this.pushed / window);
  }
  stream(): VadStream {
    const s = this.inner.stream();
    const self = this;
    return {
      pushFrame(frame) {
        self.pushed += frame.samplesPerChannel;
        s.pushFrame(frame);
      },
      endInput: () => s.endInput(),
      close: () => s.close(),
      async *[Symbol.asyncIterator](): AsyncIterator<VadEvent> {
        for await (const e of s) {
          if (e.type === 'inference') self.analysed++;
          yield e;
        }
      },
    };
  }
}

/** A turn detector wrapper that knows whether a prediction is under way. */
class TrackedTurnDetector implements TurnDetector {
  readonly inner: TurnDetector;
  private inFlight = 0;
  constructor(inner: TurnDetector) {
    this.inner = inner;
  }
  get label() {
    return this.inner.label;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  get busy(): boolean {
    return this.inFlight > 0;
  }
  updateOptions(o: object) {
    this.inner.updateOptions(o);
  }
  prewarm() {
    return this.inner.prewarm();
  }
  close() {
    return this.inner.close();
  }
  async predictEndOfTurn(req: EndOfTurnRequest): Promise<number> {
    this.inFlight++;
    try {
      return await this.inner.predictEndOfTurn(req);
    } finally {
      this.inFlight--;
    }
  }
}

/** A TTS wrapper that knows whether a synthesis is under way. */
class TrackedTts implements Tts {
  readonly inner: Tts;
  private inFlight = 0;
  constructor(inner: Tts) {
    this.inner = inner;
  }
  get label() {
    return this.inner.label;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  get busy(): boolean {
    return this.inFlight > 0;
  }
  updateOptions(o: object) {
    this.inner.updateOptions(o);
  }
  prewarm() {
    return this.inner.prewarm();
  }
  close() {
    return this.inner.close();
  }
  async *synthesize(text: string, opts?: TtsRequestOptions): AsyncGenerator<TtsChunk> {
    this.inFlight++;
    try {
      yield* this.inner.synthesize(text, opts);
    } finally {
      this.inFlight--;
    }
  }
  stream(): TtsStream {
    throw new Error('TrackedTts: wrap it in StreamTts');
  }
}

/** Synthesized caller speech, shared by the scenarios of a suite. */
const speechCache = new Map<string, Float32Array>();

async function synthesizeLines(scenario: Scenario): Promise<Map<string, Float32Array>> {
  const { FliteTts } = await import('../providers/local/flite-tts.ts');
  const voice = scenario.user.voice ?? 'rms';
  const parts = scenario.user.steps.flatMap((s) => (s.say ? splitLine(s.say).parts : []));
  const missing = [...new Set(parts)].filter((p) => !speechCache.has(`${voice}|${p}`));
  if (missing.length > 0) {
    const tts = new FliteTts({ voice: voice as 'rms', leadingSilenceMs: 0 });
    try {
      for (const text of missing) {
        const frames: AudioFrame[] = [];
        for await (const c of tts.synthesize(text)) frames.push(c.frame);
        speechCache.set(`${voice}|${text}`, trimSilence(concatFrames(frames)));
      }
    } finally {
      await tts.close();
    }
  }
  return new Map(parts.map((p) => [p, speechCache.get(`${voice}|${p}`)!]));
}

/** Float samples without the leading and trailing silence (a 16 kHz mono frame in). */
function trimSilence(frame: AudioFrame): Float32Array {
  const d = frame.data;
  const threshold = 300;
  let a = 0;
  while (a < d.length && Math.abs(d[a]!) < threshold) a++;
  let b = d.length;
  while (b > a && Math.abs(d[b - 1]!) < threshold) b--;
  const out = new Float32Array(Math.max(1, b - a));
  for (let i = a; i < b; i++) out[i - a] = d[i]! / 32768;
  return out;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** The caller's sound as 20 ms frames: the segments playing, plus background noise. */
class CallerMixer {
  private readonly active: { startSample: number; data: Float32Array }[] = [];
  private readonly speech: Map<string, Float32Array>;
  private readonly background: BackgroundNoise | null;
  private readonly seed: number;
  private noiseCount = 0;

  constructor(speech: Map<string, Float32Array>, background: BackgroundNoise | null, seed: number) {
    this.speech = speech;
    this.background = background;
    this.seed = seed;
  }

  start(segment: CallerSegment): void {
    const data =
      segment.kind === 'speech'
        ? (this.speech.get(segment.text) ?? new Float32Array(1))
        : noiseSound(
            segment.text as NoiseKind,
            segment.endMs - segment.startMs,
            RATE,
            this.seed * 7919 + ++this.noiseCount,
          );
    this.active.push({ startSample: Math.round((segment.startMs * RATE) / 1000), data });
  }

  /** The frame starting at `atMs`. */
  frame(atMs: number): AudioFrame {
    const n = (RATE * FRAME_MS) / 1000;
    const first = Math.round((atMs * RATE) / 1000);
    const out = new Float32Array(n);
    for (const src of this.active) {
      for (let i = 0; i < n; i++) {
        const k = first + i - src.startSample;
        if (k >= 0 && k < src.data.length) out[i] = out[i]! + src.data[k]!;
      }
    }
    for (let i = this.active.length - 1; i >= 0; i--) {
      const src = this.active[i]!;
      if (src.startSample + src.data.length < first) this.active.splice(i, 1);
    }
    this.background?.addTo(out);
    const pcm = new Int16Array(n);
    for (let i = 0; i < n; i++) pcm[i] = floatToInt16(out[i]!);
    return new AudioFrame(pcm, RATE, 1, atMs);
  }
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
    const busy = () =>
      (tracked !== null && !tracked.idle) ||
      recognizer?.busy ||
      synthesizer?.busy ||
      predictor?.busy;
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
