/**
 * Audio input from WAV files: one file, or a folder of files played in order as the user's
 * turns. Frames are paced by the session clock (real time on a SystemClock, faster on a
 * ScaledClock); silence flows between clips so the VAD and STT hear the pauses, and the next
 * clip can wait for the agent to finish answering.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AudioFrame } from '../audio/audio-frame.ts';
import { concatFrames, toMono } from '../audio/mix.ts';
import { Resampler } from '../audio/resampler.ts';
import { decodeWav } from '../audio/wav.ts';
import type { SessionClock } from '../session/clock.ts';

export interface InputClip {
  readonly name: string;
  readonly audio: AudioFrame;
}

/** Options of {@link loadWavClips}. */
export interface LoadClipsOptions {
  /** Sample rate the clips are converted to. Default 16000. */
  sampleRate?: number;
  /**
   * Which channel of a file with more than two channels is the user's microphone (1-based).
   * Mono files are taken as they are and stereo files are downmixed; a file with more
   * channels is refused without this, since averaging a multichannel mix is rarely one voice.
   */
  channel?: number;
}

/** A problem with the input files, phrased for the person who gave them. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

function pickChannel(frame: AudioFrame, channel: number): AudioFrame {
  const out = new Int16Array(frame.samplesPerChannel);
  for (let i = 0; i < out.length; i++) out[i] = frame.data[i * frame.channels + channel - 1]!;
  return new AudioFrame(out, frame.sampleRate, 1, 0);
}

/** Mono at `sampleRate`, whatever the file's rate and channel count. */
function normalizeClip(file: string, audio: AudioFrame, opts: LoadClipsOptions): AudioFrame {
  const rate = opts.sampleRate ?? 16000;
  let mono: AudioFrame;
  if (opts.channel !== undefined) {
    if (!Number.isInteger(opts.channel) || opts.channel < 1 || opts.channel > audio.channels) {
      throw new InputError(
        `${file}: --channel ${opts.channel} does not exist (the file has ${audio.channels} channel${audio.channels === 1 ? '' : 's'})`,
      );
    }
    mono = pickChannel(audio, opts.channel);
  } else if (audio.channels <= 2) {
    mono = toMono(audio);
  } else {
    throw new InputError(
      `${file}: ${audio.channels} channels at ${audio.sampleRate} Hz; say which one is the user's microphone with --channel 1..${audio.channels} (mono and stereo files need no option)`,
    );
  }
  if (mono.sampleRate === rate) return new AudioFrame(mono.data, rate, 1, 0);
  const resampler = new Resampler({ inputRate: mono.sampleRate, outputRate: rate });
  const parts = [resampler.push(mono), resampler.flush()].filter(
    (f): f is AudioFrame => f !== null,
  );
  if (parts.length === 0)
    throw new InputError(`${file}: too short to resample (${mono.durationMs} ms)`);
  return new AudioFrame(concatFrames(parts).data, rate, 1, 0);
}

/**
 * Reads a WAV file, or every `.wav` in a folder sorted by name (numbers in names sort
 * numerically), as mono clips at one sample rate. Every problem is an {@link InputError}
 * with a one-line message naming the file.
 */
