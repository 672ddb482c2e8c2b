/**
 * Noise suppression with RNNoise (Xiph, BSD-3), compiled to WebAssembly by the
 * `@echogarden/rnnoise-wasm` package, plus a {@link NoiseCancellerSelector} that leaves
 * narrow-band telephony alone.
 */

import { AudioFrame } from '../../audio/audio-frame.ts';
import { Resampler } from '../../audio/resampler.ts';
import { ProviderError } from '../errors.ts';
import type {
  NoiseCanceller,
  NoiseCancellerCapabilities,
  NoiseCancellerSelector,
} from '../noise-canceller.ts';

/** The parts of the Emscripten module of `@echogarden/rnnoise-wasm` used here. */
interface RnnoiseModule {
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  /** Denoises 480 floats at `input` into `output`; returns the frame's voice probability. */
  _rnnoise_process_frame(state: number, output: number, input: number): number;
  _rnnoise_get_frame_size(): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  /** View of the wasm memory; replaced when the memory grows, so read it after each call. */
  HEAPF32: Float32Array;
}

const LABEL = 'rnnoise';
const MODEL_RATE = 48000;
/** RNNoise block: 10 ms at 48 kHz. */
const BLOCK = 480;
const PACKAGE = '@echogarden/rnnoise-wasm';

/** One wasm instance shared by every canceller (each has its own RNNoise state in it). */
let sharedModule: RnnoiseModule | null = null;
let loadingModule: Promise<RnnoiseModule> | null = null;

function loadModule(label: string): Promise<RnnoiseModule> {
  if (sharedModule) return Promise.resolve(sharedModule);
  if (loadingModule === null) {
    const loading = (async () => {
      // A non-literal specifier: the package ships no type declarations.
      const specifier: string = PACKAGE;
      const imported = (await import(specifier)) as {
        default: (moduleArg?: object) => Promise<RnnoiseModule>;
      };
      const mod = await imported.default({ print: () => {}, printErr: () => {} });
      const frameSize = mod._rnnoise_get_frame_size();
      if (frameSize !== BLOCK) {
        throw new Error(`RNNoise frame size is ${frameSize} samples; expected ${BLOCK}`);
      }
      sharedModule = mod;
      return mod;
    })();
    loadingModule = loading;
    loading.catch(() => {
      if (loadingModule === loading) loadingModule = null; // allow a retry
    });
  }
  return loadingModule.catch((err: unknown) => {
    throw ProviderError.wrap(label, err, `loading the ${PACKAGE} WebAssembly module failed`);
  });
}

/** Options of {@link RnnoiseCanceller}. RNNoise itself has no tunable parameters. */
export interface RnnoiseCancellerOptions {
  /** Default `'rnnoise'`. Fixed at construction. */
  label?: string;
}

/** Resampling and buffering set up for one input sample rate. */
interface RatePipeline {
  rate: number;
  /** Input rate → 48 kHz, or null when the input is at 48 kHz. */
  down: Resampler | null;
  /** 48 kHz → input rate, or null when the input is at 48 kHz. */
  up: Resampler | null;
  /** Output delay added by buffering, in input-rate samples (RNNoise's own 10 ms not included). */
  bufferDelay: number;
}

/**
 * Most samples a resampler can hold back (produce later), found by pushing one sample at
 * a time over a full cycle of filter phases.
 */
