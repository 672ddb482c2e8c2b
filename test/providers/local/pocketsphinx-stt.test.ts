/**
 * PocketsphinxStt on real recorded speech from Debian's pocketsphinx-testdata (LibriVox read
 * speech with a reference transcription, `goforward.raw`). Needs
 * `apt-get install libpocketsphinx3 pocketsphinx-en-us pocketsphinx-testdata`
 * (scripts/install-deps.sh --test); POCKETSPHINX_TESTDATA overrides the test data folder.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFrame } from '../../../src/audio/audio-frame.ts';
import { Resampler } from '../../../src/audio/resampler.ts';
import { readWavFile } from '../../../src/audio/wav.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import { PocketsphinxStt } from '../../../src/providers/local/pocketsphinx-stt.ts';
import type { SttEvent, SttStream, SttWord } from '../../../src/providers/stt.ts';

const TESTDATA = process.env.POCKETSPHINX_TESTDATA ?? '/usr/share/pocketsphinx/test/data';
const LIBRIVOX = join(TESTDATA, 'librivox');
const GOFORWARD = join(TESTDATA, 'goforward.raw');
const RATE = 16000;

type Final = SttEvent & { type: 'final' };

// ---- a tiny word error rate ----

/** Lower case, letters/digits/apostrophes only; `mr` spelled out as in the references. */
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (w === 'mr' ? 'mister' : w));
}

/** Word-level Levenshtein distance (substitutions + deletions + insertions). */
function wordEdits(reference: string[], hypothesis: string[]): number {
  let prev = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const row = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const same = reference[i - 1] === hypothesis[j - 1];
      row[j] = Math.min(prev[j - 1]! + (same ? 0 : 1), prev[j]! + 1, row[j - 1]! + 1);
    }
    prev = row;
  }
  return prev[hypothesis.length]!;
}

describe('wordEdits (test helper)', () => {
  it('counts substitutions, deletions and insertions', () => {
    expect(
      wordEdits(tokens('go forward ten meters'), tokens('Go forward, two meters please')),
    ).toBe(2);
    expect(wordEdits(tokens('a b c'), [])).toBe(3);
    expect(tokens('Mr. John')).toEqual(['mister', 'john']);
  });
});

// ---- audio helpers ----

function loadRaw(path: string): Int16Array {
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found: install Debian's pocketsphinx-testdata (scripts/install-deps.sh --test) or set POCKETSPHINX_TESTDATA`,
    );
  }
  const bytes = readFileSync(path);
  const out = new Int16Array(bytes.length / 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}

/** Splits interleaved samples into frames of `frameMs`, with stream times from `startMs`. */
function framesOf(
  data: Int16Array,
  rate: number,
  channels = 1,
  startMs = 0,
  frameMs = 20,
): AudioFrame[] {
  const step = (rate * frameMs) / 1000;
  const frames: AudioFrame[] = [];
  for (let i = 0; i * channels < data.length; i += step) {
    const chunk = data.slice(i * channels, Math.min((i + step) * channels, data.length));
    frames.push(new AudioFrame(chunk, rate, channels, startMs + (i * 1000) / rate));
  }
  return frames;
}

function resample(data: Int16Array, from: number, to: number): Int16Array {
  const resampler = new Resampler({ inputRate: from, outputRate: to });
  const parts = [resampler.push(new AudioFrame(data, from)), resampler.flush()];
  const out = new Int16Array(parts.reduce((n, p) => n + (p?.data.length ?? 0), 0));
  let at = 0;
  for (const p of parts) {
    if (!p) continue;
    out.set(p.data, at);
    at += p.data.length;
  }
  return out;
}

async function collect(stream: SttStream): Promise<SttEvent[]> {
  const events: SttEvent[] = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

/** Streams `frames` in a burst, ends the input and collects every event. */
async function streamAll(stt: PocketsphinxStt, frames: readonly AudioFrame[]): Promise<SttEvent[]> {
  const stream = stt.stream();
  const events = collect(stream);
  for (const frame of frames) stream.pushFrame(frame);
  stream.endInput();
  return events;
}

const finalsOf = (events: readonly SttEvent[]): Final[] =>
  events.filter((e): e is Final => e.type === 'final');

function expectMonotoneWords(words: readonly SttWord[], fromMs: number, toMs: number): void {
  let last = fromMs;
  for (const w of words) {
    expect(w.startMs).toBeGreaterThanOrEqual(last);
    expect(w.endMs).toBeGreaterThanOrEqual(w.startMs);
    expect(w.endMs).toBeLessThanOrEqual(toMs + 1e-6);
    expect(w.confidence).toBeGreaterThanOrEqual(0);
    expect(w.confidence).toBeLessThanOrEqual(1);
    last = w.endMs;
  }
}

async function expectProviderError(
  promise: Promise<unknown>,
  code: string,
  pattern: RegExp,
): Promise<ProviderError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const error = err as ProviderError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(pattern);
  expect(error.message).not.toContain('\n');
  return error;
}

