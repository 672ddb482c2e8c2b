/**
 * One Silero VAD stream: frames resampled to the model rate, cut into windows with the model's
 * context, inferred one at a time with the stream's own recurrent state, and turned into
 * back-dated speech start and end events.
 */
import type * as Ort from 'onnxruntime-node';
import { AudioFrame } from '../../audio/audio-frame.ts';
import { MonoConverter } from '../../audio/mono-converter.ts';
import type { ResamplerQuality } from '../../audio/resampler.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ProviderError } from '../errors.ts';
import type { VadEvent, VadStream } from '../vad.ts';
import type { SileroSampleRate, SileroVadOptions } from './silero-vad.ts';

/** Per-rate window and context sizes of the Silero v5/v6 model. */
export const GEOMETRY: Record<SileroSampleRate, { window: number; context: number }> = {
  16000: { window: 512, context: 64 },
  8000: { window: 256, context: 32 },
};
export const STATE_SIZE = 2 * 1 * 128;

/** A loaded model shared by all streams of one {@link SileroVad}. */
export interface LoadedModel {
  ort: typeof Ort;
  session: Ort.InferenceSession;
  srTensor: Ort.Tensor;
  probabilityName: string;
  stateName: string;
}

/** What a stream gets from its {@link SileroVad}. */
export interface StreamContext {
  label: string;
  modelRate: SileroSampleRate;
  resamplerQuality: ResamplerQuality;
  /** The shared model (loaded on first call). */
  model: () => Promise<LoadedModel>;
  /** The provider's current options (read per window, so updates apply at once). */
  options: () => Readonly<SileroVadOptions>;
  /** Called once when the stream stops. */
  onDone: () => void;
}

/** One detection stream; see {@link SileroVad}. */
export class SileroVadStream implements VadStream {
  private readonly ctx: StreamContext;
  private readonly modelRate: SileroSampleRate;
  private readonly windowSize: number;
  private readonly contextSize: number;
  private readonly queue: AsyncQueue<VadEvent>;

  private readonly converter: MonoConverter;
  /** Model-rate samples (float, [-1, 1]) not yet analysed: `pending[0 .. pendingLength)`. */
  private pending = new Float32Array(4096);
  private pendingLength = 0;
  /** Stream time of the first pushed frame. */
  private originMs: number | null = null;
  /** Model-rate samples analysed so far. */
  private analysed = 0;

  private readonly state = new Float32Array(STATE_SIZE);
  /** Model input: `contextSize` samples of the previous window, then the new window. */
  private readonly input: Float32Array;

  private running = false;
  private inputEnded = false;
  private stopped = false;

  // Decision state (stream time, ms).
  private speaking = false;
  /** Duration of the current run of speech windows (not yet confirmed while not speaking). */
  private speechRunMs = 0;
  /** Duration of the current run of non-speech windows. */
  private silenceRunMs = 0;
  /** Start of the current speech (or candidate run). */
  private speechStartMs = 0;
  /** End of the last speech window. */
  private lastSpeechEndMs: number | null = null;

  constructor(ctx: StreamContext) {
    this.ctx = ctx;
    this.modelRate = ctx.modelRate;
    this.converter = new MonoConverter({
      outputRate: ctx.modelRate,
      quality: ctx.resamplerQuality,
    });
    const geometry = GEOMETRY[ctx.modelRate];
    this.windowSize = geometry.window;
    this.contextSize = geometry.context;
    this.input = new Float32Array(geometry.context + geometry.window);
    this.queue = new AsyncQueue({ onClose: () => this.stop() });
    // Load the model now if prewarm() was not called, so the first frames wait less.
    ctx.model().catch(() => {
      // Reported by the first inference attempt.
    });
  }

  /**
   * Queues a frame for analysis. Frames may have any sample rate and channel count; a rate
   * change mid-stream flushes the previous resampler. Ignored after `close()`; throws after
   * `endInput()` or for a value that is not an {@link AudioFrame}.
   */
  pushFrame(frame: AudioFrame): void {
    if (this.stopped) return;
    if (this.inputEnded) {
      throw new ProviderError(this.ctx.label, 'pushFrame() called after endInput()');
    }
    if (!(frame instanceof AudioFrame)) {
      throw new ProviderError(this.ctx.label, 'pushFrame() expects an AudioFrame');
    }
    if (this.originMs === null) this.originMs = frame.startMs;
    for (const out of this.converter.push(frame)) this.append(out.data);
    this.schedule();
  }

  endInput(): void {
    if (this.stopped || this.inputEnded) return;
    this.inputEnded = true;
    for (const tail of this.converter.flush()) this.append(tail.data);
    this.schedule();
  }

  close(): void {
    this.queue.close(); // its onClose stops the stream
  }

