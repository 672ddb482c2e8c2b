// SileroVad on real recorded speech (Debian's pocketsphinx-testdata, LibriVox read speech):
// speech found where it is, nothing on silence or low noise, any input rate / channel count,
// back-dated events on the stream clock, per-stream state, option checks and lifecycle.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFrame, interleave, Resampler, readWavFile } from '../../../src/audio/index.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import { SileroVad } from '../../../src/providers/local/silero-vad.ts';
import type { VadEvent, VadStream } from '../../../src/providers/vad.ts';
import { randomFrames, seededRandom } from '../../audio/signals.ts';

/** Debian's pocketsphinx-testdata (`scripts/install-deps.sh --test`); overridable. */
const TESTDATA = process.env.POCKETSPHINX_TESTDATA ?? '/usr/share/pocketsphinx/test/data';
const SPEECH_FILE = join(TESTDATA, 'librivox', 'sense_and_sensibility_01_austen_64kb-0890.wav');
const RATE = 16000;
const PAD_MS = 1000;
/** Stream time of the first frame: events must be on this clock, not relative to 0. */
const ORIGIN_MS = 5000;
/** How far the detected speech edges may be from the energy-based edges. */
const EDGE_TOLERANCE_MS = 150;

interface Speech {
  /** 1 s of digital silence, the recording, 1 s of silence; 16 kHz mono. */
  padded: Int16Array;
  /** Energy-based speech edges in `padded`, in ms from its start. */
  onsetMs: number;
  offsetMs: number;
}

/** First / last 10 ms block louder than -40 dBFS (the recording's floor is about -52). */
function energyEdges(data: Int16Array, rate: number): { onsetMs: number; offsetMs: number } {
  const block = rate / 100;
  const loud: number[] = [];
  for (let i = 0; i + block <= data.length; i += block) {
    let sum = 0;
    for (let k = i; k < i + block; k++) sum += data[k]! ** 2;
    if (10 * Math.log10(sum / block / 32768 ** 2) > -40) loud.push(i);
  }
  return { onsetMs: (loud[0]! * 1000) / rate, offsetMs: ((loud.at(-1)! + block) * 1000) / rate };
}

async function loadSpeech(): Promise<Speech> {
  if (!existsSync(SPEECH_FILE)) {
    throw new Error(
      `${SPEECH_FILE} not found: install Debian's pocketsphinx-testdata (scripts/install-deps.sh --test) or set POCKETSPHINX_TESTDATA`,
    );
  }
  const wav = await readWavFile(SPEECH_FILE);
  expect(wav.sampleRate).toBe(RATE);
  expect(wav.channels).toBe(1);
  const pad = (PAD_MS * RATE) / 1000;
  const padded = new Int16Array(wav.data.length + 2 * pad);
  padded.set(wav.data, pad);
  const edges = energyEdges(wav.data, RATE);
  return { padded, onsetMs: PAD_MS + edges.onsetMs, offsetMs: PAD_MS + edges.offsetMs };
}

/** The whole signal resampled (including the resampler's tail). */
function resample(data: Int16Array, from: number, to: number): Int16Array {
  const rs = new Resampler({ inputRate: from, outputRate: to });
  const head = rs.push(new AudioFrame(data, from));
  const tail = rs.flush();
  const out = new Int16Array((head?.data.length ?? 0) + (tail?.data.length ?? 0));
  if (head) out.set(head.data);
  if (tail) out.set(tail.data, head?.data.length ?? 0);
  return out;
}

/** Splits interleaved samples into 20 ms frames timed from `ORIGIN_MS`. */
function frames20(data: Int16Array, rate: number, channels = 1): AudioFrame[] {
  const n = (rate / 50) * channels;
  const out: AudioFrame[] = [];
  for (let i = 0; i < data.length; i += n) {
    const startMs = ORIGIN_MS + (i / channels / rate) * 1000;
    out.push(new AudioFrame(data.slice(i, i + n), rate, channels, startMs));
  }
  return out;
}

