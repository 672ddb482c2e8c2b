/**
 * The agent's voice in a web page: an {@link AudioOutput} that sends each segment's audio to
 * the page (client.js in browser/) as mono Int16 PCM and learns what was actually played from
 * the page's `played` acknowledgements. See browser.ts for the wire protocol.
 */
import type { AudioFrame } from '../audio/audio-frame.ts';
import { toMono } from '../audio/mix.ts';
import { Resampler } from '../audio/resampler.ts';
import type { AudioOutput, Playback, PlaybackCallbacks } from '../session/audio-output.ts';

/** A control message for the page (serialized as JSON by the sender). */
export type BrowserOutboundMessage =
  | { type: 'segment'; segmentId: string; sampleRate: number }
  | { type: 'pause' | 'resume' | 'stop'; segmentId: string }
  | { type: 'status'; text: string };

export interface BrowserAudioOutputOptions {
  /** Sends a JSON message (object) or an audio chunk (Int16Array); false when the socket is gone. */
  send: (message: BrowserOutboundMessage | Int16Array) => boolean;
  /** Rate of the audio sent to the page (TTS audio is resampled to it). Default 24000. */
  sampleRate?: number;
}

/** Tolerance when comparing the page's played position with the audio sent (float rounding). */
const EPSILON_MS = 0.5;

/**
 * Browser output. Audio goes out as fast as the TTS makes it; the page queues it on its
 * AudioContext and reports `{type:'played', segmentId, positionMs}` while it plays, so
 * `positionMs` trails the listener's ear by one acknowledgement interval (~100 ms) plus the
 * network delay. The page pauses by freezing its playback queue, so `canPause` is true; `stop()`
 * drops the page's queue and settles at the last acknowledged position.
 *
 * @example
 * ```ts
 * const output = new BrowserAudioOutput({ send: (m) => (ws.send(m instanceof Int16Array ? m : JSON.stringify(m)), true) });
 * ws.on('message', (raw) => { const m = JSON.parse(String(raw)); if (m.type === 'played') output.acknowledge(m.segmentId, m.positionMs); });
 * ```
 */
export class BrowserAudioOutput implements AudioOutput {
  readonly sampleRate: number;
  readonly canPause = true;
  private readonly sendMessage: BrowserAudioOutputOptions['send'];
  private current: BrowserPlayback | null = null;
  private open = true;

  constructor(options: BrowserAudioOutputOptions) {
    const rate = options.sampleRate ?? 24000;
    if (!Number.isInteger(rate) || rate < 8000 || rate > 96000) {
      throw new RangeError(`BrowserAudioOutput: sampleRate ${String(rate)} must be 8000..96000`);
    }
    this.sampleRate = rate;
    this.sendMessage = options.send;
  }

  /** False once the page left or `close()` was called: nothing more is sent. */
  get connected(): boolean {
    return this.open;
  }

  play(segmentId: string, callbacks: PlaybackCallbacks): Playback {
    // One speaker: a new segment cuts what is still playing.
    this.current?.stop();
    this.current = new BrowserPlayback(this, segmentId, callbacks);
    this.send({ type: 'segment', segmentId, sampleRate: this.sampleRate });
    return this.current;
  }

  /**
   * Routes a `played` acknowledgement to its segment; returns false for segments this output
   * no longer plays (e.g. late acknowledgements after a stop).
   */
  acknowledge(segmentId: string, positionMs: number): boolean {
    const playback = this.current;
    if (!playback || playback.segmentId !== segmentId || !Number.isFinite(positionMs)) return false;
    return playback.confirm(positionMs);
  }

  /** Stops the current segment (the page drops its queue) and sends nothing more. */
  close(): void {
    if (!this.open) return;
    this.current?.stop();
    this.open = false;
  }

  /** @internal The socket is gone: the current segment finishes where the page confirmed. */
  disconnect(): void {
    if (!this.open) return;
    this.open = false;
    this.current?.stop();
  }

  /** @internal */
  send(message: BrowserOutboundMessage | Int16Array): void {
    if (!this.open) return;
    if (!this.sendMessage(message)) this.disconnect();
  }
}

class BrowserPlayback implements Playback {
  readonly segmentId: string;
  private readonly output: BrowserAudioOutput;
  private readonly callbacks: PlaybackCallbacks;
  private resampler: Resampler | null = null;
  private sentSamples = 0;
  private confirmedMs = 0;
  private state: 'playing' | 'paused' | 'finished' = 'playing';
  private ended = false;
  private started = false;

  constructor(output: BrowserAudioOutput, segmentId: string, callbacks: PlaybackCallbacks) {
    this.output = output;
    this.segmentId = segmentId;
    this.callbacks = callbacks;
  }

  private get sentMs(): number {
    return (this.sentSamples * 1000) / this.output.sampleRate;
  }

  get positionMs(): number {
    return Math.min(this.confirmedMs, this.sentMs);
  }

  push(frame: AudioFrame): void {
    if (this.state === 'finished' || this.ended) return;
    const mono = toMono(frame);
    if (mono.sampleRate === this.output.sampleRate) {
      this.sendAudio(mono.data);
      return;
    }
    if (this.resampler?.inputRate !== mono.sampleRate) {
      this.flushResampler();
      this.resampler = new Resampler({
        inputRate: mono.sampleRate,
        outputRate: this.output.sampleRate,
      });
    }
    const out = this.resampler.push(mono);
    if (out) this.sendAudio(out.data);
  }

  end(): void {
    if (this.state === 'finished' || this.ended) return;
    this.flushResampler();
    this.ended = true;
    if (this.sentSamples === 0) {
      this.finish(false);
      return;
    }
    this.settleIfPlayed();
  }

  pause(): void {
    if (this.state !== 'playing') return;
    this.state = 'paused';
    this.output.send({ type: 'pause', segmentId: this.segmentId });
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'playing';
    this.output.send({ type: 'resume', segmentId: this.segmentId });
    if (!this.started && this.sentSamples > 0) this.markStarted();
    this.settleIfPlayed();
  }

  stop(): number {
    if (this.state === 'finished') return this.positionMs;
    this.output.send({ type: 'stop', segmentId: this.segmentId });
    this.finish(true);
    return this.positionMs;
  }

  /** The page played this segment up to `positionMs`. */
  confirm(positionMs: number): boolean {
    if (this.state === 'finished') return false;
    this.confirmedMs = Math.max(this.confirmedMs, positionMs);
    this.settleIfPlayed();
    return true;
  }

  private sendAudio(data: Int16Array): void {
    if (data.length === 0) return;
    this.output.send(data);
    this.sentSamples += data.length;
    if (!this.started && this.state === 'playing') this.markStarted();
  }

  private markStarted(): void {
    this.started = true;
    this.callbacks.onStarted();
  }

  private flushResampler(): void {
    const tail = this.resampler?.flush();
    if (tail) this.sendAudio(toMono(tail).data);
    this.resampler = null;
  }

  private settleIfPlayed(): void {
    if (this.ended && this.state === 'playing' && this.confirmedMs >= this.sentMs - EPSILON_MS) {
      this.finish(false);
    }
  }

  private finish(interrupted: boolean): void {
    if (this.state === 'finished') return;
    this.state = 'finished';
    this.callbacks.onFinished(this.positionMs, interrupted);
  }
}