  [Symbol.asyncIterator](): AsyncIterator<VadEvent> {
    return this.queue[Symbol.asyncIterator]();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = new Float32Array(0);
    this.pendingLength = 0;
    this.ctx.onDone();
  }

  private append(samples: Int16Array): void {
    const needed = this.pendingLength + samples.length;
    if (needed > this.pending.length) {
      const grown = new Float32Array(Math.max(needed, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    for (let i = 0; i < samples.length; i++) {
      this.pending[this.pendingLength + i] = samples[i]! / 32768;
    }
    this.pendingLength = needed;
  }

  /** Starts the analysis loop unless it is running (it then picks up the new audio). */
  private schedule(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      const model = await this.ctx.model();
      let consumed = 0;
      while (!this.stopped) {
        const available = this.pendingLength - consumed;
        if (available >= this.windowSize) {
          await this.infer(model, this.pending.subarray(consumed, consumed + this.windowSize));
          consumed += this.windowSize;
          continue;
        }
        // Out of full windows: compact, then finish or wait for more audio.
        this.pending.copyWithin(0, consumed, this.pendingLength);
        this.pendingLength = available;
        consumed = 0;
        if (!this.inputEnded) break;
        if (available > 0) {
          // Zero-pad the last partial window; it only covers `available` samples of audio.
          const last = new Float32Array(this.windowSize);
          last.set(this.pending.subarray(0, available));
          this.pendingLength = 0;
          await this.infer(model, last, available);
          if (this.stopped) break;
        }
        this.finish();
        break;
      }
    } catch (err) {
      if (!this.stopped) {
        this.queue.fail(ProviderError.wrap(this.ctx.label, err, 'inference failed'));
        this.stop();
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs one window (`samples` of it real audio) and updates the speech decision. */
  private async infer(model: LoadedModel, window: Float32Array, samples = window.length) {
    const { ort, session } = model;
    const input = this.input;
    input.set(window, this.contextSize);
    const results = await session.run({
      input: new ort.Tensor('float32', input, [1, input.length]),
      state: new ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: model.srTensor,
    });
    if (this.stopped) return;
    const probability = (results[model.probabilityName]?.data as Float32Array | undefined)?.[0];
    const nextState = results[model.stateName]?.data as Float32Array | undefined;
    if (probability === undefined || nextState?.length !== STATE_SIZE) {
      throw new Error('unexpected model output; expected a probability and a [2, 1, 128] state');
    }
    this.state.set(nextState);
    // The next window's context is the end of this one.
    input.copyWithin(0, input.length - this.contextSize);

    this.analysed += samples;
    const endMs = this.originMs! + (this.analysed * 1000) / this.modelRate;
    this.decide(probability, endMs, (samples * 1000) / this.modelRate);
  }

  /**
   * Updates the speech decision with one window's probability. The window's `inference`
   * event comes first, then the `speechStarted` / `speechEnded` it confirmed (back-dated).
   */
  private decide(probability: number, atMs: number, durationMs: number): void {
    const opts = this.ctx.options();
    const isSpeech =
      probability >= opts.activationThreshold ||
      (this.speaking && probability >= opts.deactivationThreshold);
    let edge: VadEvent | null = null;
    if (isSpeech) {
      if (this.speechRunMs === 0 && !this.speaking) this.speechStartMs = atMs - durationMs;
      this.speechRunMs += durationMs;
      this.silenceRunMs = 0;
      this.lastSpeechEndMs = atMs;
      if (!this.speaking && this.speechRunMs >= opts.minSpeechDurationMs) {
        this.speaking = true;
        edge = { type: 'speechStarted', atMs: this.speechStartMs };
      }
    } else {
      this.silenceRunMs += durationMs;
      this.speechRunMs = 0;
      if (this.speaking && this.silenceRunMs >= opts.minSilenceDurationMs) edge = this.endSpeech();
    }
    const sinceSpeechMs = atMs - (this.lastSpeechEndMs ?? this.originMs!);
    this.queue.push({
      type: 'inference',
      atMs,
      probability,
      speaking: this.speaking,
      speechDurationMs: this.speaking ? atMs - this.speechStartMs : this.speechRunMs,
      silenceDurationMs: this.speaking ? this.silenceRunMs : sinceSpeechMs,
    });
    if (edge) this.queue.push(edge);
  }

  /** Leaves the speaking state; returns the back-dated `speechEnded` event. */
  private endSpeech(): VadEvent {
    const endMs = this.lastSpeechEndMs ?? this.speechStartMs;
    this.speaking = false;
    this.speechRunMs = 0;
    return { type: 'speechEnded', atMs: endMs, speechDurationMs: endMs - this.speechStartMs };
  }

  /** End of input: close a speech still in progress, then end iteration. */
  private finish(): void {
    if (this.speaking) this.queue.push(this.endSpeech());
    this.queue.end();
    this.stop();
  }
}