export async function loadWavClips(
  path: string,
  opts: LoadClipsOptions = {},
): Promise<InputClip[]> {
  const info = await stat(path).catch(() => {
    throw new InputError(`${path} does not exist (expected a .wav file or a folder of .wav files)`);
  });
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((f) => f.toLowerCase().endsWith('.wav'))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new InputError(`no .wav files in the folder ${path}`);
  const clips: InputClip[] = [];
  for (const file of files) {
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`${file}: cannot read (${error.code ?? error.message})`);
    });
    if (bytes.length === 0) throw new InputError(`${file}: empty file (0 bytes)`);
    let wav: ReturnType<typeof decodeWav>;
    try {
      wav = decodeWav(bytes);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).replace(
        /^decodeWav: /,
        '',
      );
      const kind =
        bytes.subarray(0, 4).toString() === 'RIFF' ? 'damaged WAV file' : 'not a WAV file';
      throw new InputError(`${file}: ${kind}: ${reason}`);
    }
    if (wav.data.length === 0)
      throw new InputError(`${file}: the WAV file holds no audio (0 samples)`);
    const audio = new AudioFrame(wav.data, wav.sampleRate, wav.channels, 0);
    if (audio.durationMs < 100) {
      throw new InputError(
        `${file}: holds ${audio.durationMs.toFixed(1)} ms of audio; expected speech`,
      );
    }
    clips.push({ name: file, audio: normalizeClip(file, audio, opts) });
  }
  return clips;
}

export interface FileInputOptions {
  clips: readonly InputClip[];
  clock: SessionClock;
  frameMs?: number;
  /** Silence before the first clip. */
  leadInMs?: number;
  /** Silence after the last clip (lets the agent answer the last turn). */
  tailMs?: number;
  /** Silence after each clip before the next one may start. */
  gapMs?: number;
  /** Resolves when the next clip may start (e.g. the agent finished answering). */
  beforeNextClip?: () => Promise<void>;
  /** Every frame as it is fed, with its session time (e.g. for a recorder). */
  onFrame?: (frame: AudioFrame, atMs: number) => void;
  /** Stops the input early (ends the iteration). */
  signal?: AbortSignal;
}

export async function* fileAudioInput(opts: FileInputOptions): AsyncGenerator<AudioFrame> {
  const frameMs = opts.frameMs ?? 20;
  const first = opts.clips[0]?.audio;
  if (!first) throw new Error('fileAudioInput: no clips');
  // Frame k is due at origin + k * frameMs: pacing on absolute due times keeps the audio in
  // step with the clock however late timers fire (a late timer delivers a short burst).
  const origin = opts.clock.now();
  let fed = 0;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const wait = origin + (fed + 1) * frameMs - opts.clock.now();
      if (wait <= 0) resolve();
      else opts.clock.setTimeout(resolve, wait);
    });
  const silence = (rate: number, channels: number) =>
    AudioFrame.silence(frameMs, rate, channels, origin + fed * frameMs);
  const feed = async function* (frame: AudioFrame) {
    await sleep();
    opts.onFrame?.(frame, origin + fed * frameMs);
    fed++;
    yield frame;
  };
  const silenceFor = async function* (ms: number, rate: number, channels: number) {
    for (let t = 0; t < ms && !opts.signal?.aborted; t += frameMs) {
      yield* feed(silence(rate, channels));
    }
  };

  yield* silenceFor(opts.leadInMs ?? 500, first.sampleRate, first.channels);
  for (const [index, clip] of opts.clips.entries()) {
    const { audio } = clip;
    const step = Math.round((audio.sampleRate * frameMs) / 1000) * audio.channels;
    for (let i = 0; i < audio.data.length && !opts.signal?.aborted; i += step) {
      let data = audio.data.subarray(i, Math.min(i + step, audio.data.length));
      if (data.length < step) {
        // The clip's tail is padded with silence to a whole frame, so audio time stays on schedule.
        const padded = new Int16Array(step);
        padded.set(data);
        data = padded;
      }
      yield* feed(new AudioFrame(data, audio.sampleRate, audio.channels, origin + fed * frameMs));
    }
    yield* silenceFor(opts.gapMs ?? 0, audio.sampleRate, audio.channels);
    if (index < opts.clips.length - 1 && opts.beforeNextClip) {
      let ready = false;
      void opts.beforeNextClip().then(() => {
        ready = true;
      });
      while (!ready && !opts.signal?.aborted)
        yield* feed(silence(audio.sampleRate, audio.channels));
    }
  }
  yield* silenceFor(opts.tailMs ?? 3000, first.sampleRate, first.channels);
}