function maxHeldBack(inputRate: number, outputRate: number): number {
  const probe = new Resampler({ inputRate, outputRate });
  const one = new Int16Array(1);
  let max = 0;
  const steps = Math.min(1000, inputRate / gcd(inputRate, outputRate) + 200);
  for (let i = 0; i < steps; i++) {
    probe.push(new AudioFrame(one, inputRate));
    max = Math.max(max, probe.pendingOutputSamples);
  }
  return max;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * RNNoise noise suppression as a synchronous {@link NoiseCanceller}.
 *
 * - Accepts mono frames at any sample rate (8–384 kHz): they are resampled to 48 kHz,
 *   denoised in 480-sample (10 ms) blocks, and resampled back. Each output frame has the
 *   input's sample rate, sample count and `startMs`.
 * - Latency: the output signal is a delayed version of the input. Samples are held until a
 *   whole block is available (under 10 ms), plus the resamplers' look-ahead, plus RNNoise's
 *   own 10 ms; the first output starts with that much silence. The delay is constant for a
 *   stream: {@link RnnoiseCanceller.latencyMs} tells it (20 ms at 48 kHz, about 24.4 ms at
 *   16 kHz, 28.9 ms at 8 kHz).
 * - The WebAssembly module loads asynchronously: use {@link RnnoiseCanceller.create}, or
 *   `await prewarm()` (or {@link RnnoiseCanceller.preload}) before the first `process()`,
 *   which otherwise throws. All cancellers share one module; each has its own state.
 * - A change of input sample rate restarts the buffering and the delay (the noise estimate
 *   is kept; {@link RnnoiseCanceller.reset} drops both).
 *
 * @example
 * ```ts
 * const nc = await RnnoiseCanceller.create();
 * mic.on('frame', (frame) => vadStream.pushFrame(nc.process(frame))); // mono, any rate
 * console.log(`noise cancellation adds ${nc.latencyMs} ms`);
 * await nc.close();
 * ```
 */
export class RnnoiseCanceller implements NoiseCanceller<RnnoiseCancellerOptions> {
  readonly label: string;
  readonly capabilities: NoiseCancellerCapabilities = { sampleRate: MODEL_RATE, frameMs: 10 };

  private mod: RnnoiseModule | null = null;
  private statePtr = 0;
  private inPtr = 0;
  private outPtr = 0;
  private closed = false;

  private pipeline: RatePipeline | null = null;
  /** 48 kHz samples waiting for a full block. */
  private readonly block = new Float32Array(BLOCK);
  private blockFill = 0;
  /** Denoised samples at the input rate, not yet returned: `fifo[fifoStart .. fifoEnd)`. */
  private fifo = new Int16Array(0);
  private fifoStart = 0;
  private fifoEnd = 0;
  private probability = 0;

  constructor(opts: RnnoiseCancellerOptions = {}) {
    this.label = opts.label ?? LABEL;
  }

  /**
   * Creates a canceller with its WebAssembly module loaded.
   *
   * @example
   * ```ts
   * const nc = await RnnoiseCanceller.create();
   * ```
   */
  static async create(opts: RnnoiseCancellerOptions = {}): Promise<RnnoiseCanceller> {
    const nc = new RnnoiseCanceller(opts);
    await nc.prewarm();
    return nc;
  }

  /**
   * Loads the shared WebAssembly module, so cancellers constructed afterwards (e.g. by
   * {@link selectNoiseCanceller}) can process at once.
   *
   * @example
   * ```ts
   * await RnnoiseCanceller.preload();
   * const nc = new RnnoiseCanceller(); // ready
   * ```
   */
  static async preload(): Promise<void> {
    await loadModule(LABEL);
  }

  /** Whether the shared WebAssembly module is loaded (then `process()` works at once). */
  static get loaded(): boolean {
    return sharedModule !== null;
  }

  /**
   * Voice probability RNNoise computed for the last processed 10 ms block (0 before any):
   * a cheap second opinion next to a real VAD.
   */
  get vadProbability(): number {
    return this.probability;
  }

  /**
   * Delay of the output signal behind the input for the current input rate, in ms
   * (buffering + resampling + RNNoise's 10 ms), or null before the first frame.
   */
  get latencyMs(): number | null {
    const p = this.pipeline;
    if (p === null) return null;
    return (p.bufferDelay * 1000) / p.rate + (BLOCK * 1000) / MODEL_RATE;
  }

  /** RNNoise has no tunable parameters and the label is fixed: this does nothing. */
  updateOptions(_opts: Partial<RnnoiseCancellerOptions>): void {}

  /** Loads the WebAssembly module (shared, once) and allocates this canceller's state. */
  async prewarm(): Promise<void> {
    if (this.closed) throw new ProviderError(this.label, 'prewarm() called after close()');
    await loadModule(this.label);
    if (!this.closed) this.ensureState();
  }

  /**
   * Denoises one mono frame; returns a frame of the same rate, length and `startMs`,
   * delayed by {@link RnnoiseCanceller.latencyMs}.
   *
   * @throws ProviderError if the module is not loaded yet, after `close()`, or for a
   *   frame that is not a mono {@link AudioFrame}.
   */
  process(frame: AudioFrame): AudioFrame {
    if (this.closed) throw new ProviderError(this.label, 'process() called after close()');
    if (!(frame instanceof AudioFrame)) {
      throw new ProviderError(this.label, 'process() expects an AudioFrame');
    }
    if (frame.channels !== 1) {
      throw new ProviderError(
        this.label,
        `process() expects mono frames; got ${frame.channels} channels (downmix with toMono() first)`,
      );
    }
    this.ensureState();
    if (this.pipeline?.rate !== frame.sampleRate) this.configure(frame.sampleRate);
    const pipeline = this.pipeline!;

    const at48 = pipeline.down ? pipeline.down.push(frame) : frame;
    if (at48) this.feed(at48.data, pipeline);

    const wanted = frame.samplesPerChannel;
    const out = new Int16Array(wanted);
    const available = this.fifoEnd - this.fifoStart;
    // Never expected with the planned delay; if it happens, grow the delay rather than
    // reorder audio: the missing samples become silence before the buffered ones.
    const missing = Math.max(0, wanted - available);
    if (missing > 0) pipeline.bufferDelay += missing;
    const take = wanted - missing;
    out.set(this.fifo.subarray(this.fifoStart, this.fifoStart + take), missing);
    this.fifoStart += take;
    return new AudioFrame(out, frame.sampleRate, 1, frame.startMs);
  }

  /** Forgets the noise estimate and buffered audio (new RNNoise state, empty buffers). */
  reset(): void {
    if (this.closed) return;
    this.pipeline = null;
    this.blockFill = 0;
    this.fifoStart = this.fifoEnd = 0;
    this.probability = 0;
    const mod = this.mod;
    if (mod && this.statePtr !== 0) {
      mod._rnnoise_destroy(this.statePtr);
      this.statePtr = mod._rnnoise_create(0);
    }
  }

  /** Frees the RNNoise state and buffers. Idempotent; `process()` throws afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const mod = this.mod;
    if (mod) {
      if (this.statePtr !== 0) mod._rnnoise_destroy(this.statePtr);
      if (this.inPtr !== 0) mod._free(this.inPtr);
      if (this.outPtr !== 0) mod._free(this.outPtr);
    }
    this.statePtr = this.inPtr = this.outPtr = 0;
    this.mod = null;
    this.pipeline = null;
    this.fifo = new Int16Array(0);
    this.fifoStart = this.fifoEnd = 0;
  }

  private ensureState(): void {
    if (this.statePtr !== 0) return;
    const mod = sharedModule;
    if (mod === null) {
      throw new ProviderError(
        this.label,
        'the RNNoise WebAssembly module is not loaded; use `await RnnoiseCanceller.create()` or `await canceller.prewarm()` before process()',
      );
    }
    this.mod = mod;
    this.statePtr = mod._rnnoise_create(0);
    this.inPtr = mod._malloc(BLOCK * 4);
    this.outPtr = mod._malloc(BLOCK * 4);
    if (this.statePtr === 0 || this.inPtr === 0 || this.outPtr === 0) {
      throw new ProviderError(this.label, 'RNNoise could not allocate its state');
    }
  }

  /** Sets up resampling for `rate` and primes the output with the planned delay. */
  private configure(rate: number): void {
    let bufferDelay: number;
    let down: Resampler | null = null;
    let up: Resampler | null = null;
    if (rate === MODEL_RATE) {
      // Up to BLOCK - 1 samples wait for a full block.
      bufferDelay = BLOCK - 1;
    } else {
      down = new Resampler({ inputRate: rate, outputRate: MODEL_RATE });
      up = new Resampler({ inputRate: MODEL_RATE, outputRate: rate });
      // Input-rate samples not yet returned: held by the down resampler or waiting for a
      // block (both at 48 kHz), then held by the up resampler; +1 for rounding.
      const held48 = maxHeldBack(rate, MODEL_RATE) + BLOCK - 1;
      bufferDelay = Math.ceil((held48 * rate) / MODEL_RATE) + maxHeldBack(MODEL_RATE, rate) + 1;
    }
    this.pipeline = { rate, down, up, bufferDelay };
    this.blockFill = 0;
    this.fifoStart = 0;
    this.fifoEnd = 0;
    this.reserve(bufferDelay);
    this.fifo.fill(0, 0, bufferDelay);
    this.fifoEnd = bufferDelay;
  }

  /** Adds 48 kHz samples, denoising each full block into the output FIFO. */
  private feed(samples: Int16Array, pipeline: RatePipeline): void {
    const mod = this.mod!;
    const block = this.block;
    for (let i = 0; i < samples.length; ) {
      const n = Math.min(BLOCK - this.blockFill, samples.length - i);
      for (let k = 0; k < n; k++) block[this.blockFill + k] = samples[i + k]!;
      this.blockFill += n;
      i += n;
      if (this.blockFill < BLOCK) break;
      this.blockFill = 0;

      // RNNoise works on floats at Int16 scale.
      mod.HEAPF32.set(block, this.inPtr >> 2);
      this.probability = mod._rnnoise_process_frame(this.statePtr, this.outPtr, this.inPtr);
      const heap = mod.HEAPF32;
      const denoised = new Int16Array(BLOCK);
      const base = this.outPtr >> 2;
      for (let k = 0; k < BLOCK; k++) {
        const s = Math.round(heap[base + k]!);
        denoised[k] = Math.min(32767, Math.max(-32768, s));
      }
      const back = pipeline.up
        ? pipeline.up.push(new AudioFrame(denoised, MODEL_RATE))?.data
        : denoised;
      if (back) this.enqueue(back);
    }
  }

  private enqueue(samples: Int16Array): void {
    this.reserve(samples.length);
    this.fifo.set(samples, this.fifoEnd);
    this.fifoEnd += samples.length;
  }

  /** Makes room for `count` more samples at `fifoEnd`, compacting or growing the FIFO. */
  private reserve(count: number): void {
    if (this.fifoEnd + count <= this.fifo.length) return;
    const used = this.fifoEnd - this.fifoStart;
    const target =
      used + count <= this.fifo.length
        ? this.fifo
        : new Int16Array(Math.max(used + count, this.fifo.length * 2, 1024));
    target.set(this.fifo.subarray(this.fifoStart, this.fifoEnd), 0);
    this.fifo = target;
    this.fifoStart = 0;
    this.fifoEnd = used;
  }
}

/** Options of {@link selectNoiseCanceller}. */
export interface SelectNoiseCancellerOptions {
  /** Transports treated as telephony. Default `['sip']`. */
  telephonyTransports?: readonly string[];
  /**
   * Inputs below this sample rate are treated as telephony (narrow-band audio, where
   * RNNoise, trained on wide-band speech, tends to eat consonants). Default 16000.
   */
  minSampleRate?: number;
  /**
   * What telephony inputs get: a canceller (e.g. a telephony-tuned model) or a function
   * making one. Default: none (`null`), the raw audio is used.
   */
  telephony?:
    | NoiseCanceller
    | ((info: { transport: string; sampleRate: number }) => NoiseCanceller | null)
    | null;
}

/**
 * A {@link NoiseCancellerSelector}: a fresh {@link RnnoiseCanceller} for wide-band inputs,
 * and for telephony (transport `'sip'`, or a rate below 16 kHz) `opts.telephony`, by
 * default none. RNNoise needs its module loaded first: call
 * `await RnnoiseCanceller.preload()` once at startup (or `prewarm()` the returned canceller).
 * Each call makes a new canceller (they keep per-input state): close it when its input ends,
 * to free its WebAssembly memory (about 20 KB).
 *
 * @example
 * ```ts
 * await RnnoiseCanceller.preload();
 * const session = createAgentSession({ ...providers, noiseCanceller: selectNoiseCanceller });
 * // or with a telephony model for SIP calls:
 * const select: NoiseCancellerSelector = (info) =>
 *   selectNoiseCanceller(info, { telephony: () => new MyTelephonyCanceller() });
 * ```
 */
export function selectNoiseCanceller(
  info: { transport: string; sampleRate: number },
  opts: SelectNoiseCancellerOptions = {},
): NoiseCanceller | null {
  const telephonyTransports = opts.telephonyTransports ?? ['sip'];
  const minSampleRate = opts.minSampleRate ?? 16000;
  const isTelephony =
    telephonyTransports.includes(info.transport) || info.sampleRate < minSampleRate;
  if (!isTelephony) return new RnnoiseCanceller();
  const telephony = opts.telephony ?? null;
  return typeof telephony === 'function' ? telephony(info) : telephony;
}
