/**
 * Worker thread of {@link PocketsphinxStt}: owns the native pocketsphinx decoders, so their
 * blocking calls (up to ~150 ms each) never stall the main event loop.
 *
 * One worker serves all sessions (streams and `recognize` calls) of a provider; each session
 * holds its own decoder while it is open, taken from a small pool of idle decoders (loading
 * one takes ~0.5 s and ~150 MB, so the last released one is kept for the next session).
 *
 * Segmentation: the decoder runs with the front end's VAD on (`-remove_silence yes`, the
 * default), which drops non-speech frames and reports `ps_get_in_speech`. Audio is fed in
 * 20 ms slices; when the VAD leaves speech (after `-vad_postspeech` frames of silence) the
 * utterance is ended and its `final` emitted, and a new utterance starts. `flush` ends the
 * utterance at once. Word times come from `ps_seg_frames`, which counts frames since
 * `ps_start_stream` (the library adds the frame at which the VAD's speech segment began),
 * so one utterance must never span two VAD segments: hence the small slices.
 *
 * Plain TypeScript with erasable syntax only: Node strips the types when it loads this file
 * as a worker (the built package loads the emitted `.js`).
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { SttEvent, SttWord } from '../stt.ts';
import {
  checkDecoderFiles,
  type DecoderFiles,
  loadPocketsphinx,
  PocketsphinxDecoder,
  PocketsphinxError,
  type PocketsphinxLibraries,
} from './pocketsphinx-ffi.ts';

/** Everything needed to build a decoder. */
export interface WorkerDecoderConfig {
  libraries: PocketsphinxLibraries;
  files: DecoderFiles;
  /** Full argument list for `cmd_ln_parse_r`, e.g. `['-hmm', dir, '-lm', file, ...]`. */
  argv: string[];
  /** Appended to "model not found" errors. */
  modelHint: string;
}

/** `workerData` of the worker. */
export interface PocketsphinxWorkerData {
  /** Marks a thread started by PocketsphinxStt (so importing this module elsewhere is inert). */
  kind: 'pocketsphinx-stt';
  config: WorkerDecoderConfig;
  /** Idle decoders kept for reuse. At least 1. */
  idleDecoders: number;
}

/** Per-session settings. */
export interface SessionSettings {
  /** Audio between interim hypotheses, in ms; 0 disables interims. */
  interimIntervalMs: number;
  /** Copied into `final` events when set. */
  language?: string;
  /** Start from the model's initial channel normalization rather than the decoder's last one. */
  resetAdaptation: boolean;
}

/** CPU cost of one session, measured around the native calls. */
export interface DecodeStats {
  /** Audio fed, in ms. */
  audioMs: number;
  /** Time spent in pocketsphinx calls (decode, hypotheses, utterance ends), in ms. */
  decodeMs: number;
  /** `ps_process_raw` calls (one per 20 ms slice). */
  calls: number;
  /** Longest single call, in ms. */
  maxCallMs: number;
  /** Utterances that produced a `final`. */
  finals: number;
}

/** Messages from the provider to the worker. */
export type ToWorker =
  | { type: 'configure'; config: WorkerDecoderConfig }
  | { type: 'prewarm'; requestId: number }
  | { type: 'open'; session: number; settings: SessionSettings }
  /** 16 kHz mono samples; `startMs` is the stream time of the first one. */
  | { type: 'audio'; session: number; samples: Int16Array; startMs: number }
  | { type: 'flush'; session: number }
  | { type: 'end'; session: number }
  | { type: 'close'; session: number }
  | { type: 'shutdown' };

/** Messages from the worker to the provider. */
export type FromWorker =
  | { type: 'ready'; requestId: number }
  | { type: 'event'; session: number; event: SttEvent }
  | { type: 'done'; session: number; stats: DecodeStats }
  /** One `audio` message was decoded (its events, if any, were posted before). */
  | { type: 'processed' }
  | { type: 'error'; session?: number; requestId?: number; code: string; message: string };

const SAMPLE_RATE = 16000;
/** Decoding slice: 20 ms, so a VAD segment end is seen before the next segment starts. */
const SLICE_SAMPLES = 320;

