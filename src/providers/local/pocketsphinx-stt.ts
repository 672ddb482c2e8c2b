/**
 * Local streaming speech-to-text on CMU pocketsphinx (Debian/Ubuntu `libpocketsphinx3`,
 * 5prealpha) through koffi, decoded in a worker thread. No network, no npm-shipped model:
 * `apt-get install libpocketsphinx3 pocketsphinx-en-us` provides the libraries and the
 * US English model. Accuracy is that of a 2015 GMM recognizer (about 30 % WER on clean read
 * speech), fit for tests, demos and closed grammars.
 */

import { once } from 'node:events';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AudioFrame } from '../../audio/audio-frame.ts';
import { MonoConverter } from '../../audio/mono-converter.ts';
import type { ResamplerQuality } from '../../audio/resampler.ts';
import { ProviderError } from '../errors.ts';
import type {
  Stt,
  SttCapabilities,
  SttEvent,
  SttRecognizeOptions,
  SttResult,
  SttStream,
  SttStreamOptions,
  SttWord,
} from '../stt.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { PocketsphinxLibraries } from './pocketsphinx-ffi.ts';
import type {
  DecodeStats,
  FromWorker,
  PocketsphinxWorkerData,
  SessionSettings,
  ToWorker,
  WorkerDecoderConfig,
} from './pocketsphinx-worker.ts';

export type { DecodeStats as PocketsphinxDecodeStats } from './pocketsphinx-worker.ts';

import {
  PocketsphinxStream,
  type SessionHandler,
  type SessionHost,
} from './pocketsphinx-stream.ts';

/** Where Debian's `pocketsphinx-en-us` puts the model; overridable (option, env). */
export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** Environment variable naming the model folder when the `modelDir` option is not set. */
export const MODEL_DIR_ENV = 'VOICECHART_POCKETSPHINX_MODEL';