/** Pushes every frame at once, ends the input and collects all events. */
async function run(stream: VadStream, frames: readonly AudioFrame[]): Promise<VadEvent[]> {
  for (const f of frames) stream.pushFrame(f);
  stream.endInput();
  const events: VadEvent[] = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

type Edge = Exclude<VadEvent, { type: 'inference' }>;
const edges = (events: VadEvent[]): Edge[] =>
  events.filter((e): e is Edge => e.type !== 'inference');
const probabilities = (events: VadEvent[]): number[] =>
  events.flatMap((e) => (e.type === 'inference' ? [e.probability] : []));

/** Checks the speech found in the padded recording (any input format). */
function expectSpeechFound(events: VadEvent[], speech: Speech): void {
  const found = edges(events);
  const starts = found.filter((e) => e.type === 'speechStarted');
  const ends = found.filter((e) => e.type === 'speechEnded');
  expect(starts.length).toBeGreaterThanOrEqual(1);
  expect(ends.length).toBe(starts.length);
  expect(found[0]!.type).toBe('speechStarted');
  const startMs = starts[0]!.atMs - ORIGIN_MS;
  const endMs = ends.at(-1)!.atMs - ORIGIN_MS;
  // After the padding, close to the energy onset.
  expect(startMs).toBeGreaterThan(PAD_MS);
  expect(Math.abs(startMs - speech.onsetMs)).toBeLessThanOrEqual(EDGE_TOLERANCE_MS);
  // Ends after the speech, near its energy offset, before the audio ends.
  expect(Math.abs(endMs - speech.offsetMs)).toBeLessThanOrEqual(2 * EDGE_TOLERANCE_MS);
  expect(endMs).toBeLessThan(speech.offsetMs + PAD_MS);
}

describe('SileroVad on real speech', () => {
  let vad: SileroVad;
  let speech: Speech;

  beforeAll(async () => {
    speech = await loadSpeech();
    vad = await SileroVad.load();
  });
  afterAll(async () => {
    await vad.close();
  });

  it('finds speech padded with 1 s of silence, with back-dated events on the stream clock', async () => {
    const events = await run(vad.stream(), frames20(speech.padded, RATE));
    expectSpeechFound(events, speech);

    // One inference per 32 ms window, timed from the first frame's startMs.
    const inferences = events.filter((e) => e.type === 'inference');
    expect(inferences.length).toBe(Math.ceil(speech.padded.length / 512));
    inferences.slice(0, -1).forEach((e, i) => {
      expect(e.atMs).toBeCloseTo(ORIGIN_MS + (i + 1) * 32, 6);
    });
    expect(inferences.at(-1)!.atMs).toBeCloseTo(ORIGIN_MS + (speech.padded.length / RATE) * 1000);

    // Back-dated: each edge is emitted after the audio that confirmed it was analysed.
    const opts = vad.options;
    let lastInferenceMs = Number.NEGATIVE_INFINITY;
    let startedAt = 0;
    for (const e of events) {
      if (e.type === 'inference') {
        lastInferenceMs = e.atMs;
      } else if (e.type === 'speechStarted') {
        expect(lastInferenceMs).toBeGreaterThanOrEqual(e.atMs + opts.minSpeechDurationMs);
        startedAt = e.atMs;
      } else {
        expect(lastInferenceMs).toBeGreaterThanOrEqual(e.atMs + opts.minSilenceDurationMs);
        expect(e.speechDurationMs).toBeCloseTo(e.atMs - startedAt, 6);
      }
    }

    // While speaking, inference events say so and carry the speech duration.
    const speaking = inferences.filter((e) => e.speaking);
    expect(speaking.length).toBeGreaterThan(50);
    for (const e of speaking) expect(e.speechDurationMs).toBeGreaterThan(0);
    expect(Math.max(...probabilities(events))).toBeGreaterThan(0.9);
  });

  it('reports no speech on pure silence', async () => {
    const silence = new Int16Array(3 * RATE);
    const events = await run(vad.stream(), frames20(silence, RATE));
    expect(edges(events)).toEqual([]);
    expect(events.length).toBe(Math.ceil(silence.length / 512));
    expect(Math.max(...probabilities(events))).toBeLessThan(0.1);
  });

  it('reports no speech on low white noise (-40 dBFS)', async () => {
    const random = seededRandom(7);
    const noise = new Int16Array(3 * RATE);
    // Uniform in ±568 has an RMS of 328, i.e. -40 dBFS.
    for (let i = 0; i < noise.length; i++) noise[i] = Math.round((random() * 2 - 1) * 568);
    const events = await run(vad.stream(), frames20(noise, RATE));
    expect(edges(events)).toEqual([]);
    expect(Math.max(...probabilities(events))).toBeLessThan(0.5);
  });

  it('resamples 8 kHz input to the 16 kHz model', async () => {
    const at8k = resample(speech.padded, RATE, 8000);
    expectSpeechFound(await run(vad.stream(), frames20(at8k, 8000)), speech);
  });

  it('downmixes and resamples 48 kHz stereo input', async () => {
    const at48k = resample(speech.padded, RATE, 48000);
    const left = new AudioFrame(at48k, 48000);
    const quieter = at48k.map((s) => s >> 1);
    const right = new AudioFrame(quieter, 48000);
    const stereo = interleave(left, right).data;
    expectSpeechFound(await run(vad.stream(), frames20(stereo, 48000, 2)), speech);
  });

  it('gives the same probabilities whatever the frame sizes (state and context carried)', async () => {
    const whole = await run(vad.stream(), [new AudioFrame(speech.padded, RATE, 1, ORIGIN_MS)]);
    const chunks = randomFrames(speech.padded, RATE, 1, seededRandom(3), 1, 700).map(
      (f) => new AudioFrame(f.data, RATE, 1, ORIGIN_MS + f.startMs),
    );
    const chunked = await run(vad.stream(), chunks);
    expect(probabilities(chunked)).toEqual(probabilities(whole));
    expect(edges(chunked)).toEqual(edges(whole));
  });

  it('keeps streams independent when they run concurrently', async () => {
    const silence = new Int16Array(speech.padded.length);
    const [a, b] = await Promise.all([
      run(vad.stream(), frames20(speech.padded, RATE)),
      run(vad.stream(), frames20(silence, RATE)),
    ]);
    expectSpeechFound(a, speech);
    expect(edges(b)).toEqual([]);
  });

  it('closes a speech still in progress when the input ends', async () => {
    // Cut the audio in the middle of the speech.
    const cut = speech.padded.subarray(0, (speech.padded.length / 2) | 0);
    const found = edges(await run(vad.stream(), frames20(cut, RATE)));
    expect(found.map((e) => e.type)).toEqual(['speechStarted', 'speechEnded']);
    const end = found[1]!;
    expect(end.atMs).toBeLessThanOrEqual(ORIGIN_MS + (cut.length / RATE) * 1000);
    expect(end.atMs).toBeGreaterThan(found[0]!.atMs);
  });

  it('runs the model at 8 kHz when asked', async () => {
    const vad8k = await SileroVad.load({ sampleRate: 8000 });
    try {
      expect(vad8k.capabilities).toEqual({ sampleRate: 8000, windowMs: 32 });
      const at8k = resample(speech.padded, RATE, 8000);
      const events = await run(vad8k.stream(), frames20(at8k, 8000));
      expect(events.filter((e) => e.type === 'inference').length).toBe(
        Math.ceil(at8k.length / 256),
      );
      expectSpeechFound(events, speech);
    } finally {
      await vad8k.close();
    }
  });

  it('applies updated thresholds to open streams', async () => {
    const strict = new SileroVad({ activationThreshold: 0.5 });
    try {
      await strict.prewarm();
      const stream = strict.stream();
      // Nothing can reach a probability above 1: no speech at all.
      strict.updateOptions({ activationThreshold: 1, deactivationThreshold: 1 });
      const events = await run(stream, frames20(speech.padded, RATE));
      expect(edges(events)).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});

describe('SileroVad options and lifecycle', () => {
  it('has LiveKit-like defaults and the 16 kHz / 32 ms capabilities', () => {
    const vad = new SileroVad();
    expect(vad.label).toBe('silero-vad');
    expect(vad.capabilities).toEqual({ sampleRate: 16000, windowMs: 32 });
    expect(vad.options).toEqual({
      activationThreshold: 0.5,
      deactivationThreshold: 0.35,
      minSpeechDurationMs: 50,
      minSilenceDurationMs: 550,
      prefixPaddingMs: 500,
      sampleRate: 16000,
    });
    expect(vad.modelPath).toMatch(/silero_vad\.onnx$/);
  });

  it('derives the deactivation threshold from the activation unless set', () => {
    const vad = new SileroVad({ activationThreshold: 0.7 });
    expect(vad.options.deactivationThreshold).toBeCloseTo(0.55);
    vad.updateOptions({ activationThreshold: 0.6 });
    expect(vad.options.deactivationThreshold).toBeCloseTo(0.45);
    vad.updateOptions({ deactivationThreshold: 0.2 });
    vad.updateOptions({ activationThreshold: 0.9 });
    expect(vad.options.deactivationThreshold).toBe(0.2);
  });

  it('rejects invalid options with a ProviderError naming the value', () => {
    const bad = (fn: () => unknown, message: RegExp) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(ProviderError);
        expect((err as ProviderError).provider).toBe('silero-vad');
        expect((err as Error).message).toMatch(message);
        return;
      }
      throw new Error('expected a throw');
    };
    // @ts-expect-error: 22050 is not a model rate
    bad(() => new SileroVad({ sampleRate: 22050 }), /sampleRate 22050 .*8000 or 16000/);
    bad(() => new SileroVad({ activationThreshold: 1.5 }), /activationThreshold 1.5/);
    bad(() => new SileroVad({ activationThreshold: Number.NaN }), /activationThreshold NaN/);
    bad(
      () => new SileroVad({ activationThreshold: 0.4, deactivationThreshold: 0.6 }),
      /deactivationThreshold 0.6 is above/,
    );
    bad(() => new SileroVad({ minSilenceDurationMs: -1 }), /minSilenceDurationMs -1/);
    const vad = new SileroVad();
    bad(() => vad.updateOptions({ sampleRate: 8000 }), /fixed at construction/);
    bad(() => vad.updateOptions({ minSpeechDurationMs: Number.POSITIVE_INFINITY }), /Infinity/);
    expect(vad.options.minSpeechDurationMs).toBe(50); // unchanged after a rejected update
  });

  it('loads the model on demand when a stream opens before prewarm()', async () => {
    const vad = new SileroVad();
    try {
      const events = await run(vad.stream(), [AudioFrame.silence(100, 16000)]);
      expect(events.length).toBe(4); // 3 full windows + the zero-padded rest
    } finally {
      await vad.close();
    }
  });

  it('rejects pushes after endInput, ignores them after close, and stops at once on close', async () => {
    const vad = await SileroVad.load();
    try {
      const ended = vad.stream();
      ended.endInput();
      expect(() => ended.pushFrame(AudioFrame.silence(20, 16000))).toThrow(/after endInput/);
      expect(() =>
        vad.stream().pushFrame(new Int16Array(320) as unknown as AudioFrame),
      ).toThrowError(ProviderError);

      const stream = vad.stream();
      const iterator = stream[Symbol.asyncIterator]();
      const pending = iterator.next();
      stream.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      stream.pushFrame(AudioFrame.silence(20, 16000)); // ignored
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    } finally {
      await vad.close();
    }
  });

  it('closes its streams on close(), refuses new ones, and is idempotent', async () => {
    const vad = await SileroVad.load();
    const stream = vad.stream();
    stream.pushFrame(AudioFrame.silence(200, 16000));
    const collected = (async () => {
      const events: VadEvent[] = [];
      for await (const ev of stream) events.push(ev);
      return events;
    })();
    await vad.close();
    await vad.close();
    await collected; // iteration ended without endInput()
    expect(() => vad.stream()).toThrow(/after close/);
  });

  it('fails with a ProviderError when the model cannot be loaded', async () => {
    const path = join(tmpdir(), `voicechart-not-a-model-${process.pid}.onnx`);
    await writeFile(path, 'this is not an ONNX model');
    const vad = new SileroVad({ modelPath: path });
    await expect(vad.prewarm()).rejects.toThrow(ProviderError);
    await expect(vad.prewarm()).rejects.toThrow(/silero-vad: loading .* failed/);

    const stream = vad.stream();
    stream.pushFrame(AudioFrame.silence(100, 16000));
    const iteration = (async () => {
      for await (const _ of stream) {
        // no events expected
      }
    })();
    await expect(iteration).rejects.toThrow(/silero-vad: /);
    await vad.close();
    await rm(path, { force: true });
  });
});