/** A dictionary entry as a transcript word: lower case, no `(2)` alternates; null for fillers. */
export function cleanWord(word: string): string | null {
  const base = word.replace(/\(\d+\)$/, '').trim();
  if (base === '' || /^[<[+]/.test(base)) return null; // <s> </s> <sil> [NOISE] ++NOISE++ +BREATH+
  return base.toLowerCase();
}

/** A hypothesis string as transcript text. */
export function cleanText(hyp: string | null): string {
  if (!hyp) return '';
  return hyp
    .split(/\s+/)
    .map(cleanWord)
    .filter((w): w is string => w !== null)
    .join(' ');
}

interface Pooled {
  decoder: PocketsphinxDecoder;
  version: number;
}

/** Decoder construction and reuse, for the current configuration. */
class DecoderPool {
  private config: WorkerDecoderConfig;
  private version = 0;
  private readonly idle: Pooled[] = [];
  private readonly maxIdle: number;

  constructor(config: WorkerDecoderConfig, maxIdle: number) {
    this.config = config;
    this.maxIdle = Math.max(1, maxIdle);
  }

  configure(config: WorkerDecoderConfig): void {
    this.config = config;
    this.version++;
    for (const p of this.idle.splice(0)) p.decoder.free();
  }

  /** Loads one decoder ahead of the first session, unless one is idle already. */
  prewarm(): void {
    if (this.idle.some((p) => p.version === this.version)) return;
    this.idle.push(this.create());
  }

  acquire(): Pooled {
    return this.idle.pop() ?? this.create();
  }

  /** Keeps the decoder for reuse (a clean one, of the current configuration) or frees it. */
  release(pooled: Pooled, reusable: boolean): void {
    if (reusable && pooled.version === this.version && this.idle.length < this.maxIdle) {
      this.idle.push(pooled);
    } else {
      pooled.decoder.free();
    }
  }

  freeAll(): void {
    for (const p of this.idle.splice(0)) p.decoder.free();
  }

  private create(): Pooled {
    const api = loadPocketsphinx(this.config.libraries);
    checkDecoderFiles(this.config.files, this.config.modelHint);
    return { decoder: new PocketsphinxDecoder(api, this.config.argv), version: this.version };
  }
}

type Emit = (event: SttEvent) => void;

/**
 * One recognition session on one decoder: feeds audio, follows the VAD, emits events.
 * Sample counts are kept since the session start; stream time = origin + samples / 16 kHz.
 */
class Session {
  readonly stats: DecodeStats = { audioMs: 0, decodeMs: 0, calls: 0, maxCallMs: 0, finals: 0 };
  private readonly decoder: PocketsphinxDecoder;
  private readonly settings: SessionSettings;
  private readonly emit: Emit;
  private readonly samplesPerFrame: number;
  private readonly frameMs: number;
  private readonly interimSamples: number;
  private readonly postspeechSamples: number;
  /** Stream time of the first sample. */
  private originMs: number | null = null;
  private samplesFed = 0;
  /** `samplesFed` when the current utterance started (the VAD restarts from silence there). */
  private uttStartSample = 0;
  private uttActive = false;
  /** The VAD entered speech during the current utterance: it has something to decode. */
  private uttHasSpeech = false;
  private inSpeech = false;
  /** `speechStarted` was emitted and `speechEnded` not yet. */
  private speaking = false;
  /** Set by a flush during speech: `speechEnded` follows unless speech resumes soon. */
  private flushedAtSample: number | null = null;
  private sinceInterim = 0;
  private lastInterim = '';
  /** End of the last emitted word: later words never start before it. */
  private lastWordEndMs = Number.NEGATIVE_INFINITY;
  private usageFromSample = 0;

  constructor(decoder: PocketsphinxDecoder, settings: SessionSettings, emit: Emit) {
    this.decoder = decoder;
    this.settings = settings;
    this.emit = emit;
    this.samplesPerFrame = SAMPLE_RATE / decoder.frameRate;
    this.frameMs = 1000 / decoder.frameRate;
    this.interimSamples = Math.round((settings.interimIntervalMs * SAMPLE_RATE) / 1000);
    this.postspeechSamples = decoder.postspeechFrames * this.samplesPerFrame;
    if (settings.resetAdaptation) decoder.resetAdaptation();
    decoder.startStream();
    this.startUtterance();
  }

  audio(samples: Int16Array, startMs: number): void {
    if (this.originMs === null) this.originMs = startMs;
    for (let at = 0; at < samples.length; at += SLICE_SAMPLES) {
      const slice = samples.subarray(at, Math.min(at + SLICE_SAMPLES, samples.length));
      this.timed(() => this.decoder.process(slice));
      this.stats.calls++;
      this.samplesFed += slice.length;
      this.afterSlice(slice.length);
    }
    this.stats.audioMs = (this.samplesFed * 1000) / SAMPLE_RATE;
  }

  /** Ends the current utterance now (its `final` is emitted); speech may go on. */
  flush(): void {
    if (!this.uttHasSpeech) return;
    this.finishUtterance(true);
    if (this.speaking) this.flushedAtSample = this.samplesFed;
  }

  /** End of input: the last `final`, the remaining usage, `speechEnded`. */
  end(): void {
    this.finishUtterance(false);
    this.emitUsage();
    this.endSpeech();
  }

  /** Stops without results; returns whether the decoder is left in a reusable state. */
  abandon(): boolean {
    if (!this.uttActive) return true;
    this.uttActive = false;
    try {
      this.decoder.endUtt();
      return true;
    } catch {
      return false;
    }
  }

  private afterSlice(samples: number): void {
    const was = this.inSpeech;
    const now = this.decoder.inSpeech();
    this.inSpeech = now;
    if (now && !was) this.speechRose();
    else if (!now && was) {
      this.finishUtterance(true);
      this.endSpeech();
      return;
    }
    if (this.uttHasSpeech && this.interimSamples > 0) {
      this.sinceInterim += samples;
      if (this.sinceInterim >= this.interimSamples) {
        this.sinceInterim = 0;
        this.emitInterim();
      }
    }
    if (
      this.flushedAtSample !== null &&
      !now &&
      this.samplesFed - this.flushedAtSample >= this.postspeechSamples
    ) {
      this.endSpeech(); // flushed and speech did not resume
    }
  }

  private speechRose(): void {
    this.uttHasSpeech = true;
    this.flushedAtSample = null;
    if (this.speaking) return;
    this.speaking = true;
    // The VAD reports speech after its pre-speech window, which it then decodes too.
    const frame = Math.max(
      this.uttStartSample / this.samplesPerFrame,
      this.samplesFed / this.samplesPerFrame - this.decoder.prespeechFrames,
    );
    this.emit({ type: 'speechStarted', atMs: this.timeOfFrame(frame) });
  }

  private endSpeech(): void {
    this.flushedAtSample = null;
    if (!this.speaking) return;
    this.speaking = false;
    this.emit({ type: 'speechEnded' });
  }

  private emitInterim(): void {
    const text = cleanText(this.timed(() => this.decoder.hypothesis()));
    if (text === '' || text === this.lastInterim) return;
    this.lastInterim = text;
    this.emit({ type: 'interim', text });
  }

  private emitUsage(): void {
    const samples = this.samplesFed - this.usageFromSample;
    if (samples <= 0) return;
    this.usageFromSample = this.samplesFed;
    this.emit({ type: 'usage', audioMs: (samples * 1000) / SAMPLE_RATE });
  }

  private startUtterance(): void {
    this.decoder.startUtt();
    this.uttActive = true;
    this.uttStartSample = this.samplesFed;
    this.uttHasSpeech = false;
    this.inSpeech = false; // ps_start_utt resets the VAD
    this.sinceInterim = 0;
    this.lastInterim = '';
  }

  /** Ends the utterance, emits its `final` (and usage) if it had speech, maybe restarts. */
  private finishUtterance(restart: boolean): void {
    if (this.uttActive) {
      this.uttActive = false;
      if (this.uttHasSpeech) {
        this.timed(() => this.decoder.endUtt());
        const final = this.buildFinal();
        if (final) {
          this.stats.finals++;
          this.emit(final);
        }
        this.emitUsage();
      } else {
        // Nothing was decoded; ending an empty utterance may complain, which is harmless.
        try {
          this.decoder.endUtt();
        } catch {}
      }
    }
    if (restart) this.startUtterance();
  }

  private buildFinal(): (SttEvent & { type: 'final' }) | null {
    const segments = this.timed(() => this.decoder.segments());
    const first = segments[0];
    if (!first) return null;
    // Frames count from the VAD segment start minus its pre-speech window; right after an
    // utterance start the VAD has buffered less than that window, so the library places the
    // utterance too early: never before the utterance really started.
    const shift = Math.max(
      0,
      Math.floor(this.uttStartSample / this.samplesPerFrame) - first.startFrame,
    );
    const audioEndMs = this.timeOfFrame(this.samplesFed / this.samplesPerFrame);
    const words: SttWord[] = [];
    for (const seg of segments) {
      const word = cleanWord(seg.word);
      if (word === null) continue;
      let startMs = Math.max(this.timeOfFrame(seg.startFrame + shift), this.lastWordEndMs);
      const endMs = Math.min(
        Math.max(this.timeOfFrame(seg.endFrame + 1 + shift), startMs),
        audioEndMs,
      );
      startMs = Math.min(startMs, endMs);
      this.lastWordEndMs = endMs;
      words.push({ word, startMs, endMs, confidence: seg.posterior });
    }
    const head = words[0];
    const tail = words[words.length - 1];
    if (!head || !tail) return null;
    const confidence = words.reduce((sum, w) => sum + (w.confidence ?? 0), 0) / words.length;
    const final: SttEvent & { type: 'final' } = {
      type: 'final',
      text: words.map((w) => w.word).join(' '),
      confidence,
      words,
      startMs: head.startMs,
      endMs: tail.endMs,
    };
    if (this.settings.language !== undefined) final.language = this.settings.language;
    return final;
  }

  private timeOfFrame(frame: number): number {
    return (this.originMs ?? 0) + frame * this.frameMs;
  }

  private timed<T>(call: () => T): T {
    const t0 = performance.now();
    try {
      return call();
    } finally {
      const dt = performance.now() - t0;
      this.stats.decodeMs += dt;
      if (dt > this.stats.maxCallMs) this.stats.maxCallMs = dt;
    }
  }
}

interface OpenSession {
  session: Session;
  pooled: Pooled;
}

function errorCode(err: unknown): string {
  return err instanceof PocketsphinxError ? err.code : 'decoder';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wires the message protocol to a pool and sessions. */
function serve(port: NonNullable<typeof parentPort>, data: PocketsphinxWorkerData): void {
  const pool = new DecoderPool(data.config, data.idleDecoders);
  const sessions = new Map<number, OpenSession>();
  const post = (msg: FromWorker) => port.postMessage(msg);

  const closeSession = (id: number, reusable: boolean) => {
    const open = sessions.get(id);
    if (!open) return;
    sessions.delete(id);
    pool.release(open.pooled, open.session.abandon() && reusable);
  };

  const handle = (msg: ToWorker): void => {
    switch (msg.type) {
      case 'configure':
        pool.configure(msg.config);
        return;
      case 'prewarm':
        pool.prewarm();
        post({ type: 'ready', requestId: msg.requestId });
        return;
      case 'open': {
        const pooled = pool.acquire();
        const id = msg.session;
        try {
          const session = new Session(pooled.decoder, msg.settings, (event) =>
            post({ type: 'event', session: id, event }),
          );
          sessions.set(id, { session, pooled });
        } catch (err) {
          pool.release(pooled, false);
          throw err;
        }
        return;
      }
      case 'audio':
        try {
          sessions.get(msg.session)?.session.audio(msg.samples, msg.startMs);
        } finally {
          post({ type: 'processed' });
        }
        return;
      case 'flush':
        sessions.get(msg.session)?.session.flush();
        return;
      case 'end': {
        const open = sessions.get(msg.session);
        if (!open) return;
        open.session.end();
        post({ type: 'done', session: msg.session, stats: open.session.stats });
        closeSession(msg.session, true);
        return;
      }
      case 'close':
        closeSession(msg.session, true);
        return;
      case 'shutdown':
        for (const id of [...sessions.keys()]) closeSession(id, false);
        pool.freeAll();
        port.close();
        return;
    }
  };

  port.on('message', (msg: ToWorker) => {
    try {
      handle(msg);
    } catch (err) {
      const report = { code: errorCode(err), message: errorText(err) };
      if ('session' in msg) {
        closeSession(msg.session, false);
        post({ type: 'error', session: msg.session, ...report });
      } else if (msg.type === 'prewarm') {
        post({ type: 'error', requestId: msg.requestId, ...report });
      } else {
        post({ type: 'error', ...report });
      }
    }
  });
}

const data = workerData as PocketsphinxWorkerData | null | undefined;
if (parentPort && data?.kind === 'pocketsphinx-stt') serve(parentPort, data);
