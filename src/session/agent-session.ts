/**
 * `createAgentSession()`: the session machine wired to providers, an audio input and an audio
 * output. It owns the audio plumbing (frame buses, actors) and translates the machine into a
 * small typed API: commands, events, state.
 */
import { type Actor, createActor } from 'xstate';
import {
  audioInputActor,
  noiseCancellerActor,
  sttActor,
  vadActor,
} from '../actors/input.actors.ts';
import { llmActor, speechActor, toolActor, turnDetectorActor } from '../actors/reply.actors.ts';
import type { AudioFrame } from '../audio/audio-frame.ts';
import { type InspectOption, resolveInspector } from '../inspect/live.ts';
import { sessionMachine } from '../machines/session.machine.ts';
import { resolveSessionConfig, type SessionConfig } from '../machines/session-config.ts';
import type {
  AgentState,
  SessionContext,
  SessionEmitted,
  SessionStats,
  UserState,
} from '../machines/session-types.ts';
import type { Llm } from '../providers/llm.ts';
import type { NoiseCanceller, NoiseCancellerSelector } from '../providers/noise-canceller.ts';
import type { Stt } from '../providers/stt.ts';
import type { Tts } from '../providers/tts.ts';
import type { TurnDetector } from '../providers/turn-detector.ts';
import type { Vad } from '../providers/vad.ts';
import type { ChatMessage } from '../text/chat-context.ts';
import type { FunctionTool } from '../tools/function-tool.ts';
import type { AudioOutput } from './audio-output.ts';
import { type SessionClock, SystemClock } from './clock.ts';
import { FrameBus } from './frame-bus.ts';

export interface AgentSessionOptions {
  stt: Stt;
  llm: Llm;
  tts: Tts;
  vad: Vad;
  turnDetector?: TurnDetector | null;
  /**
   * Noise cancellation of the input, or a selector that picks one for the transport (e.g. a
   * telephony-tuned model for 8 kHz SIP audio, or none).
   */
  noiseCanceller?: NoiseCanceller | NoiseCancellerSelector | null;
  /** What carries the user's audio; passed to a noise-canceller selector. */
  transport?: { name: string; sampleRate: number };
  // biome-ignore lint/suspicious/noExplicitAny: tools have their own argument types
  tools?: readonly FunctionTool<any>[];
  /** System prompt, first message of the chat. */
  instructions?: string;
  /** Chat to start from. */
  chat?: readonly ChatMessage[];
  /** The user's audio, any rate or channel count (resampled to `analysisSampleRate`). */
  input: AsyncIterable<AudioFrame>;
  output: AudioOutput;
  /** Every turn-taking threshold, in ms; see `SessionConfig`. */
  config?: Partial<SessionConfig>;
  /** Defaults to wall time; pass a `SimulatedClock` for deterministic runs. */
  clock?: SessionClock;
  /**
   * Inspection: `'local'` (live to `voicechart inspect`), `'stately'` (Stately's inspector,
   * redacted), `{ url }` (any receiver of Stately events), or a callback / observer of every
   * XState inspection event (e.g. `createStatelyRecorder(...).observer` for a JSONL log).
   */
  inspect?: InspectOption;
  /** Rate VAD, STT and the turn detector work at. */
  analysisSampleRate?: number;
}

/** Public events: the machine's emitted events plus state changes and end of input. */
export type AgentSessionEvent =
  | SessionEmitted
  | { type: 'agent.stateChanged'; at: number; from: AgentState; to: AgentState }
  | { type: 'user.stateChanged'; at: number; from: UserState; to: UserState }
  | { type: 'input.ended'; at: number };

type Handler<T extends AgentSessionEvent['type'] | '*'> = (
  event: T extends '*' ? AgentSessionEvent : Extract<AgentSessionEvent, { type: T }>,
) => void;

export interface AgentSession {
  /** The running XState actor, for inspection and snapshots. */
  readonly actor: Actor<typeof sessionMachine>;
  readonly clock: SessionClock;
  readonly agentState: AgentState;
  readonly userState: UserState;
  readonly chat: readonly ChatMessage[];
  readonly stats: SessionStats;
  readonly config: SessionConfig;
  /** Speak `text` (queued behind the current speech). */
  say(text: string, opts?: { allowInterruptions?: boolean; addToChat?: boolean }): void;
  /** Ask the LLM for a reply now, optionally with extra instructions or a text user input. */
  generateReply(opts?: {
    instructions?: string;
    userInput?: string;
    allowInterruptions?: boolean;
  }): void;
  /** Stop the current speech and drop queued ones. */
  interrupt(): void;
  /** Change thresholds while running; throws on invalid values (the session keeps the old). */
  updateConfig(patch: Partial<SessionConfig>): void;
  on<T extends AgentSessionEvent['type'] | '*'>(type: T, handler: Handler<T>): () => void;
  /** Resolves when the agent is in `state` (now or later). */
  waitFor(state: AgentState): Promise<void>;
  /** Stops every actor; providers stay open (they may be shared). */
  close(): Promise<void>;
}

function selectCanceller(options: AgentSessionOptions): NoiseCanceller | null {
  const nc = options.noiseCanceller ?? null;
  if (typeof nc !== 'function') return nc;
  const rate = options.analysisSampleRate ?? 16000;
  const transport = options.transport ?? { name: 'unknown', sampleRate: rate };
  return nc({ transport: transport.name, sampleRate: transport.sampleRate }) ?? null;
}

