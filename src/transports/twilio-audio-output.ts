/**
 * The agent's voice on a Twilio call: an {@link AudioOutput} that resamples TTS audio to 8 kHz,
 * encodes it as μ-law, sends it in 20 ms `media` messages and learns what the caller actually
 * heard from `mark` acknowledgements. Barge-in sends `clear`, which drops Twilio's buffer.
 */
import type { AudioFrame } from '../audio/audio-frame.ts';
import { encodeMulaw, G711_SAMPLE_RATE } from '../audio/g711.ts';
import { toMono } from '../audio/mix.ts';
import { Resampler } from '../audio/resampler.ts';
import type { AudioOutput, Playback, PlaybackCallbacks } from '../session/audio-output.ts';

/** Samples in one 20 ms media message at 8 kHz. */
const CHUNK_SAMPLES = 160;
const CHUNK_MS = 20;

/** A message for Twilio (serialized as JSON by the sender). */
export type TwilioOutboundMessage =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

export interface TwilioAudioOutputOptions {
  streamSid: string;
  /** Sends one message; returns false when the socket is gone. */
  send: (message: TwilioOutboundMessage) => boolean;
  /** Audio between progress marks (rounded to 20 ms chunks). Default 250. */
  markIntervalMs?: number;
}

/**
 * Twilio output. Audio goes out as fast as the TTS makes it (Twilio buffers and plays it in
 * real time); a mark follows every `markIntervalMs` of audio and the end of each segment, and
 * `positionMs` is the audio Twilio confirmed as played, so it trails the caller's ear by at
 * most one mark interval plus the network delay.
 *
 * Twilio cannot pause, so `canPause` is false (the session then stops instead of resuming a
 * false interruption). `pause()` still works as best it can: it sends `clear` and `resume()`
 * re-sends the segment from the last confirmed mark (up to one mark interval is heard twice).
 * `stop()` sends `clear` and settles at the confirmed position.
 *
 * @example
 * ```ts
 * const output = new TwilioAudioOutput({ streamSid, send: (m) => (ws.send(JSON.stringify(m)), true) });
 * ws.on('message', (raw) => { const m = JSON.parse(String(raw)); if (m.event === 'mark') output.acknowledge(m.mark.name); });
 * ```
 */
export class TwilioAudioOutput implements AudioOutput {
  readonly sampleRate = G711_SAMPLE_RATE;
  readonly canPause = false;
  readonly streamSid: string;
  /** @internal */
  readonly markEveryChunks: number;
  private readonly sendMessage: (message: TwilioOutboundMessage) => boolean;
  private readonly marks = new Map<string, { playback: TwilioPlayback; chunks: number }>();
  private current: TwilioPlayback | null = null;
  private markCounter = 0;
  private open = true;

