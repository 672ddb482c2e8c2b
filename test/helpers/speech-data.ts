/**
 * Real speech for tests, synthesized offline with {@link FliteTts} and cached as WAV files
 * under `os.tmpdir()/voicechart-test-speech`, keyed by text, voice and sample rate. The
 * first call for a text costs ~0.1–0.3 s; later calls (also from other test files and runs)
 * just read the file.
 *
 * Flite's `slt` voice is recognised well by pocketsphinx, so these files suit STT, VAD and
 * end-to-end tests that need speech rather than tones.
 */
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioFrame } from '../../src/audio/audio-frame.ts';
import { decodeWavToFrame, encodeWav } from '../../src/audio/wav.ts';
import { FliteTts, type FliteVoice } from '../../src/providers/local/flite-tts.ts';

/** Options of {@link synthesizeSpeech}. */
export interface SpeechOptions {
  /** Flite voice. Default `'slt'` (the one pocketsphinx recognises best). */
  voice?: FliteVoice;
  /** Sample rate of the returned audio. Default 16000. */
  sampleRate?: number;
}

/** Folder of the cached WAV files. */
export const SPEECH_CACHE_DIR = join(tmpdir(), 'voicechart-test-speech');

/** Bumped when the synthesis settings change, so stale cached files are not reused. */
const CACHE_VERSION = 1;

/** One FliteTts per voice and rate, shared by the whole test file (its worker is unref'd). */
const synthesizers = new Map<string, FliteTts>();
/** Syntheses in progress, so concurrent calls for one text share the work. */
const inProgress = new Map<string, Promise<void>>();

function synthesizer(voice: FliteVoice, sampleRate: number): FliteTts {
  const key = `${voice}@${sampleRate}`;
  let tts = synthesizers.get(key);
  if (tts === undefined) {
    // The whole utterance as Flite speaks it, opening pause included; no word timings needed.
    tts = new FliteTts({ voice, sampleRate, leadingSilenceMs: Infinity, wordTimestamps: false });
    synthesizers.set(key, tts);
  }
  return tts;
}

/**
 * Path of the cached WAV file of `text` (synthesized first if needed): 16-bit mono PCM.
 *
 * @example
 * ```ts
 * const wav = await speechWavPath('what is the weather like in paris today');
 * spawnSync('pocketsphinx_continuous', ['-infile', wav]);
 * ```
 */
export async function speechWavPath(text: string, opts: SpeechOptions = {}): Promise<string> {
  const voice = opts.voice ?? 'slt';
  const sampleRate = opts.sampleRate ?? 16000;
  const key = createHash('sha256')
    .update(JSON.stringify([CACHE_VERSION, voice, sampleRate, text]))
    .digest('hex')
    .slice(0, 24);
  const path = join(SPEECH_CACHE_DIR, `${voice}-${sampleRate}-${key}.wav`);
  let pending = inProgress.get(path);
  if (pending === undefined) {
    pending = ensureCached(path, text, voice, sampleRate);
    inProgress.set(path, pending);
    pending.then(
      () => inProgress.delete(path),
      () => inProgress.delete(path),
    );
  }
  await pending;
  return path;
}

async function ensureCached(
  path: string,
  text: string,
  voice: FliteVoice,
  sampleRate: number,
): Promise<void> {
  try {
    await access(path);
    return;
  } catch {
    // Not cached yet: synthesize below.
  }
  const frames: AudioFrame[] = [];
  for await (const { frame } of synthesizer(voice, sampleRate).synthesize(text)) frames.push(frame);
  if (frames.length === 0)
    throw new Error(`synthesizeSpeech: no speech for ${JSON.stringify(text)}`);
  const wav = encodeWav(frames);
  await mkdir(SPEECH_CACHE_DIR, { recursive: true });
  // Write then rename: test files running in parallel never read a half-written file.
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  await writeFile(partial, wav);
  await rename(partial, path);
}

/**
 * `text` spoken by Flite as one mono frame starting at 0 ms (cached on disk).
 *
 * @example
 * ```ts
 * const speech = await synthesizeSpeech('turn on the lights');
 * speech.sampleRate; // 16000
 * ```
 */
export async function synthesizeSpeech(
  text: string,
  opts: SpeechOptions = {},
): Promise<AudioFrame> {
  const path = await speechWavPath(text, opts);
  return decodeWavToFrame(await readFile(path));
}

/**
 * Writes `text` spoken by Flite to a WAV file at `path` (16-bit mono PCM).
 *
 * @example
 * ```ts
 * await writeSpeechWav('hello there', join(dir, 'hello.wav'));
 * ```
 */
export async function writeSpeechWav(
  text: string,
  path: string,
  opts: SpeechOptions = {},
): Promise<void> {
  await copyFile(await speechWavPath(text, opts), path);
}

/** Stops the shared synthesizers' workers (optional: they do not keep the process alive). */
export async function closeSpeechSynthesizers(): Promise<void> {
  const all = [...synthesizers.values()];
  synthesizers.clear();
  await Promise.all(all.map((tts) => tts.close()));
}
