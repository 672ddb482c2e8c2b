/**
 * Offline, streaming text-to-speech with eSpeak NG, compiled to WebAssembly by the
 * `@echogarden/espeak-ng-emscripten` package (GPL-3.0: mind the licence when you ship it).
 * eSpeak runs in a worker thread and hands out audio in ~100 ms pieces while it works, with
 * word events, so the first audio comes within a few tens of milliseconds.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AudioByteStream } from '../../audio/audio-byte-stream.ts';
import { AudioFrame } from '../../audio/audio-frame.ts';
import { Resampler } from '../../audio/resampler.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ProviderError } from '../errors.ts';
import { EspeakWordTracker, type SpeechEvent } from './espeak-words.ts';

export { EspeakWordTracker } from './espeak-words.ts';

import { StreamTts } from '../stream-tts.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { Tts, TtsCapabilities, TtsChunk, TtsRequestOptions, TtsStream } from '../tts.ts';

/** Options of {@link EspeakTts} that can change at run time (`updateOptions`). */
export interface EspeakTtsOptions {
  /**
   * eSpeak voice: a language name (`'en-us'`, `'en-gb'`, `'fr'`, ...), an identifier
   * (`'gmw/en-US'`), optionally with a variant (`'en-us+m3'`). Default `'en-us'`. Checked
   * when first used (the voice list lives in the WebAssembly module): an unknown voice
   * fails the request with a {@link ProviderError}; see {@link EspeakTts.voices}.
   */
  voice: string;
  /** Speaking rate relative to eSpeak's default of 175 words per minute. Range 0.5–3, default 1. */
  speed: number;
  /** Pitch, 0–100. Default 50. */
  pitch: number;
}

/** Construction options of {@link EspeakTts}: the run-time options plus fixed settings. */
export interface EspeakTtsConfig extends Partial<EspeakTtsOptions> {
  /** Default `'espeak-tts'`. */
  label?: string;
  /** Output sample rate; eSpeak's 22,050 Hz audio is resampled to it. Default 22050. */
  sampleRate?: number;
  /** Duration of the emitted frames, in ms (a whole number of samples). Default 20. */
  frameMs?: number;
}

/** A voice of the eSpeak NG build. */
export interface EspeakVoice {
  /** e.g. `'English (America)'`. */
  name: string;
  /** e.g. `'gmw/en-US'`. */
  identifier: string;
  /** Language names usable as `voice`, e.g. `['en-us', 'en']`. */
  languages: string[];
}

const LABEL = 'espeak-tts';
const PACKAGE = '@echogarden/espeak-ng-emscripten';
const NATIVE_RATE = 22050;
const DEFAULT_WPM = 175;
const DEFAULTS: EspeakTtsOptions = { voice: 'en-us', speed: 1, pitch: 50 };
/** Cancelled request ids are written to slot `id % CANCEL_SLOTS` of a shared array. */
const CANCEL_SLOTS = 64;

function moduleUrl(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve(PACKAGE)).href;
  } catch (err) {
    throw new ProviderError(
      LABEL,
      `the ${PACKAGE} package (eSpeak NG compiled to WebAssembly) is not installed`,
      { cause: err },
    );
  }
}