// ---- the tests ----

let stt: PocketsphinxStt;
let goforward: Int16Array;

beforeAll(async () => {
  goforward = loadRaw(GOFORWARD);
  stt = new PocketsphinxStt();
  await stt.prewarm();
});

afterAll(async () => {
  await stt?.close();
});

describe('PocketsphinxStt', () => {
  it('declares streaming with interims and word timestamps at 16 kHz', () => {
    const fresh = new PocketsphinxStt({ modelDir: '/nonexistent' });
    expect(fresh.label).toBe('pocketsphinx-stt');
    expect(fresh.capabilities).toEqual({
      streaming: true,
      interimResults: true,
      wordTimestamps: true,
    });
    expect(fresh.sampleRate).toBe(16000);
    expect(fresh.options.interimIntervalMs).toBe(300);
    expect(() => fresh.updateOptions({ endSilenceMs: -1 })).toThrow(ProviderError);
  });

  it('streams LibriVox speech in 20 ms frames: interims, then finals under 45 % WER', async () => {
    const references = readFileSync(join(LIBRIVOX, 'transcription'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => ({ text: m[1]!, id: m[2]! }));
    expect(references).toHaveLength(5);

    let edits = 0;
    let words = 0;
    const report: string[] = [];
    for (const [index, ref] of references.entries()) {
      const wav = await readWavFile(join(LIBRIVOX, `${ref.id}.wav`));
      expect([wav.sampleRate, wav.channels]).toEqual([RATE, 1]);
      const startMs = 10_000 * index; // stream time need not start at 0
      const endMs = startMs + wav.durationMs;
      const events = await streamAll(stt, framesOf(wav.data, RATE, 1, startMs));

      const types = events.map((e) => e.type);
      expect(types[0]).toBe('speechStarted');
      expect(types.at(-1)).toBe('speechEnded');
      const firstFinal = types.indexOf('final');
      expect(firstFinal).toBeGreaterThan(0);
      expect(types.slice(0, firstFinal)).toContain('interim');
      const usage = events.reduce((ms, e) => ms + (e.type === 'usage' ? e.audioMs : 0), 0);
      expect(usage).toBeCloseTo(wav.durationMs, 0);

      const finals = finalsOf(events);
      for (const f of finals) {
        expect(f.text).toBe(f.text.toLowerCase());
        expect(f.text).not.toMatch(/<|>|\[|\]|\(\d\)/);
        expect(f.words?.map((w) => w.word).join(' ')).toBe(f.text);
        expect(f.language).toBe('en-US');
        expect(f.confidence).toBeGreaterThan(0);
      }
      expectMonotoneWords(
        finals.flatMap((f) => f.words ?? []),
        startMs,
        endMs,
      );

      const hypothesis = tokens(finals.map((f) => f.text).join(' '));
      const reference = tokens(ref.text);
      const e = wordEdits(reference, hypothesis);
      edits += e;
      words += reference.length;
      report.push(
        `${ref.id.slice(-4)} WER ${(e / reference.length).toFixed(2)}: ${hypothesis.join(' ')}`,
      );
    }
    const wer = edits / words;
    const { stats } = stt;
    console.log(
      `${report.join('\n')}\nLibriVox corpus WER ${(wer * 100).toFixed(1)} % over ${words} words; ` +
        `worker cost ${(stats.decodeMs / stats.calls).toFixed(2)} ms per 20 ms frame ` +
        `(RTF ${(stats.decodeMs / stats.audioMs).toFixed(2)}, longest call ${stats.maxCallMs.toFixed(0)} ms)`,
    );
    expect(wer).toBeLessThan(0.45);
  });

  it('recognizes goforward.raw as "go forward ten meters" with word timings', async () => {
    const result = await stt.recognize(framesOf(goforward, RATE, 1, 7_000));
    expect(result.text).toBe('go forward ten meters');
    const words = result.words ?? [];
    expect(words.map((w) => w.word)).toEqual(['go', 'forward', 'ten', 'meters']);
    // Relative to the buffer start; the clip has ~0.4 s of lead-in silence.
    expectMonotoneWords(words, 0, (goforward.length * 1000) / RATE);
    expect(words[0]!.startMs).toBeGreaterThan(200);
    expect(words[0]!.startMs).toBeLessThan(800);
    expect(result.confidence).toBeGreaterThan(0.5);
  });

  it('splits utterances at silence, with stream-time word timings for each', async () => {
    const gapMs = 1500;
    const silence = new Int16Array((gapMs * RATE) / 1000);
    const audio = new Int16Array(goforward.length * 2 + silence.length);
    audio.set(goforward, 0);
    audio.set(goforward, goforward.length + silence.length);
    const startMs = 2_000;
    const events = await streamAll(stt, framesOf(audio, RATE, 1, startMs));

    const finals = finalsOf(events);
    expect(finals.map((f) => f.text)).toEqual(['go forward ten meters', 'go forward ten meters']);
    expect(events.filter((e) => e.type === 'speechStarted')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'speechEnded')).toHaveLength(2);
    const [a, b] = finals.map((f) => f.words!);
    // The second copy starts (clip + gap) later: its words must be shifted by that much.
    const offsetMs = (goforward.length * 1000) / RATE + gapMs;
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(b![i]!.startMs - a![i]!.startMs - offsetMs)).toBeLessThan(60);
    }
    expect(a![0]!.startMs - startMs).toBeGreaterThan(200);
  });

  it('flush() forces a final mid-speech; speech then goes on in the same turn', async () => {
    const stream = stt.stream();
    const seen: SttEvent[] = [];
    let sawFlushedFinal!: () => void;
    const flushedFinal = new Promise<void>((resolve) => {
      sawFlushedFinal = resolve;
    });
    const done = (async () => {
      for await (const ev of stream) {
        seen.push(ev);
        if (ev.type === 'final') sawFlushedFinal();
      }
    })();
    const frames = framesOf(goforward, RATE);
    const cut = 58; // 1.16 s: "go forward" spoken, "ten meters" not yet
    for (const f of frames.slice(0, cut)) stream.pushFrame(f);
    stream.flush(); // e.g. the session's own VAD decided the turn ended
    await flushedFinal; // arrives without more audio
    expect(finalsOf(seen).map((f) => f.text)).toEqual(['go forward']);
    for (const f of frames.slice(cut)) stream.pushFrame(f);
    stream.endInput();
    await done;

    const finals = finalsOf(seen);
    expect(finals.map((f) => f.text)).toEqual(['go forward', 'ten meters']);
    // One turn: the flush did not end the speech, which resumed at once.
    expect(seen.filter((e) => e.type === 'speechStarted')).toHaveLength(1);
    expect(seen.filter((e) => e.type === 'speechEnded')).toHaveLength(1);
    const words = finals.flatMap((f) => f.words ?? []);
    expectMonotoneWords(words, 0, (goforward.length * 1000) / RATE);
    expect(words[1]!.endMs).toBeLessThanOrEqual(cut * 20);
    expect(words[2]!.startMs).toBeGreaterThanOrEqual(cut * 20);
  });

  it('resamples 8 kHz and 48 kHz stereo input; resetAdaptation isolates sessions', async () => {
    // 8 kHz (telephone band) audio lacks the 4-8 kHz band the en-us model was trained on and
    // is barely recognized with the open language model (see the grammar test below); it also
    // skews the decoder's channel adaptation, hence a provider that resets it per session.
    const isolated = new PocketsphinxStt({ resetAdaptation: true });
    try {
      const narrow = resample(goforward, RATE, 8000);
      const wide = resample(goforward, RATE, 48000);
      const stereo = new Int16Array(wide.length * 2);
      for (let i = 0; i < wide.length; i++) {
        stereo[2 * i] = wide[i]!;
        stereo[2 * i + 1] = Math.round(wide[i]! * 0.8);
      }
      const runs: Final[][] = [];
      for (const frames of [
        framesOf(narrow, 8000, 1, 500),
        framesOf(stereo, 48000, 2, 500),
        framesOf(goforward, RATE, 1, 500),
      ]) {
        runs.push(finalsOf(await streamAll(isolated, frames)));
      }
      const texts = runs.map((finals) => finals.map((f) => f.text).join(' '));
      console.log(`8 kHz heard "${texts[0]}", 48 kHz stereo "${texts[1]}", 16 kHz "${texts[2]}"`);
      expect(texts[1]).toBe('go forward ten meters');
      expect(texts[2]).toBe('go forward ten meters');
      // Timing survives the conversion: the first word starts where it does at 16 kHz.
      const reference = runs[2]![0]!.words![0]!.startMs;
      for (const finals of runs) {
        expect(finals.length).toBeGreaterThan(0);
        expect(Math.abs(finals[0]!.words![0]!.startMs - reference)).toBeLessThan(60);
      }
    } finally {
      await isolated.close();
    }
  });

  it('keeps the event loop responsive while decoding', async () => {
    const wav = await readWavFile(join(LIBRIVOX, 'sense_and_sensibility_01_austen_64kb-0870.wav'));
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 10);
    const started = performance.now();
    try {
      const finals = finalsOf(await streamAll(stt, framesOf(wav.data, RATE)));
      expect(finals.length).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    const longGaps = gaps.filter((g) => g > 100).length;
    console.log(
      `event loop while decoding ${wav.durationMs} ms of audio in ${elapsed.toFixed(0)} ms: ` +
        `${gaps.length} ticks, max gap ${Math.max(...gaps).toFixed(1)} ms, ${longGaps} gaps > 100 ms`,
    );
    // Loose on purpose (shared CI machines): the timer must keep ticking through the decode.
    expect(gaps.length).toBeGreaterThan(elapsed / 10 / 4);
    expect(longGaps).toBeLessThanOrEqual(Math.max(2, gaps.length / 20));
  });

  it('recognizes a closed JSGF grammar exactly, even from 8 kHz audio', async () => {
    const grammar = join(TESTDATA, 'goforward.gram');
    const withGrammar = new PocketsphinxStt({ grammar });
    try {
      const narrow = resample(goforward, RATE, 8000);
      const result = await withGrammar.recognize(framesOf(narrow, 8000));
      expect(result.text).toBe('go forward ten meters');
    } finally {
      await withGrammar.close();
    }
  });

  it('rejects a language the model does not speak', async () => {
    await expectProviderError(
      collect(stt.stream({ language: 'fr-FR' })),
      'unsupported_language',
      /language 'fr-FR' is not supported/,
    );
    // English variants are fine.
    const stream = stt.stream({ language: 'en-GB' });
    stream.endInput();
    expect(await collect(stream)).toEqual([]);
  });

  it('ends iteration with the abort reason when the signal aborts', async () => {
    const controller = new AbortController();
    const stream = stt.stream({ signal: controller.signal });
    const events = collect(stream);
    for (const f of framesOf(goforward, RATE).slice(0, 50)) stream.pushFrame(f);
    controller.abort(new Error('caller gave up'));
    await expect(events).rejects.toThrow('caller gave up');
  });
});