/**
 * Creates and starts a voice-agent session.
 *
 * @example
 * const session = createAgentSession({ stt, llm, tts, vad, input: mic, output: speaker,
 *   instructions: 'You are a helpful receptionist.', config: { minEndpointingDelay: 400 } });
 * session.on('user.turnCompleted', (e) => console.log('user:', e.text));
 * session.on('metrics', (e) => console.log('voice-to-voice', e.metrics.voiceToVoiceMs));
 */
export function createAgentSession(options: AgentSessionOptions): AgentSession {
  const clock = options.clock ?? new SystemClock();
  const raw = new FrameBus();
  const clean = new FrameBus();
  const tools = options.tools ?? [];
  const listeners = new Map<string, Set<(event: AgentSessionEvent) => void>>();
  const dispatch = (event: AgentSessionEvent) => {
    for (const key of [event.type, '*']) {
      for (const fn of listeners.get(key) ?? []) fn(event);
    }
  };
  const endInput = (at: number) => dispatch({ type: 'input.ended', at });
  const input = notifyingEnd(options.input, () => endInput(clock.now()));

  // An output that cannot pause cannot resume a false interruption: stop instead.
  const configPatch = options.output.canPause
    ? (options.config ?? {})
    : { ...options.config, resumeFalseInterruption: false };
  const config = resolveSessionConfig(configPatch);

  // A canceller the selector made belongs to this session (closed with it); one passed in is shared.
  const selected = selectCanceller(options);
  const ownsCanceller = typeof options.noiseCanceller === 'function' && selected !== null;

  const inspector = resolveInspector(options.inspect, clock);

  const machine = sessionMachine.provide({
    actors: {
      audioInput: audioInputActor({
        input,
        bus: raw,
        clock,
        sampleRate: options.analysisSampleRate ?? 16000,
      }),
      noiseCanceller: noiseCancellerActor({
        from: raw,
        to: clean,
        canceller: selected,
        clock,
      }),
      vad: vadActor({ bus: clean, vad: options.vad, clock }),
      stt: sttActor({ bus: clean, stt: options.stt, clock }),
      turnDetector: turnDetectorActor({ detector: options.turnDetector ?? null, clock }),
      llm: llmActor({ llm: options.llm, tools, clock }),
      speech: speechActor({ tts: options.tts, output: options.output, clock }),
      tool: toolActor({ tools, clock }),
    },
  });

  const actor = createActor(machine, {
    clock,
    input: {
      config,
      hasTurnDetector: Boolean(options.turnDetector),
      ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
      ...(options.chat ? { chat: options.chat } : {}),
    },
    ...(inspector.observer ? { inspect: inspector.observer } : {}),
  });

  const agentStateOf = (value: unknown): AgentState => {
    const agent = (value as { agent: string | Record<string, unknown> }).agent;
    return (typeof agent === 'string' ? agent : Object.keys(agent)[0]) as AgentState;
  };
  const userStateOf = (value: unknown): UserState => (value as { user: UserState }).user;
  let agentState: AgentState = 'IDLE';
  let userState: UserState = 'silent';
  actor.on('*', (event) => dispatch(event as SessionEmitted));
  actor.subscribe({
    next: (snapshot) => {
      const a = agentStateOf(snapshot.value);
      const u = userStateOf(snapshot.value);
      const at = clock.now();
      if (a !== agentState) {
        const from = agentState;
        agentState = a;
        dispatch({ type: 'agent.stateChanged', at, from, to: a });
      }
      if (u !== userState) {
        const from = userState;
        userState = u;
        dispatch({ type: 'user.stateChanged', at, from, to: u });
      }
    },
    error: (error) => {
      dispatch({
        type: 'error',
        at: clock.now(),
        source: 'session',
        message: error instanceof Error ? error.message : String(error),
        recoverable: false,
      });
    },
  });
  actor.start();

  const context = (): SessionContext => actor.getSnapshot().context;
  const session: AgentSession = {
    actor,
    clock,
    get agentState() {
      return agentState;
    },
    get userState() {
      return userState;
    },
    get chat() {
      return context().chat;
    },
    get stats() {
      return context().stats;
    },
    get config() {
      return context().config;
    },
    say(text, opts = {}) {
      if (typeof text !== 'string') throw new TypeError('say: text must be a string');
      actor.send({ type: 'session.say', at: clock.now(), text, ...opts });
    },
    generateReply(opts = {}) {
      actor.send({ type: 'session.generateReply', at: clock.now(), ...opts });
    },
    interrupt() {
      actor.send({ type: 'session.interrupt', at: clock.now() });
    },
    updateConfig(patch) {
      resolveSessionConfig(patch, context().config); // throws with the key and expected value
      actor.send({ type: 'session.updateConfig', config: patch, at: clock.now() });
    },
    on(type, handler) {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      const fn = handler as (event: AgentSessionEvent) => void;
      set.add(fn);
      return () => set.delete(fn);
    },
    waitFor(state) {
      if (agentState === state) return Promise.resolve();
      return new Promise((resolve) => {
        const off = session.on('agent.stateChanged', (e) => {
          if (e.to === state) {
            off();
            resolve();
          }
        });
      });
    },
    async close() {
      actor.stop();
      await options.output.close?.();
      if (ownsCanceller) await selected?.close();
      await inspector.close();
    },
  };
  return session;
}

/** Wraps an input so the session learns when it ends, without an extra promise per frame. */
async function* notifyingEnd<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* source;
  onEnd();
}
