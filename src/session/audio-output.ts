/**
 * Where the agent's audio goes. A transport implements {@link AudioOutput}; each speech segment
 * gets a {@link Playback} that reports its position, so an interrupted reply can keep exactly
 * the text that was heard.
 */
import type { AudioFrame } from '../audio/audio-frame.ts';
import type { SessionClock } from './clock.ts';

export interface PlaybackCallbacks {
  /** The first audio of the segment became audible. */
  onStarted(): void;
  /** All queued audio played after `end()` (interrupted false), or `stop()` was called (true). */
  onFinished(positionMs: number, interrupted: boolean): void;
}

/** One segment's playback. */
export interface Playback {
  push(frame: AudioFrame): void;
  /** No more audio will be pushed; `onFinished` fires once the queue has played. */
  end(): void;
  pause(): void;
  resume(): void;
  /** Drops what is queued and reports the position reached. */
  stop(): number;
  /** Milliseconds of this segment's audio played so far. */
  readonly positionMs: number;
}

export interface AudioOutput {
  readonly sampleRate: number;
  /** False for outputs that cannot pause (false-interruption resume then stops instead). */
  readonly canPause: boolean;
  play(segmentId: string, callbacks: PlaybackCallbacks): Playback;
  close?(): Promise<void> | void;
}

export interface PlayedFrame {
  readonly segmentId: string;
  readonly frame: AudioFrame;
  /** Session-clock time at which the frame would start to be heard if nothing pauses or cuts. */
  readonly playAtMs: number;
}

/**
 * A stretch of a segment that was actually heard: its audio from `fromMs` to `toMs` (segment
 * positions) played from `atMs` (session clock). Pauses and cuts end a span; recorders rebuild
 * the exact output timeline from spans plus the pushed frames.
 */
export interface PlayedSpan {
  readonly segmentId: string;
  readonly atMs: number;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * A speaker that plays in the session clock's time without a device: position advances with the
 * clock while playing, stalls when the queue is empty, stops on pause. One timer per segment (for
 * its end), none per frame. Used by tests, simulations, benchmarks and the file transport, which
 * receives every frame with the time it is heard through `onFrame`.
 *
 * @example
 * const output = new ClockedAudioOutput({ clock, sampleRate: 24000, onFrame: (f) => wav.push(f) });
 */
export class ClockedAudioOutput implements AudioOutput {
  readonly sampleRate: number;
  readonly canPause = true;
  private readonly clock: SessionClock;
  private readonly hooks: PlaybackHooks;
  private current: ClockedPlayback | null = null;

  constructor(opts: {
    clock: SessionClock;
    sampleRate?: number;
    onFrame?: (played: PlayedFrame) => void;
    onSpan?: (span: PlayedSpan) => void;
  }) {
    this.clock = opts.clock;
    this.sampleRate = opts.sampleRate ?? 24000;
    this.hooks = { onFrame: opts.onFrame, onSpan: opts.onSpan };
  }

  play(segmentId: string, callbacks: PlaybackCallbacks): Playback {
    // One speaker: a new segment cuts whatever was still playing.
    this.current?.stop();
    this.current = new ClockedPlayback(segmentId, this.clock, callbacks, this.hooks);
    return this.current;
  }
}

interface PlaybackHooks {
  readonly onFrame: ((played: PlayedFrame) => void) | undefined;
  readonly onSpan: ((span: PlayedSpan) => void) | undefined;
}

class ClockedPlayback implements Playback {
  private bufferedMs = 0;
  private checkpointPos = 0;
  private checkpointAt: number;
  private playing = true;
  private ended = false;
  private finished = false;
  private started = false;
  private timer: unknown = null;

  private readonly segmentId: string;
  private readonly clock: SessionClock;
  private readonly callbacks: PlaybackCallbacks;
  private readonly hooks: PlaybackHooks;

  constructor(
    segmentId: string,
    clock: SessionClock,
    callbacks: PlaybackCallbacks,
    hooks: PlaybackHooks,
  ) {
    this.segmentId = segmentId;
    this.clock = clock;
    this.callbacks = callbacks;
    this.hooks = hooks;
    this.checkpointAt = clock.now();
  }

  get positionMs(): number {
    if (!this.playing) return this.checkpointPos;
    const elapsed = this.clock.now() - this.checkpointAt;
    return Math.min(this.bufferedMs, this.checkpointPos + elapsed);
  }

  push(frame: AudioFrame): void {
    if (this.finished || this.ended) return;
    this.checkpoint();
    // Audio queued behind what is still to play is heard after it.
    const playAtMs = this.clock.now() + (this.bufferedMs - this.checkpointPos);
    this.bufferedMs += frame.durationMs;
    this.hooks.onFrame?.({ segmentId: this.segmentId, frame, playAtMs });
    if (!this.started && this.playing) {
      this.started = true;
      this.callbacks.onStarted();
    }
  }

  end(): void {
    if (this.ended || this.finished) return;
    this.ended = true;
    this.schedule();
  }

  pause(): void {
    if (!this.playing || this.finished) return;
    this.checkpoint();
    this.playing = false;
    this.cancelTimer();
  }

  resume(): void {
    if (this.playing || this.finished) return;
    this.checkpointAt = this.clock.now();
    this.playing = true;
    if (!this.started && this.bufferedMs > 0) {
      this.started = true;
      this.callbacks.onStarted();
    }
    this.schedule();
  }

  stop(): number {
    if (this.finished) return this.checkpointPos;
    this.checkpoint();
    this.playing = false;
    this.cancelTimer();
    this.finished = true;
    this.callbacks.onFinished(this.checkpointPos, true);
    return this.checkpointPos;
  }

  /** Closes the stretch played since the last checkpoint (reported as a span) and starts anew. */
  private checkpoint() {
    const position = this.positionMs;
    if (this.playing && position > this.checkpointPos) {
      this.hooks.onSpan?.({
        segmentId: this.segmentId,
        atMs: this.checkpointAt,
        fromMs: this.checkpointPos,
        toMs: position,
      });
    }
    this.checkpointPos = position;
    this.checkpointAt = this.clock.now();
  }

  private schedule() {
    if (!this.ended || !this.playing || this.finished) return;
    this.cancelTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.checkpoint();
      this.finished = true;
      this.playing = false;
      this.callbacks.onFinished(this.checkpointPos, false);
    }, this.bufferedMs - this.positionMs);
  }

  private cancelTimer() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