describe('PocketsphinxStt errors and lifecycle', () => {
  it('reports a missing model folder in one clear line', async () => {
    const missing = new PocketsphinxStt({ modelDir: '/nonexistent/pocketsphinx-model' });
    try {
      const pattern = /pocketsphinx model not found: \/nonexistent\/pocketsphinx-model\/en-us/;
      await expectProviderError(missing.prewarm(), 'model_missing', pattern);
      await expectProviderError(collect(missing.stream()), 'model_missing', pattern);
      await expectProviderError(
        missing.recognize(framesOf(goforward, RATE)),
        'model_missing',
        /VOICECHART_POCKETSPHINX_MODEL/,
      );
    } finally {
      await missing.close();
    }
  });

  it('reports a missing library with the apt-get line', async () => {
    const missing = new PocketsphinxStt({
      libraries: { pocketsphinx: 'libpocketsphinx-not-installed.so.3' },
    });
    try {
      await expectProviderError(
        missing.prewarm(),
        'library_missing',
        /pocketsphinx not found: apt-get install libpocketsphinx3 pocketsphinx-en-us/,
      );
    } finally {
      await missing.close();
    }
  });

  it('turns a worker crash into a retryable ProviderError and recovers', async () => {
    const crashy = new PocketsphinxStt();
    try {
      const stream = crashy.stream();
      const events = collect(stream);
      for (const f of framesOf(goforward, RATE).slice(0, 25)) stream.pushFrame(f);
      // Simulate a crash of the worker thread (private field: no test hook in the class).
      await (crashy as unknown as { worker: Worker }).worker.terminate();
      const error = await expectProviderError(events, 'worker_exit', /worker exited unexpectedly/);
      expect(error.retryable).toBe(true);
      // The next call starts a fresh worker.
      const result = await crashy.recognize(framesOf(goforward, RATE));
      expect(result.text).toBe('go forward ten meters');
    } finally {
      await crashy.close();
    }
  });

  it('close() ends open streams and rejects later calls', async () => {
    const closing = new PocketsphinxStt();
    const stream = closing.stream();
    const events = collect(stream);
    for (const f of framesOf(goforward, RATE).slice(0, 25)) stream.pushFrame(f);
    await closing.close();
    await closing.close(); // idempotent
    await expect(events).resolves.toBeInstanceOf(Array);
    await expectProviderError(closing.recognize(framesOf(goforward, RATE)), 'closed', /closed/);
    await expectProviderError(collect(closing.stream()), 'closed', /closed/);
  });
});