/**
 * The worker: loads the Emscripten module once, then synthesizes one request at a time,
 * posting each audio piece with its events as eSpeak produces it. A request is cancelled
 * through a shared array that the synthesis callback polls (returning true stops eSpeak).
 * Plain JavaScript in a string (run with `eval: true`): nothing to locate or transpile.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const cancelled = new Int32Array(workerData.cancel);
const ready = import(workerData.url).then(async (imported) => {
  const m = await imported.default({ print: () => {}, printErr: () => {} });
  return new m.eSpeakNGWorker();
});
let voice = null;
let queue = Promise.resolve();
function synth(tts, job) {
  if (job.voice !== voice) {
    if (tts.set_voice(job.voice) !== 0) {
      voice = null;
      parentPort.postMessage({ id: job.id, type: 'error', code: 'unknown_voice', message: 'unknown voice' });
      return;
    }
    voice = job.voice;
  }
  tts.set_rate(job.rate);
  tts.set_pitch(job.pitch);
  tts.synthesize(job.text, (samples, events) => {
    if (Atomics.load(cancelled, job.id % cancelled.length) === job.id) return true;
    const copy = samples ? new Int16Array(samples) : new Int16Array(0);
    const list = [];
    for (const e of events) {
      if (e.type === 'word' || e.type === 'end' || (e.type === 'phoneme' && e.id === '')) {
        list.push({ type: e.type, ms: e.audio_position, pos: e.text_position, len: e.word_length });
      }
    }
    parentPort.postMessage({ id: job.id, type: 'chunk', samples: copy, events: list }, [copy.buffer]);
    return false;
  });
  parentPort.postMessage({ id: job.id, type: 'done' });
}
parentPort.on('message', (job) => {
  queue = queue.then(async () => {
    try {
      const tts = await ready;
      if (job.type === 'voices') {
        const voices = tts.list_voices().map((v) => ({
          name: v.name,
          identifier: v.identifier,
          languages: v.languages.map((l) => l.name),
        }));
        parentPort.postMessage({ id: job.id, type: 'voices', voices });
      } else if (Atomics.load(cancelled, job.id % cancelled.length) === job.id) {
        parentPort.postMessage({ id: job.id, type: 'done' });
      } else {
        synth(tts, job);
      }
    } catch (err) {
      parentPort.postMessage({ id: job.id, type: 'error', message: String((err && err.stack) || err) });
    }
  });
});
`;

type WorkerMessage =
  | { id: number; type: 'chunk'; samples: Int16Array; events: SpeechEvent[] }
  | { id: number; type: 'done' }
  | { id: number; type: 'voices'; voices: EspeakVoice[] }
  | { id: number; type: 'error'; message: string; code?: string };

/** One synthesis request on the main side. */
interface Job {
  id: number;
  onMessage(message: WorkerMessage): void;
  onLost(err: ProviderError): void;
}

function checkVoiceName(label: string, voice: unknown): string {
  if (typeof voice !== 'string' || !/^[\w/+-]{1,64}$/u.test(voice)) {
    throw new ProviderError(
      label,
      `voice ${JSON.stringify(voice)} is invalid; expected an eSpeak voice name such as 'en-us'`,
      { code: 'unknown_voice' },
    );
  }
  return voice;
}

function checkRange(label: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ProviderError(
      label,
      `${name} ${String(value)} is invalid; expected a number in [${min}, ${max}]`,
    );
  }
  return value;
}

/**
 * Streaming text-to-speech with eSpeak NG, fully offline (`@echogarden/espeak-ng-emscripten`,
 * **GPL-3.0**). Robotic but fast and multilingual (about 100 languages).
 *
 * - Audio streams while eSpeak works: first audio within ~10–40 ms, real-time factor about
 *   0.02. Synthesis runs in a worker thread (one per instance), so the event loop stays free.
 * - Word timings come from eSpeak's word events; each chunk carries the words that end in it.
 * - Output: mono Int16 at `sampleRate` (default eSpeak's native 22,050 Hz), `frameMs` frames
 *   with `startMs` from 0 over the request.
 * - `stream()` synthesizes pushed text sentence by sentence (through {@link StreamTts});
 *   each sentence's audio streams as above.
 * - Aborting `signal` stops eSpeak within one ~100 ms piece of audio and ends the iteration
 *   with the abort reason. Empty or whitespace-only text yields no audio.
 *
 * @example
 * ```ts
 * const tts = new EspeakTts({ voice: 'en-us', speed: 1.1 });
 * await tts.prewarm(); // loads the 24 MB voice data in the worker
 * for await (const { frame, words } of tts.synthesize('Bonjour! Hello!', { signal })) {
 *   speaker.play(frame);
 * }
 * await tts.close();
 * ```
 */
export class EspeakTts implements Tts<EspeakTtsOptions> {
  readonly label: string;
  readonly capabilities: TtsCapabilities;
  private opts: EspeakTtsOptions;
  private readonly frameMs: number;
  private readonly url: string;
  private readonly cancel = new Int32Array(new SharedArrayBuffer(4 * CANCEL_SLOTS));
  private readonly jobs = new Map<number, Job>();
  private worker: Worker | null = null;
  private adapter: StreamTts<EspeakTtsOptions> | null = null;
  private nextId = 1;
  private closed = false;