const LABEL = 'pocketsphinx-stt';
const SAMPLE_RATE = 16000;
const LIBRARIES: PocketsphinxLibraries = {
  sphinxbase: 'libsphinxbase.so.3',
  pocketsphinx: 'libpocketsphinx.so.3',
};
const MODEL_HINT = `apt-get install pocketsphinx-en-us, or set modelDir / ${MODEL_DIR_ENV}`;
/** Same extension as this module: `.ts` from source (Node strips types), `.js` from dist. */
const WORKER_URL = new URL(
  `./pocketsphinx-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);
const SHUTDOWN_TIMEOUT_MS = 2000;

/** Tunable options of {@link PocketsphinxStt}. */
export interface PocketsphinxSttOptions {
  /**
   * Model folder. Default: the `VOICECHART_POCKETSPHINX_MODEL` environment variable, else
   * Debian's `/usr/share/pocketsphinx/model/en-us`.
   */
  modelDir: string;
  /** Acoustic model folder (`-hmm`), relative to `modelDir` unless absolute. Default `'en-us'`. */
  acousticModel: string;
  /** N-gram language model (`-lm`), relative to `modelDir` unless absolute. Default `'en-us.lm.bin'`. */
  languageModel: string;
  /** Pronunciation dictionary (`-dict`), relative to `modelDir` unless absolute. Default `'cmudict-en-us.dict'`. */
  dictionary: string;
  /**
   * A JSGF grammar file (`-jsgf`, relative to the working directory unless absolute) used
   * instead of the language model: closed command sets are then recognized near-perfectly.
   * Every grammar word must be in the dictionary.
   */
  grammar?: string;
  /** BCP-47 language of the model, reported in `final` events. Default `'en-US'`. */
  language: string;
  /** Audio between two `interim` hypotheses during speech, in ms; 0 disables them. Default 300. */
  interimIntervalMs: number;
  /**
   * Silence after which pocketsphinx's VAD ends an utterance and its `final` is emitted, in ms
   * (`-vad_postspeech`, 10 ms frames). Default 500.
   */
  endSilenceMs: number;
  /**
   * Start every stream and `recognize` call from the model's initial channel normalization
   * (live cepstral mean, `-cmninit`) instead of the one the decoder adapted to in earlier
   * sessions. Default false: decoders are reused and keep adapting, which helps when the
   * sessions share an audio path (first-utterance WER on the testdata: LibriVox 28 % shared
   * vs 32 % reset, short `cards` clips 24 % vs 48 %) but makes a session's result depend on
   * what the provider decoded before (e.g. after 8 kHz audio, 16 kHz audio is misheard until
   * the decoder re-adapts, which takes an utterance). True gives reproducible results.
   */
  resetAdaptation: boolean;
  /** Energy threshold of pocketsphinx's VAD (`-vad_threshold`); library default (2.0) if unset. */
  vadThreshold?: number;
  /**
   * Extra decoder arguments, e.g. `{ '-beam': 1e-60, '-logfn': 'ps.log' }` (booleans
   * become `yes`/`no`); they override the ones derived from the options above and the
   * provider's own default `-fwdflat no` (the second search pass, which delays every `final`
   * by a few hundred ms on long utterances). The leading dash may be omitted.
   */
  decoderArgs: Record<string, string | number | boolean>;
}

/** Construction options of {@link PocketsphinxStt}: the tunable options plus fixed settings. */
export interface PocketsphinxSttConfig extends Partial<PocketsphinxSttOptions> {
  /** Default `'pocketsphinx-stt'`. */
  label?: string;
  /** Library names or paths. Default `libsphinxbase.so.3` / `libpocketsphinx.so.3`. */
  libraries?: Partial<PocketsphinxLibraries>;
  /** Quality of the resampler for frames not at 16 kHz. Default `'good'`. */
  resamplerQuality?: ResamplerQuality;
  /** Idle decoders (~150 MB each) kept loaded for the next stream. Default 1. */
  idleDecoders?: number;
}

const DEFAULTS = {
  acousticModel: 'en-us',
  languageModel: 'en-us.lm.bin',
  dictionary: 'cmudict-en-us.dict',
  language: 'en-US',
  interimIntervalMs: 300,
  endSilenceMs: 500,
  resetAdaptation: false,
};

/** Options whose change needs new decoders. */
const DECODER_KEYS = [
  'modelDir',
  'acousticModel',
  'languageModel',
  'dictionary',
  'grammar',
  'endSilenceMs',
  'vadThreshold',
  'decoderArgs',
] as const;

function checkOptions(label: string, opts: PocketsphinxSttOptions): void {
  const fail = (message: string) => {
    throw new ProviderError(label, message, { code: 'invalid_options' });
  };
  for (const key of ['modelDir', 'acousticModel', 'languageModel', 'dictionary'] as const) {
    if (typeof opts[key] !== 'string' || opts[key] === '') fail(`${key} must be a non-empty path`);
  }
  if (opts.grammar !== undefined && (typeof opts.grammar !== 'string' || opts.grammar === '')) {
    fail('grammar must be a non-empty path when set');
  }
  if (!Number.isFinite(opts.interimIntervalMs) || opts.interimIntervalMs < 0) {
    fail(`interimIntervalMs ${String(opts.interimIntervalMs)} is invalid; expected >= 0`);
  }
  if (!Number.isFinite(opts.endSilenceMs) || opts.endSilenceMs < 10) {
    fail(`endSilenceMs ${String(opts.endSilenceMs)} is invalid; expected >= 10`);
  }
  if (
    opts.vadThreshold !== undefined &&
    (!Number.isFinite(opts.vadThreshold) || opts.vadThreshold <= 0)
  ) {
    fail(`vadThreshold ${String(opts.vadThreshold)} is invalid; expected a positive number`);
  }
  if (typeof opts.resetAdaptation !== 'boolean') fail('resetAdaptation must be a boolean');
  if (typeof opts.decoderArgs !== 'object' || opts.decoderArgs === null) {
    fail('decoderArgs must be an object');
  }
}

/** Primary language subtag, lower case: `'en-US'` → `'en'`. */
function primaryLanguage(tag: string): string {
  return tag.toLowerCase().split(/[-_]/)[0] ?? '';
}

/**
 * Streaming STT on pocketsphinx, decoded off the main thread.
 *
 * - **Threading**: one worker thread per provider, started by {@link PocketsphinxStt.prewarm}
 *   or the first stream / `recognize`. Every open stream or `recognize` call holds its own
 *   decoder in that worker (loading one takes ~0.5 s and ~150 MB; the last released one is
 *   kept for the next session, see `idleDecoders`; a reused decoder keeps its channel
 *   adaptation unless `resetAdaptation` is set). Concurrent sessions share the worker's
 *   core: one decoder costs about 0.2-0.3 of a core in real time, so a few simultaneous
 *   streams fit; use several providers for more parallelism.
 * - **Input**: frames at any rate and channel count are downmixed and resampled to 16 kHz
 *   mono in the main thread and posted (buffers transferred) to the worker. Stream time is
 *   the first frame's `startMs` plus the audio pushed since: input is assumed contiguous.
 * - **Segmentation**: pocketsphinx's own VAD (`ps_get_in_speech`) drives the events: when it
 *   detects speech the stream emits `speechStarted` (back-dated by its 200 ms pre-speech
 *   window), then `interim` hypotheses every `interimIntervalMs` of audio; after
 *   `endSilenceMs` of silence it emits `final`, `usage` and `speechEnded`. External
 *   endpointing: `flush()` ends the current utterance at once and emits its `final` (e.g. when
 *   the session's own VAD or turn detector decides the turn is over); if speech does not
 *   resume, `speechEnded` follows `endSilenceMs` later. `endInput()` emits the last `final`.
 * - **Results**: text is lower case, without fillers (`<sil>`, `[NOISE]`) and alternate
 *   markers (`read(2)`); `final.words` carry stream-time `startMs`/`endMs` (10 ms resolution)
 *   and their posterior probability as `confidence`; `final.confidence` is the mean of those.
 * - **`recognize`** runs the same segmentation over a buffer and joins the utterances; word
 *   times are relative to the start of the buffer.
 * - **Errors** are {@link ProviderError}s labelled `'pocketsphinx-stt'` with a code:
 *   `library_missing`, `model_missing`, `decoder_init`, `decoder`, `unsupported_language`,
 *   `worker_crashed` / `worker_exit` (retryable: the next call starts a fresh worker), `closed`.
 *
 * @example
 * ```ts
 * const stt = new PocketsphinxStt(); // needs: apt-get install libpocketsphinx3 pocketsphinx-en-us
 * await stt.prewarm();
 * const stream = stt.stream();
 * mic.on('frame', (frame) => stream.pushFrame(frame)); // any rate, mono or stereo
 * for await (const ev of stream) if (ev.type === 'final') console.log(ev.text, ev.words);
 * await stt.close();
 * ```
 */
export class PocketsphinxStt implements Stt<PocketsphinxSttOptions> {
  readonly label: string;
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    wordTimestamps: true,
  };
  /** Rate the decoder runs at; frames at other rates are resampled to it. */
  readonly sampleRate = SAMPLE_RATE;
  private opts: PocketsphinxSttOptions;
  private readonly libraries: PocketsphinxLibraries;
  private readonly resamplerQuality: ResamplerQuality;
  private readonly idleDecoders: number;
  private worker: Worker | null = null;
  private readonly sessions = new Map<number, SessionHandler>();
  private readonly requests = new Map<
    number,
    { resolve: () => void; reject: (err: ProviderError) => void }
  >();
  private readonly streams = new Set<PocketsphinxStream>();
  /** What streams may call on the provider. */
  private readonly host: SessionHost;
  private nextId = 1;
  /** Audio messages posted to the worker and not yet decoded. */
  private pendingAudio = 0;
  private closing: Promise<void> | null = null;
  private readonly totals: DecodeStats = {
    audioMs: 0,
    decodeMs: 0,
    calls: 0,
    maxCallMs: 0,
    finals: 0,
  };

  constructor(config: PocketsphinxSttConfig = {}) {
    const { label, libraries, resamplerQuality, idleDecoders, ...rest } = config;
    this.label = label ?? LABEL;
    this.libraries = { ...LIBRARIES, ...libraries };
    this.resamplerQuality = resamplerQuality ?? 'good';
    this.idleDecoders = Math.max(1, Math.floor(idleDecoders ?? 1));
    const envDir = process.env[MODEL_DIR_ENV];
    const opts: PocketsphinxSttOptions = {
      ...DEFAULTS,
      decoderArgs: {},
      ...rest,
      modelDir: rest.modelDir ?? (envDir ? envDir : DEBIAN_MODEL_DIR),
    };
    checkOptions(this.label, opts);
    this.opts = opts;
    this.host = {
      label: this.label,
      resamplerQuality: this.resamplerQuality,
      checkLanguage: (language) => this.checkLanguage(language),
      open: (handler) => this.openSession(this.sessionSettings(), handler),
      audio: (id, frame, owned) => this.sendAudio(id, frame, owned),
      flush: (id) => this.flushSession(id),
      end: (id) => this.endSession(id),
      close: (id) => this.closeSession(id),
    };
  }

  /** Current options (a copy). */
  get options(): PocketsphinxSttOptions {
    return { ...this.opts, decoderArgs: { ...this.opts.decoderArgs } };
  }

  /**
   * Decoding cost summed over the sessions that ended normally (`endInput` / `recognize`):
   * audio decoded and time spent in pocketsphinx calls in the worker.
   */
  /**
   * True while audio posted to the worker is still being decoded. The simulator waits for this
   * before it moves virtual time on, so runs with the real recognizer stay deterministic.
   */
  get busy(): boolean {
    return this.pendingAudio > 0;
  }

  get stats(): DecodeStats {
    return { ...this.totals };
  }

  /** Starts the worker and loads one decoder; rejects with a clear error if that fails. */
  prewarm(): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    const requestId = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.requests.set(requestId, { resolve, reject });
      try {
        this.ensureWorker().postMessage({ type: 'prewarm', requestId } satisfies ToWorker);
        this.updateRef();
      } catch (err) {
        this.requests.delete(requestId);
        reject(ProviderError.wrap(this.label, err, 'could not start the worker'));
      }
    });
  }

  stream(opts: SttStreamOptions = {}): SttStream {
    const stream = new PocketsphinxStream(this.host, opts, (done) => this.streams.delete(done));
    if (!stream.finished) this.streams.add(stream);
    return stream;
  }

  recognize(frames: readonly AudioFrame[], opts: SttRecognizeOptions = {}): Promise<SttResult> {
    if (this.closing) return Promise.reject(this.closedError());
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    try {
      this.checkLanguage(opts.language);
    } catch (err) {
      return Promise.reject(err);
    }
    const first = frames[0];
    if (first === undefined) return Promise.resolve({ text: '', words: [] });
    const originMs = first.startMs;
    return new Promise<SttResult>((resolvePromise, reject) => {
      const finals: (SttEvent & { type: 'final' })[] = [];
      let id = 0;
      const unsubscribe = subscribeAbort(opts.signal, (reason) => {
        this.closeSession(id);
        reject(reason);
      });
      try {
        id = this.openSession(
          { ...this.sessionSettings(), interimIntervalMs: 0 },
          {
            event: (event) => {
              if (event.type === 'final') finals.push(event);
            },
            done: () => {
              unsubscribe();
              resolvePromise(joinFinals(finals, originMs));
            },
            fail: (err) => {
              unsubscribe();
              reject(err);
            },
          },
        );
      } catch (err) {
        unsubscribe();
        reject(ProviderError.wrap(this.label, err, 'could not start the worker'));
        return;
      }
      try {
        const converter = new MonoConverter({
          outputRate: SAMPLE_RATE,
          quality: this.resamplerQuality,
        });
        for (const frame of frames) {
          for (const out of converter.push(frame)) this.sendAudio(id, out, out.data !== frame.data);
        }
        for (const tail of converter.flush()) this.sendAudio(id, tail, true);
        this.send({ type: 'end', session: id });
      } catch (err) {
        unsubscribe();
        this.closeSession(id);
        reject(ProviderError.wrap(this.label, err, 'invalid audio'));
      }
    });
  }

  /**
   * Changes options. Decoder settings (model files, grammar, VAD, decoder arguments) apply
   * to streams opened afterwards (idle decoders are reloaded); open streams keep theirs.
   */
  updateOptions(opts: Partial<PocketsphinxSttOptions>): void {
    const next: PocketsphinxSttOptions = { ...this.opts, ...opts };
    checkOptions(this.label, next);
    this.opts = next;
    if (this.worker && DECODER_KEYS.some((key) => key in opts)) {
      this.send({ type: 'configure', config: this.decoderConfig() });
    }
  }

  /** Closes open streams, fails pending calls, frees the decoders and stops the worker. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- sessions in the worker ----

  /** Registers a session in the worker; returns its id. */
  private openSession(settings: SessionSettings, handler: SessionHandler): number {
    if (this.closing) throw this.closedError();
    const id = this.nextId++;
    this.sessions.set(id, handler);
    this.ensureWorker().postMessage({ type: 'open', session: id, settings } satisfies ToWorker);
    this.updateRef();
    return id;
  }

  /** Posts 16 kHz mono audio; `owned` buffers are transferred, others copied. */
  private sendAudio(id: number, frame: AudioFrame, owned: boolean): void {
    if (!this.sessions.has(id) || !this.worker) return;
    this.pendingAudio++;
    const samples = owned ? frame.data : frame.data.slice();
    const whole = samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength;
    const transfer = whole && samples.buffer instanceof ArrayBuffer ? [samples.buffer] : [];
    this.worker?.postMessage(
      { type: 'audio', session: id, samples, startMs: frame.startMs } satisfies ToWorker,
      transfer,
    );
  }

  private flushSession(id: number): void {
    if (this.sessions.has(id)) this.send({ type: 'flush', session: id });
  }

  /** No more audio: the worker reports the last results, then `done`. */
  private endSession(id: number): void {
    if (this.sessions.has(id)) this.send({ type: 'end', session: id });
  }

  /** Drops a session without results. */
  private closeSession(id: number): void {
    if (!this.sessions.delete(id)) return;
    this.send({ type: 'close', session: id });
    this.updateRef();
  }

  private checkLanguage(language: string | undefined): void {
    if (
      language === undefined ||
      primaryLanguage(language) === primaryLanguage(this.opts.language)
    ) {
      return;
    }
    throw new ProviderError(
      this.label,
      `language '${language}' is not supported by the loaded model (${this.opts.language}); point modelDir at a model for it and set the language option`,
      { code: 'unsupported_language' },
    );
  }

  private sessionSettings(): SessionSettings {
    return {
      interimIntervalMs: this.opts.interimIntervalMs,
      language: this.opts.language,
      resetAdaptation: this.opts.resetAdaptation,
    };
  }

  // ---- worker management ----

  private decoderConfig(): WorkerDecoderConfig {
    const o = this.opts;
    const modelDir = resolve(o.modelDir);
    const inModel = (p: string) => (isAbsolute(p) ? p : join(modelDir, p));
    const files: WorkerDecoderConfig['files'] = {
      acousticModel: inModel(o.acousticModel),
      dictionary: inModel(o.dictionary),
    };
    if (o.grammar !== undefined) files.grammar = resolve(o.grammar);
    else files.languageModel = inModel(o.languageModel);
    const args = new Map<string, string>([
      ['-hmm', files.acousticModel],
      ['-dict', files.dictionary],
      files.grammar !== undefined ? ['-jsgf', files.grammar] : ['-lm', files.languageModel ?? ''],
    ]);
    const frameRate = Number(o.decoderArgs['-frate'] ?? o.decoderArgs['frate'] ?? 100) || 100;
    args.set(
      '-vad_postspeech',
      String(Math.max(1, Math.round((o.endSilenceMs * frameRate) / 1000))),
    );
    if (o.vadThreshold !== undefined) args.set('-vad_threshold', String(o.vadThreshold));
    // No second (flat-lexicon) pass: it re-decodes the whole utterance inside ps_end_utt
    // (0.25-0.4 s for 3-7 s utterances here, against 0.01-0.2 s without), delaying every
    // final, for no gain on the LibriVox test clips (WER 32 % without, 35 % with).
    // `decoderArgs` can turn it back on.
    args.set('-fwdflat', 'no');
    for (const [key, value] of Object.entries(o.decoderArgs)) {
      const name = key.startsWith('-') ? key : `-${key}`;
      args.set(name, typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value));
    }
    return {
      libraries: this.libraries,
      files,
      argv: [...args].flat(),
      modelHint: MODEL_HINT,
    };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: PocketsphinxWorkerData = {
      kind: 'pocketsphinx-stt',
      config: this.decoderConfig(),
      idleDecoders: this.idleDecoders,
    };
    const worker = new Worker(WORKER_URL, { workerData, name: this.label });
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const reason = err instanceof Error ? err.message : String(err);
      this.failAll(
        new ProviderError(this.label, `worker crashed: ${reason}`, {
          retryable: true,
          code: 'worker_crashed',
          cause: err,
        }),
      );
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(
        new ProviderError(this.label, `worker exited unexpectedly (exit code ${code})`, {
          retryable: true,
          code: 'worker_exit',
        }),
      );
    });
    this.worker = worker;
    return worker;
  }

  private send(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'ready': {
        const request = this.requests.get(msg.requestId);
        this.requests.delete(msg.requestId);
        this.updateRef();
        request?.resolve();
        return;
      }
      case 'event':
        this.sessions.get(msg.session)?.event(msg.event);
        return;
      case 'processed':
        this.pendingAudio = Math.max(0, this.pendingAudio - 1);
        return;
      case 'done': {
        const handler = this.sessions.get(msg.session);
        this.sessions.delete(msg.session);
        this.updateRef();
        this.addStats(msg.stats);
        handler?.done(msg.stats);
        return;
      }
      case 'error': {
        const error = new ProviderError(this.label, msg.message, { code: msg.code });
        if (msg.session !== undefined) {
          const handler = this.sessions.get(msg.session);
          this.sessions.delete(msg.session);
          this.updateRef();
          handler?.fail(error);
        } else if (msg.requestId !== undefined) {
          const request = this.requests.get(msg.requestId);
          this.requests.delete(msg.requestId);
          this.updateRef();
          request?.reject(error);
        } else {
          this.failAll(error);
        }
        return;
      }
    }
  }

  private addStats(stats: DecodeStats): void {
    this.totals.audioMs += stats.audioMs;
    this.totals.decodeMs += stats.decodeMs;
    this.totals.calls += stats.calls;
    this.totals.finals += stats.finals;
    this.totals.maxCallMs = Math.max(this.totals.maxCallMs, stats.maxCallMs);
  }

  private failAll(error: ProviderError): void {
    this.pendingAudio = 0; // the worker is gone: nothing it held will be decoded
    const handlers = [...this.sessions.values()];
    const requests = [...this.requests.values()];
    this.sessions.clear();
    this.requests.clear();
    this.updateRef();
    for (const h of handlers) h.fail(error);
    for (const r of requests) r.reject(error);
  }

  /** Keeps the process alive only while something waits on the worker. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.sessions.size + this.requests.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private closedError(): ProviderError {
    return new ProviderError(this.label, 'provider is closed', { code: 'closed' });
  }

  private async shutdown(): Promise<void> {
    for (const stream of [...this.streams]) stream.close();
    this.failAll(this.closedError());
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    // Let the worker free its decoders (native memory is not reclaimed by terminate()).
    const exited = once(worker, 'exit').then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((res) => {
      timer = setTimeout(() => res(false), SHUTDOWN_TIMEOUT_MS);
    });
    worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
    const clean = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (!clean) await worker.terminate();
  }
}

/** Joins the finals of a `recognize` call, with word times relative to the buffer start. */
function joinFinals(
  finals: readonly (SttEvent & { type: 'final' })[],
  originMs: number,
): SttResult {
  const words: SttWord[] = [];
  for (const f of finals) {
    for (const w of f.words ?? []) {
      words.push({ ...w, startMs: w.startMs - originMs, endMs: w.endMs - originMs });
    }
  }
  const result: SttResult = { text: finals.map((f) => f.text).join(' '), words };
  if (words.length > 0) {
    result.confidence = words.reduce((sum, w) => sum + (w.confidence ?? 0), 0) / words.length;
  }
  return result;
}
