/**
 * The simulated caller: plays a scenario's user steps on the session clock (speech segments
 * with pauses inside lines, silences, noises, steps timed absolutely or after an agent event)
 * and tells its listeners when each segment starts and ends. Scripted VAD and STT turn those
 * into provider events (events mode); the audio mode renders the segments as sound.
 */
import type { SessionClock } from '../session/clock.ts';

export type CallerTrigger =
  | 'agent.speaking'
  | 'agent.thinking'
  | 'agent.listening'
  | 'agent.idle'
  | 'agent.paused';

export interface CallerStep {
  say?: string;
  pause?: number;
  noise?: string;
  at?: number;
  after?: CallerTrigger;
  ms?: number;
  wordsPerSecond?: number;
  id?: string;
}

/** One stretch of sound the caller makes. */
export interface CallerSegment {
  readonly stepId: string;
  readonly kind: 'speech' | 'noise';
  /** Speech: the words of this segment; noise: the noise kind. */
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The last segment of its step (a line's last words). */
  readonly lastOfStep: boolean;
  /** Speech: each word's time, evenly spread over the segment. */
  readonly words: readonly { word: string; startMs: number; endMs: number }[];
}

/** A `say` step as played: from its first word to its last. */
export interface CallerLine {
  readonly stepId: string;
  readonly text: string;
  readonly startMs: number;
  /** Planned end of the line's last segment (known when the line starts). */
  readonly endMs: number;
}

export interface CallerListener {
  segmentStarted?(segment: CallerSegment): void;
  segmentEnded?(segment: CallerSegment): void;
}

export interface CallerOptions {
  clock: SessionClock;
  steps: readonly CallerStep[];
  /** Default speaking rate. Default 2.5 words per second. */
  wordsPerSecond?: number;
  /** Duration of a speech segment (audio mode: the synthesized length). Default: words / rate. */
  durationOf?: (text: string, wordsPerSecond: number) => number;
  /** Default noise duration. Default 300. */
  noiseMs?: number;
}

const PAUSE = /\[pause\s+(\d+)\]/gi;

/** Splits a line into its spoken parts and the pauses between them. */
export function splitLine(text: string): { parts: string[]; pauses: number[] } {
  const parts: string[] = [];
  const pauses: number[] = [];
  let last = 0;
  for (const m of text.matchAll(PAUSE)) {
    parts.push(text.slice(last, m.index).trim());
    pauses.push(Number(m[1]));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last).trim());
  // Empty parts (a line starting with a pause, two pauses in a row) only add silence.
  const outParts: string[] = [];
  const outPauses: number[] = [];
  let pending = 0;
  for (const [i, part] of parts.entries()) {
    if (part !== '') {
      if (outParts.length > 0) outPauses.push(pending);
      else if (pending > 0) outPauses.push(pending); // leading silence, before the first part
      outParts.push(part);
      pending = 0;
    }
    pending += pauses[i] ?? 0;
  }
  return { parts: outParts, pauses: outPauses };
}

const wordsOf = (text: string) => text.split(/\s+/).filter((w) => w !== '');

/**
 * Plays the steps. Call {@link CallerSimulator.start} once; forward agent events with
 * {@link CallerSimulator.agentEvent}.
 *
 * @example
 * ```ts
 * const caller = new CallerSimulator({ clock, steps: [{ say: 'hello [pause 800] there' }] });
 * caller.listen({ segmentStarted: (s) => console.log('speaking', s.text) });
 * caller.start();
 * ```
 */
export class CallerSimulator {
  readonly segments: CallerSegment[] = [];
  readonly lines: CallerLine[] = [];
  private readonly opts: CallerOptions;
  private readonly listeners: CallerListener[] = [];
  private readonly waiters: { trigger: CallerTrigger; resolve: () => void }[] = [];
  private finishedAt: number | null = null;
  private started = false;

  constructor(opts: CallerOptions) {
    this.opts = opts;
  }

  listen(listener: CallerListener): void {
    this.listeners.push(listener);
  }

  /** When the last step ended; null while steps remain. */
  get doneAt(): number | null {
    return this.finishedAt;
  }

  /** The id of step `index` (its `id`, or `step N` 1-based). */
  stepId(index: number): string {
    return this.opts.steps[index]?.id ?? `step ${index + 1}`;
  }

  /** The agent did something a step may be waiting for. */
  agentEvent(trigger: CallerTrigger): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i]!;
      if (w.trigger === trigger) {
        this.waiters.splice(i, 1);
        w.resolve();
      } else i++;
    }
  }

  start(): void {
    if (this.started) throw new Error('CallerSimulator: start() called twice');
    this.started = true;
    void this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0) resolve();
      else this.opts.clock.setTimeout(resolve, ms);
    });
  }

  private async run(): Promise<void> {
    const { clock } = this.opts;
    for (const [index, step] of this.opts.steps.entries()) {
      const id = this.stepId(index);
      if (step.at !== undefined) await this.sleep(step.at - clock.now());
      if (step.after !== undefined) {
        const trigger = step.after;
        await new Promise<void>((resolve) => this.waiters.push({ trigger, resolve }));
        await this.sleep(step.ms ?? 0);
      }
      if (step.say !== undefined) await this.say(id, step);
      else if (step.noise !== undefined) {
        const ms =
          step.after === undefined
            ? (step.ms ?? this.opts.noiseMs ?? 300)
            : (this.opts.noiseMs ?? 300);
        await this.play({ stepId: id, kind: 'noise', text: step.noise, lastOfStep: true }, ms, []);
      }
      if (step.pause !== undefined) await this.sleep(step.pause);
    }
    this.finishedAt = clock.now();
  }

  private async say(stepId: string, step: CallerStep): Promise<void> {
    const rate = step.wordsPerSecond ?? this.opts.wordsPerSecond ?? 2.5;
    const duration = (text: string) =>
      this.opts.durationOf?.(text, rate) ?? Math.max(200, (wordsOf(text).length / rate) * 1000);
    const { parts, pauses } = splitLine(step.say ?? '');
    const leading = parts.length > 0 && pauses.length === parts.length ? (pauses.shift() ?? 0) : 0;
    await this.sleep(leading);
    const start = this.opts.clock.now();
    const planned = parts.reduce((t, p, i) => t + duration(p) + (pauses[i] ?? 0), 0);
    if (parts.length > 0) {
      this.lines.push({ stepId, text: parts.join(' '), startMs: start, endMs: start + planned });
    }
    for (const [i, part] of parts.entries()) {
      const ms = duration(part);
      const words = wordsOf(part);
      const now = this.opts.clock.now();
      const timed = words.map((word, k) => ({
        word,
        startMs: now + (k * ms) / words.length,
        endMs: now + ((k + 1) * ms) / words.length,
      }));
      await this.play(
        { stepId, kind: 'speech', text: part, lastOfStep: i === parts.length - 1 },
        ms,
        timed,
      );
      if (i < parts.length - 1) await this.sleep(pauses[i] ?? 0);
    }
  }

  private async play(
    seg: Pick<CallerSegment, 'stepId' | 'kind' | 'text' | 'lastOfStep'>,
    ms: number,
    words: CallerSegment['words'],
  ): Promise<void> {
    const startMs = this.opts.clock.now();
    const segment: CallerSegment = { ...seg, startMs, endMs: startMs + ms, words };
    this.segments.push(segment);
    for (const l of this.listeners) l.segmentStarted?.(segment);
    await this.sleep(ms);
    for (const l of this.listeners) l.segmentEnded?.(segment);
  }
}