  constructor(config: EspeakTtsConfig = {}) {
    this.label = config.label ?? LABEL;
    this.opts = {
      voice: checkVoiceName(this.label, config.voice ?? DEFAULTS.voice),
      speed: checkRange(this.label, 'speed', config.speed ?? DEFAULTS.speed, 0.5, 3),
      pitch: checkRange(this.label, 'pitch', config.pitch ?? DEFAULTS.pitch, 0, 100),
    };
    const sampleRate = config.sampleRate ?? NATIVE_RATE;
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192_000) {
      throw new ProviderError(
        this.label,
        `sampleRate ${String(sampleRate)} is invalid; expected an integer from 8000 to 192000 Hz`,
      );
    }
    this.frameMs = config.frameMs ?? 20;
    const samples = (this.frameMs * sampleRate) / 1000;
    if (!Number.isInteger(samples) || this.frameMs < 5 || this.frameMs > 1000) {
      throw new ProviderError(
        this.label,
        `frameMs ${String(this.frameMs)} is invalid; expected 5 to 1000 ms and a whole number of samples at ${sampleRate} Hz`,
      );
    }
    this.capabilities = { streaming: true, wordTimestamps: true, sampleRate, channels: 1 };
    this.url = moduleUrl();
  }

  /** Current run-time options. */
  get options(): Readonly<EspeakTtsOptions> {
    return { ...this.opts };
  }

  updateOptions(opts: Partial<EspeakTtsOptions>): void {
    const next = { ...this.opts };
    if (opts.voice !== undefined) next.voice = checkVoiceName(this.label, opts.voice);
    if (opts.speed !== undefined) next.speed = checkRange(this.label, 'speed', opts.speed, 0.5, 3);
    if (opts.pitch !== undefined) next.pitch = checkRange(this.label, 'pitch', opts.pitch, 0, 100);
    this.opts = next;
  }

  /**
   * Loads eSpeak in the worker, checks the configured voice and synthesizes a sentence, so
   * the WebAssembly code is optimized before the first real request.
   */
  async prewarm(): Promise<void> {
    const text = 'The quick brown fox jumps over the lazy dog, and then it runs away.';
    for await (const _ of this.synthesize(text)) {
      // Discard: this only loads the module and selects the voice.
    }
  }

  /** The voices of this eSpeak build. */
  async voices(): Promise<EspeakVoice[]> {
    if (this.closed) throw new ProviderError(this.label, 'closed');
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<EspeakVoice[]>((resolve, reject) => {
      this.jobs.set(id, {
        id,
        onMessage: (message) => {
          this.finishJob(id);
          if (message.type === 'voices') resolve(message.voices);
          else if (message.type === 'error') reject(new ProviderError(this.label, message.message));
        },
        onLost: reject,
      });
      worker.postMessage({ id, type: 'voices' });
    });
  }

  synthesize(text: string, opts: TtsRequestOptions = {}): AsyncIterable<TtsChunk> {
    if (this.closed) return immediate(new ProviderError(this.label, 'closed'));
    if (opts.signal?.aborted) return immediate(opts.signal.reason);
    // eSpeak pronounces symbols and emoji, but makes only a click of silence for blank text.
    if (!/[\p{L}\p{N}\p{S}]/u.test(text)) return immediate(null);
    return this.start(text, opts.signal);
  }

  /** A streaming session: pushed text is synthesized sentence by sentence, each streamed. */
  stream(opts: TtsRequestOptions = {}): TtsStream {
    if (this.closed) throw new ProviderError(this.label, 'closed');
    this.adapter ??= new StreamTts(this, { label: this.label });
    return this.adapter.stream(opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.adapter?.close(); // closes its streams; its call back to close() returns at once
    const error = new ProviderError(this.label, 'closed');
    for (const job of [...this.jobs.values()]) job.onLost(error);
    this.jobs.clear();
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(text: string, signal: AbortSignal | undefined): AsyncIterable<TtsChunk> {
    const id = this.nextId++;
    const { voice, speed, pitch } = this.opts;
    const rate = this.capabilities.sampleRate;
    const frames = new AudioByteStream(rate, 1, this.frameMs);
    const resampler =
      rate === NATIVE_RATE ? null : new Resampler({ inputRate: NATIVE_RATE, outputRate: rate });
    const words = new EspeakWordTracker(text);
    let nativeSamples = 0;
    const output = new AsyncQueue<TtsChunk>({ onClose: () => stop() });
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      if (this.jobs.has(id)) Atomics.store(this.cancel, id % CANCEL_SLOTS, id); // eSpeak stops
    };
    const unsubscribe = subscribeAbort(signal, (reason) => {
      output.fail(reason);
      stop();
    });
    // One frame is held back, so the last one can carry the words that end with the audio.
    let held: AudioFrame | null = null;
    const send = (frame: AudioFrame, upToMs: number) => {
      const done = words.take(upToMs);
      output.push(done.length > 0 ? { frame, words: done } : { frame });
    };
    const emit = (produced: AudioFrame[]) => {
      for (const frame of produced) {
        if (held !== null) send(held, held.endMs);
        held = frame;
      }
    };
    const push = (samples: Int16Array) => {
      if (samples.length === 0) return;
      const frame = new AudioFrame(samples, NATIVE_RATE);
      const converted = resampler ? resampler.push(frame) : frame;
      if (converted) emit(frames.push(converted.data));
    };

    const worker = this.ensureWorker();
    this.jobs.set(id, {
      id,
      onMessage: (message) => {
        if (message.type === 'chunk') {
          words.push(message.events);
          nativeSamples += message.samples.length;
          push(message.samples);
        } else if (message.type === 'done') {
          this.finishJob(id);
          const tail = resampler?.flush();
          if (tail) emit(frames.push(tail.data));
          words.finish((nativeSamples * 1000) / NATIVE_RATE);
          emit(frames.flush());
          if (held !== null) send(held, Number.POSITIVE_INFINITY);
          output.end();
          stop();
        } else if (message.type === 'error') {
          this.finishJob(id);
          output.fail(
            message.code === 'unknown_voice'
              ? new ProviderError(
                  this.label,
                  `unknown voice ${JSON.stringify(voice)}; use a language name such as 'en-us', 'en-gb', 'fr' or 'de' (voices() lists them)`,
                  { code: 'unknown_voice' },
                )
              : new ProviderError(this.label, `eSpeak failed: ${message.message}`),
          );
          stop();
        }
      },
      onLost: (err) => {
        this.jobs.delete(id);
        output.fail(err);
        stop();
      },
    });
    worker.postMessage({
      id,
      type: 'synth',
      text,
      voice,
      rate: Math.round(DEFAULT_WPM * speed),
      pitch: Math.round(pitch),
    });
    return untilAborted(output, signal);
  }

  private finishJob(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.worker?.unref();
  }

  private ensureWorker(): Worker {
    this.worker?.ref();
    if (this.worker !== null) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url: this.url, cancel: this.cancel.buffer },
      name: `${this.label} worker`,
    });
    worker.on('message', (message: WorkerMessage) => this.jobs.get(message.id)?.onMessage(message));
    const lost = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const error = new ProviderError(this.label, reason);
      for (const job of [...this.jobs.values()]) job.onLost(error);
      this.jobs.clear();
    };
    worker.on('error', (err) => lost(`worker error: ${err.message}`));
    worker.on('exit', (code) => lost(`worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }
}

/** Iterates `chunks`, but throws the abort reason instead of chunks still buffered at abort. */
async function* untilAborted(
  chunks: AsyncIterable<TtsChunk>,
  signal: AbortSignal | undefined,
): AsyncGenerator<TtsChunk> {
  for await (const chunk of chunks) {
    if (signal?.aborted) throw signal.reason;
    yield chunk;
  }
}

/** An iterable that throws `err` at once, or ends at once when `err` is null. */
function immediate(err: unknown): AsyncIterable<TtsChunk> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        err === null ? Promise.resolve({ done: true, value: undefined }) : Promise.reject(err),
    }),
  };
}
