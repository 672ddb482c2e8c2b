/**
 * The main job: a whole conversation from WAV files through the real session, written to a
 * folder: `conversation.wav` (user left, agent right, as heard), `transcript.json` (the chat the
 * agent keeps, with interrupted flags), `timeline.json` (per-turn latencies) and `inspect.jsonl`
 * (the inspection log).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioFrame } from '../audio/audio-frame.ts';
import { encodeWav } from '../audio/wav.ts';
import { createStatelyRecorder } from '../inspect/stately.ts';
import type { SessionConfig } from '../machines/session-config.ts';
import type { AgentState, SessionStats } from '../machines/session-types.ts';
import type { Llm } from '../providers/llm.ts';
import type { NoiseCanceller } from '../providers/noise-canceller.ts';
import type { Stt } from '../providers/stt.ts';
import type { Tts } from '../providers/tts.ts';
import type { TurnDetector } from '../providers/turn-detector.ts';
import type { Vad } from '../providers/vad.ts';
import { createAgentSession } from '../session/agent-session.ts';
import { ClockedAudioOutput } from '../session/audio-output.ts';
import { ScaledClock, type SessionClock, SystemClock } from '../session/clock.ts';
import { TimelineRecorder, type TurnTimeline } from '../session/timeline.ts';
import type { ChatMessage } from '../text/chat-context.ts';
import type { FunctionTool } from '../tools/function-tool.ts';
import { ConversationRecorder } from '../transports/conversation-recorder.ts';
import { fileAudioInput, type InputClip, loadWavClips } from '../transports/file-input.ts';

export interface RunProviders {
  stt: Stt;
  llm: Llm;
  tts: Tts;
  vad: Vad;
  noiseCanceller?: NoiseCanceller | null;
  turnDetector?: TurnDetector | null;
  // biome-ignore lint/suspicious/noExplicitAny: tools have their own argument types
  tools?: readonly FunctionTool<any>[];
}

export interface RunStatus {
  readonly state: AgentState;
  readonly transcript: string;
  readonly atMs: number;
}

export interface RunOptions {
  /**
   * A WAV file, or a folder of WAV files played in order (one user turn each), or clips
   * already loaded with `loadWavClips`.
   */
  input: string | readonly InputClip[];
  /** For files with more than two channels: the user's channel (1-based). */
  channel?: number;
  /** Folder for the outputs (created). */
  outDir: string;
  providers: RunProviders;
  config?: Partial<SessionConfig>;
  instructions?: string;
  /** 'realtime' paces input at wall time; a number plays that many times faster. */
  pace?: 'realtime' | number;
  /** Silence after the agent answered a clip, before the next clip starts. */
  gapMs?: number;
  /** Longest wait for the agent to answer one clip (session ms). */
  maxTurnWaitMs?: number;
  onStatus?: (status: RunStatus) => void;
  /** For tests: a clock of your own. */
  clock?: SessionClock;
}

export interface RunResult {
  readonly chat: readonly ChatMessage[];
  readonly timeline: readonly TurnTimeline[];
  readonly stats: SessionStats;
  readonly files: {
    conversation: string;
    transcript: string;
    timeline: string;
    inspect: string;
  };
  readonly durationMs: number;
}

export async function runConversation(opts: RunOptions): Promise<RunResult> {
  const clips =
    typeof opts.input === 'string'
      ? await loadWavClips(opts.input, opts.channel !== undefined ? { channel: opts.channel } : {})
      : opts.input;
  const pace = opts.pace ?? 'realtime';
  const clock = opts.clock ?? (pace === 'realtime' ? new SystemClock() : new ScaledClock(pace));
  const recorder = new ConversationRecorder({ sampleRate: 16000 });
  const timeline = new TimelineRecorder();
  const log = createStatelyRecorder({ clock });
  const maxWait = opts.maxTurnWaitMs ?? 30_000;

  let committed = 0;
  let clipsPlayed = 0;
  let transcript = '';
  /** Resolves (checked every 100 ms of session time) once `done()` or after `limitMs`. */
  const waitUntil = (done: () => boolean, limitMs = maxWait) =>
    new Promise<void>((resolve) => {
      const deadline = clock.now() + limitMs;
      const check = () => {
        if (done() || clock.now() >= deadline) resolve();
        else clock.setTimeout(check, 100);
      };
      check();
    });
  /** The next clip starts once the agent answered the previous one (or gave up waiting). */
  const beforeNextClip = async () => {
    clipsPlayed++;
    await waitUntil(() => committed >= clipsPlayed && session.agentState === 'IDLE');
    await new Promise<void>((resolve) => clock.setTimeout(resolve, opts.gapMs ?? 800));
  };

  const output = new ClockedAudioOutput({
    clock,
    sampleRate: opts.providers.tts.capabilities.sampleRate,
    onFrame: (f) => recorder.addAgentFrame(f),
    onSpan: (s) => recorder.addSpan(s),
  });
  const input = fileAudioInput({
    clips,
    clock,
    beforeNextClip,
    onFrame: (frame: AudioFrame, atMs: number) => recorder.addUser(frame, atMs),
  });
  const session = createAgentSession({
    ...opts.providers,
    input,
    output,
    clock,
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.instructions !== undefined ? { instructions: opts.instructions } : {}),
    inspect: (event) => {
      log.observer.next?.(event);
      timeline.inspect(event);
    },
  });

  const status = () =>
    opts.onStatus?.({ state: session.agentState, transcript, atMs: clock.now() });
  let inputEnded = false;
  session.on('*', (event) => {
    timeline.onEvent(event);
    if (event.type === 'user.transcript') transcript = `user: ${event.text}`;
    if (event.type === 'agent.speechCommitted') transcript = `agent: ${event.message.content}`;
    if (event.type === 'user.turnCompleted') committed++;
    if (event.type === 'input.ended') inputEnded = true;
    if (event.type === 'agent.stateChanged' || event.type === 'user.transcript') status();
  });

  // The input ends after its tail of silence; then the last reply gets time to finish.
  await waitUntil(() => inputEnded, Number.POSITIVE_INFINITY);
  await waitUntil(() => session.agentState === 'IDLE');
  const durationMs = clock.now();
  const chat = session.chat;
  const stats = session.stats;
  await session.close();
  await log.settled();

  await mkdir(opts.outDir, { recursive: true });
  const files = {
    conversation: join(opts.outDir, 'conversation.wav'),
    transcript: join(opts.outDir, 'transcript.json'),
    timeline: join(opts.outDir, 'timeline.json'),
    inspect: join(opts.outDir, 'inspect.jsonl'),
  };
  const turns = timeline.timeline();
  await Promise.all([
    writeFile(files.conversation, encodeWav(recorder.render())),
    writeFile(files.transcript, `${JSON.stringify({ messages: chat, stats }, null, 2)}\n`),
    writeFile(files.timeline, `${JSON.stringify({ turns }, null, 2)}\n`),
    writeFile(files.inspect, log.text()),
  ]);
  return { chat, timeline: turns, stats, files, durationMs };
}