  constructor(options: TwilioAudioOutputOptions) {
    const interval = options.markIntervalMs ?? 250;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new RangeError(`TwilioAudioOutput: markIntervalMs ${String(interval)} must be > 0`);
    }
    this.streamSid = options.streamSid;
    this.sendMessage = options.send;
    this.markEveryChunks = Math.max(1, Math.round(interval / CHUNK_MS));
  }

  /** False once the call ended or `close()` was called: nothing more is sent. */
  get connected(): boolean {
    return this.open;
  }

  play(segmentId: string, callbacks: PlaybackCallbacks): Playback {
    // One voice on the line: a new segment cuts what is still playing.
    this.current?.stop();
    this.current = new TwilioPlayback(this, segmentId, callbacks);
    return this.current;
  }

  /**
   * Routes a `mark` echoed by Twilio to its segment; returns false for marks this output did
   * not send or no longer waits for (e.g. those Twilio echoes after a `clear`).
   */
  acknowledge(name: string): boolean {
    const entry = this.marks.get(name);
    if (!entry) return false;
    this.marks.delete(name);
    entry.playback.confirm(entry.chunks);
    return true;
  }

  /**
   * Stops sending: the current segment is cleared from Twilio's buffer and finishes
   * (interrupted) at the confirmed position. The session calls this when it closes.
   */
  close(): void {
    if (!this.open) return;
    this.current?.stop();
    this.open = false;
    this.marks.clear();
  }

  /** @internal The socket is gone: the current segment finishes where Twilio confirmed. */
  disconnect(): void {
    if (!this.open) return;
    this.open = false;
    this.current?.stop();
    this.marks.clear();
  }

  /** @internal */
  send(message: TwilioOutboundMessage): void {
    if (!this.open) return;
    if (!this.sendMessage(message)) this.disconnect();
  }

  /** @internal Sends a mark for `playback` covering its first `chunks` chunks. */
  sendMark(playback: TwilioPlayback, chunks: number): void {
    const name = `${playback.segmentId}#${++this.markCounter}`;
    this.marks.set(name, { playback, chunks });
    this.send({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  /** @internal Forgets the marks still awaited for `playback` (after a clear or its end). */
  forget(playback: TwilioPlayback): void {
    for (const [name, entry] of this.marks)
      if (entry.playback === playback) this.marks.delete(name);
  }
}

class TwilioPlayback implements Playback {
  readonly segmentId: string;
  private readonly output: TwilioAudioOutput;
  private readonly callbacks: PlaybackCallbacks;
  /** Encoded 20 ms chunks of the whole segment (kept so a resume can re-send). */
  private readonly chunks: Uint8Array[] = [];
  private readonly pcm = new Int16Array(CHUNK_SAMPLES);
  private pcmLength = 0;
  /** Real (unpadded) samples in `chunks`. */
  private samples = 0;
  private sent = 0;
  private markedUpTo = 0;
  private confirmed = 0;
  private resampler: Resampler | null = null;
  private state: 'playing' | 'paused' | 'finished' = 'playing';
  private ended = false;
  private started = false;

  constructor(output: TwilioAudioOutput, segmentId: string, callbacks: PlaybackCallbacks) {
    this.output = output;
    this.segmentId = segmentId;
    this.callbacks = callbacks;
  }

  get positionMs(): number {
    return (Math.min(this.confirmed * CHUNK_SAMPLES, this.samples) * 1000) / G711_SAMPLE_RATE;
  }

  push(frame: AudioFrame): void {
    if (this.state === 'finished' || this.ended) return;
    const mono = toMono(frame);
    if (mono.sampleRate === G711_SAMPLE_RATE) {
      this.append(mono.data);
    } else {
      if (this.resampler?.inputRate !== mono.sampleRate) {
        this.flushResampler();
        this.resampler = new Resampler({ inputRate: mono.sampleRate, outputRate: 8000 });
      }
      const out = this.resampler.push(mono);
      if (out) this.append(out.data);
    }
    this.pump();
  }

  end(): void {
    if (this.state === 'finished' || this.ended) return;
    this.flushResampler();
    if (this.pcmLength > 0) {
      this.samples += this.pcmLength;
      this.pcm.fill(0, this.pcmLength); // pad the last chunk with silence
      this.chunks.push(encodeMulaw(this.pcm));
      this.pcmLength = 0;
    }
    this.ended = true;
    if (this.chunks.length === 0) {
      this.finish(false);
      return;
    }
    this.pump();
    this.settleIfPlayed();
  }

  pause(): void {
    if (this.state !== 'playing') return;
    this.state = 'paused';
    this.clearUnconfirmed();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'playing';
    this.pump();
  }

  stop(): number {
    if (this.state === 'finished') return this.positionMs;
    if (this.state === 'playing') this.clearUnconfirmed();
    this.finish(true);
    return this.positionMs;
  }

  /** Twilio played the first `chunks` chunks. */
  confirm(chunks: number): void {
    if (this.state === 'finished') return;
    this.confirmed = Math.max(this.confirmed, chunks);
    this.settleIfPlayed();
  }

  private append(data: Int16Array): void {
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(CHUNK_SAMPLES - this.pcmLength, data.length - offset);
      this.pcm.set(data.subarray(offset, offset + take), this.pcmLength);
      this.pcmLength += take;
      offset += take;
      if (this.pcmLength === CHUNK_SAMPLES) {
        this.chunks.push(encodeMulaw(this.pcm));
        this.samples += CHUNK_SAMPLES;
        this.pcmLength = 0;
      }
    }
  }

  private flushResampler(): void {
    const tail = this.resampler?.flush();
    if (tail) this.append(toMono(tail).data);
    this.resampler = null;
  }

  /** Sends every chunk not sent yet, with progress marks and a final mark after the end. */
  private pump(): void {
    if (this.state !== 'playing' || !this.output.connected) return;
    const streamSid = this.output.streamSid;
    while (this.sent < this.chunks.length) {
      const payload = Buffer.from(this.chunks[this.sent]!).toString('base64');
      this.output.send({ event: 'media', streamSid, media: { payload } });
      this.sent++;
      if (!this.started) {
        this.started = true;
        this.callbacks.onStarted();
      }
      if (this.sent - this.markedUpTo >= this.output.markEveryChunks) this.mark();
    }
    if (this.ended && this.markedUpTo < this.sent) this.mark();
  }

  private mark(): void {
    this.markedUpTo = this.sent;
    this.output.sendMark(this, this.sent);
  }

  /** Drops what Twilio buffered beyond the confirmed position; later sends restart there. */
  private clearUnconfirmed(): void {
    if (this.sent > this.confirmed && this.output.connected) {
      this.output.send({ event: 'clear', streamSid: this.output.streamSid });
    }
    this.output.forget(this);
    this.sent = this.confirmed;
    this.markedUpTo = this.confirmed;
  }

  private settleIfPlayed(): void {
    if (this.ended && this.state === 'playing' && this.confirmed >= this.chunks.length) {
      this.finish(false);
    }
  }

  private finish(interrupted: boolean): void {
    if (this.state === 'finished') return;
    this.state = 'finished';
    this.output.forget(this);
    this.callbacks.onFinished(this.positionMs, interrupted);
  }
}
