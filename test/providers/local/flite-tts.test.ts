// FliteTts: offline Flite synthesis in a worker thread. Real audio checked for plausible
// duration, level and framing; word timings from Flite's phone timings; sentence streaming
// through StreamTts; abort, close, option validation; and, when pocketsphinx is installed,
// a TTS → STT round trip.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../../src/audio/audio-frame.ts';
import { concatFrames, rmsDbfs } from '../../../src/audio/mix.ts';
import { readWavFile } from '../../../src/audio/wav.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import {
  alignWords,
  FLITE_VOICES,
  FliteTts,
  parseSegments,
  splitLexiconPhones,
  toFliteText,
} from '../../../src/providers/local/flite-tts.ts';
import { StreamTts } from '../../../src/providers/stream-tts.ts';
import type { TtsChunk } from '../../../src/providers/tts.ts';
import { normalizeTranscript } from '../../../src/text/transcripts.ts';
import {
  closeSpeechSynthesizers,
  SPEECH_CACHE_DIR,
  speechWavPath,
  synthesizeSpeech,
  writeSpeechWav,
} from '../../helpers/speech-data.ts';

const WEATHER = 'What is the weather like in Paris today?';

async function collect(iterable: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const chunk of iterable) out.push(chunk);
  return out;
}

function totalMs(chunks: readonly TtsChunk[]): number {
  return chunks.reduce((ms, c) => ms + c.frame.durationMs, 0);
}

function wordsOf(chunks: readonly TtsChunk[]) {
  return chunks.flatMap((c) => c.words ?? []);
}

function audio(chunks: readonly TtsChunk[]): AudioFrame {
  return concatFrames(chunks.map((c) => c.frame));
}

const tts = new FliteTts();

beforeAll(async () => {
  await tts.prewarm();
});

afterAll(async () => {
  await tts.close();
  await closeSpeechSynthesizers();
});

describe('FliteTts synthesis', () => {
  it('declares its capabilities', () => {
    expect(tts.label).toBe('flite-tts');
    expect(tts.capabilities).toEqual({
      streaming: false,
      wordTimestamps: true,
      sampleRate: 16000,
      channels: 1,
    });
    expect(FliteTts.voices).toEqual(['slt', 'rms', 'awb', 'kal16', 'kal']);
  });

  it('speaks a sentence as contiguous 20 ms mono frames of audible speech', async () => {
    const chunks = await collect(tts.synthesize(WEATHER));
    expect(chunks.length).toBeGreaterThan(10);
    let expectedStart = 0;
    for (const [i, { frame }] of chunks.entries()) {
      expect(frame.sampleRate).toBe(16000);
      expect(frame.channels).toBe(1);
      expect(frame.startMs).toBeCloseTo(expectedStart, 6);
      if (i < chunks.length - 1) expect(frame.durationMs).toBe(20);
      else expect(frame.durationMs).toBeLessThanOrEqual(20);
      expectedStart = frame.endMs;
    }
    const words = 8;
    const seconds = totalMs(chunks) / 1000;
    expect(seconds).toBeGreaterThan(0.15 * words);
    expect(seconds).toBeLessThan(0.6 * words);
    expect(rmsDbfs(audio(chunks))).toBeGreaterThan(-35);
  });

  it('times every word in order, inside the audio', async () => {
    const chunks = await collect(tts.synthesize(WEATHER));
    const words = wordsOf(chunks);
    expect(words.map((w) => w.word)).toEqual(WEATHER.split(' '));
    const durationMs = totalMs(chunks);
    let previousEnd = 0;
    for (const w of words) {
      expect(w.startMs).toBeGreaterThanOrEqual(previousEnd - 1e-6);
      expect(w.endMs).toBeGreaterThan(w.startMs + 30);
      expect(w.endMs).toBeLessThanOrEqual(durationMs + 1e-6);
      previousEnd = w.endMs;
    }
    // Each chunk carries the words that end within it.
    for (const c of chunks) {
      for (const w of c.words ?? []) {
        expect(w.endMs).toBeGreaterThan(c.frame.startMs - 1e-6);
        expect(w.endMs).toBeLessThanOrEqual(c.frame.endMs + 1e-6);
      }
    }
    // "weather" (two syllables) outlasts "the"; the opening pause was cut to 50 ms.
    const [, , the, weather] = words;
    expect(weather!.endMs - weather!.startMs).toBeGreaterThan(the!.endMs - the!.startMs);
    expect(words[0]!.startMs).toBeGreaterThanOrEqual(40);
    expect(words[0]!.startMs).toBeLessThan(80);
  });

  it('speaks the words between the timings: the gap between sentences is quieter', async () => {
    const chunks = await collect(tts.synthesize('Hello there. Nice to meet you.'));
    const words = wordsOf(chunks);
    expect(words.map((w) => w.word)).toEqual(['Hello', 'there.', 'Nice', 'to', 'meet', 'you.']);
    const all = audio(chunks);
    const slice = (fromMs: number, toMs: number) =>
      rmsDbfs(
        concatFrames(
          chunks.map((c) => c.frame).filter((f) => f.startMs >= fromMs && f.endMs <= toMs),
        ),
      );
    const there = words[1]!;
    const nice = words[2]!;
    expect(nice.startMs - there.endMs).toBeGreaterThan(100); // sentence pause
    const pause = slice(there.endMs + 20, nice.startMs - 20);
    expect(slice(nice.startMs, nice.endMs)).toBeGreaterThan(pause + 15);
    expect(all.durationMs).toBeCloseTo(totalMs(chunks), 6);
  });

  it('keeps frames contiguous across the sentences of one request', async () => {
    const text = 'The first sentence is here. And this is the second one! Is there a third?';
    const chunks = await collect(tts.synthesize(text));
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]!.frame.startMs).toBeCloseTo(chunks[i - 1]!.frame.endMs, 6);
    }
    const words = wordsOf(chunks).map((w) => w.word);
    expect(words).toEqual(text.split(' '));
  });

  it('yields no audio for empty, blank or unpronounceable text', async () => {
    expect(await collect(tts.synthesize(''))).toEqual([]);
    expect(await collect(tts.synthesize('   \n\t '))).toEqual([]);
    expect(await collect(tts.synthesize('... !'))).toEqual([]);
  });

  it('reads typographic punctuation, accents and numbers', async () => {
    expect(toFliteText('Don’t say “naïve café” — ok…')).toBe(`Don't say "naive cafe"  ,  ok...`);
    expect(toFliteText('emoji 😀 and 中文')).toBe('emoji   and   ');
    const chunks = await collect(tts.synthesize('Don’t pay $42 for the café 😀.'));
    expect(totalMs(chunks)).toBeGreaterThan(1000);
    expect(wordsOf(chunks).map((w) => w.word)).toEqual([
      'Don’t',
      'pay',
      '$42',
      'for',
      'the',
      'café',
    ]);
  });

  it('speaks faster with a higher speed', async () => {
    const normal = totalMs(await collect(tts.synthesize(WEATHER)));
    const fast = new FliteTts({ speed: 1.5 });
    try {
      const quick = totalMs(await collect(fast.synthesize(WEATHER)));
      expect(quick / normal).toBeGreaterThan(0.5);
      expect(quick / normal).toBeLessThan(0.85);
    } finally {
      await fast.close();
    }
  });

  it('resamples to the configured rate, and the 8 kHz voice to 16 kHz', async () => {
    const wide = new FliteTts({ sampleRate: 24000, frameMs: 40 });
    const kal = new FliteTts({ voice: 'kal' });
    try {
      const a = await collect(wide.synthesize('Testing the output rate.'));
      expect(a.every((c) => c.frame.sampleRate === 24000)).toBe(true);
      expect(a[0]!.frame.durationMs).toBe(40);
      expect(rmsDbfs(audio(a))).toBeGreaterThan(-35);
      expect(FLITE_VOICES.kal.sampleRate).toBe(8000);
      const b = await collect(kal.synthesize('Testing the output rate.'));
      expect(b.every((c) => c.frame.sampleRate === 16000)).toBe(true);
      expect(totalMs(b)).toBeGreaterThan(600);
      expect(rmsDbfs(audio(b))).toBeGreaterThan(-35);
      expect(wordsOf(b).map((w) => w.word)).toEqual(['Testing', 'the', 'output', 'rate.']);
    } finally {
      await Promise.all([wide.close(), kal.close()]);
    }
  });

  it('omits word timings when disabled', async () => {
    const plain = new FliteTts({ wordTimestamps: false });
    try {
      expect(plain.capabilities.wordTimestamps).toBe(false);
      const chunks = await collect(plain.synthesize(WEATHER));
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.every((c) => c.words === undefined)).toBe(true);
    } finally {
      await plain.close();
    }
  });
});

describe('FliteTts options', () => {
  it('rejects an unknown voice, naming the available ones', () => {
    expect(() => new FliteTts({ voice: 'nope' as never })).toThrow(ProviderError);
    expect(() => new FliteTts({ voice: 'nope' as never })).toThrow(
      /unknown voice "nope"; available voices: slt, rms, awb, kal16, kal/,
    );
    const t = new FliteTts();
    expect(() => t.updateOptions({ voice: 'awb_time' as never })).toThrow(/unknown voice/);
    expect(() => t.updateOptions({ speed: 0 })).toThrow(/speed 0 is invalid/);
    expect(t.options).toEqual({ voice: 'slt', speed: 1 });
    expect(() => new FliteTts({ sampleRate: 1000 })).toThrow(/sampleRate/);
    expect(() => new FliteTts({ frameMs: 0 })).toThrow(/frameMs/);
  });

  it('switches voice at run time', async () => {
    const t = new FliteTts();
    try {
      t.updateOptions({ voice: 'rms' });
      expect(t.options.voice).toBe('rms');
      const chunks = await collect(t.synthesize('This is another voice.'));
      expect(totalMs(chunks)).toBeGreaterThan(700);
      expect(rmsDbfs(audio(chunks))).toBeGreaterThan(-35);
    } finally {
      await t.close();
    }
  });
});

describe('FliteTts streaming', () => {
  it('streams two sentences through StreamTts, in order', async () => {
    const streaming = new StreamTts(tts);
    expect(streaming.capabilities.streaming).toBe(true);
    const stream = streaming.stream();
    stream.pushText('Good morning, how are');
    stream.pushText(' you doing today? The weather in');
    stream.pushText(' Paris is lovely.');
    stream.endInput();
    const chunks = await collect(stream);
    const words = wordsOf(chunks);
    expect(words.map((w) => w.word)).toEqual(
      'Good morning, how are you doing today? The weather in Paris is lovely.'.split(' '),
    );
    for (let i = 1; i < words.length; i++) {
      expect(words[i]!.startMs).toBeGreaterThanOrEqual(words[i - 1]!.endMs - 1e-6);
    }
    // Audio for both sentences: about as long as synthesizing them one by one.
    const first = totalMs(await collect(tts.synthesize('Good morning, how are you doing today?')));
    const second = totalMs(await collect(tts.synthesize('The weather in Paris is lovely.')));
    expect(totalMs(chunks)).toBeCloseTo(first + second, 0);
    expect(words.at(-1)!.endMs).toBeGreaterThan(first);
  });

  it('offers stream() directly and FliteTts.streaming()', async () => {
    const direct = tts.stream();
    direct.pushText('One sentence here. ');
    direct.pushText('And another one there.');
    direct.endInput();
    expect(wordsOf(await collect(direct)).map((w) => w.word)).toEqual(
      'One sentence here. And another one there.'.split(' '),
    );
    const wrapped = FliteTts.streaming({ voice: 'slt' });
    try {
      expect(wrapped.capabilities).toMatchObject({ streaming: true, wordTimestamps: true });
      const s = wrapped.stream();
      s.pushText('Hi there, this is a streamed reply.');
      s.endInput();
      expect(totalMs(await collect(s))).toBeGreaterThan(1000);
    } finally {
      await wrapped.close();
    }
  });
});

describe('FliteTts cancellation and lifecycle', () => {
  it('stops when aborted after the first chunk, throwing the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('barge-in');
    const seen: TtsChunk[] = [];
    const run = (async () => {
      for await (const chunk of tts.synthesize(
        'This is a long answer. It has several sentences. Nobody will hear the end of it.',
        { signal: controller.signal },
      )) {
        seen.push(chunk);
        if (seen.length === 3) controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(seen).toHaveLength(3);
  });

  it('rejects promptly when aborted before any audio', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(collect(tts.synthesize(WEATHER, { signal: controller.signal }))).rejects.toThrow(
      'too late',
    );
    const pending = new AbortController();
    const run = collect(tts.synthesize(WEATHER, { signal: pending.signal }));
    pending.abort(new Error('cancelled'));
    await expect(run).rejects.toThrow('cancelled');
    // The worker is still usable afterwards.
    expect(totalMs(await collect(tts.synthesize('Still here.')))).toBeGreaterThan(300);
  });

  it('can be left early with break, and keeps working', async () => {
    let n = 0;
    for await (const _ of tts.synthesize('First part. Second part. Third part.')) {
      if (++n === 2) break;
    }
    expect(n).toBe(2);
    expect(totalMs(await collect(tts.synthesize('Next request.')))).toBeGreaterThan(300);
  });

  it('closes idempotently; requests after close fail, and close fails requests in flight', async () => {
    const t = new FliteTts();
    const inFlight = expect(
      collect(t.synthesize('A sentence that will not finish. And another.')),
    ).rejects.toThrow(/closed/);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.close();
    await t.close();
    await inFlight;
    await expect(collect(t.synthesize('Hello.'))).rejects.toThrow(/flite-tts: closed/);
    expect(() => t.stream()).toThrow(/closed/);
  });

  it('turns a worker crash into a retryable ProviderError, then respawns the worker', async () => {
    const t = new FliteTts();
    try {
      await t.prewarm();
      const engine = (t as unknown as { engine: { worker: { terminate(): Promise<number> } } })
        .engine;
      const failed = expect(
        collect(t.synthesize('A sentence in flight when the worker dies.')),
      ).rejects.toMatchObject({ name: 'ProviderError', retryable: true });
      await engine.worker.terminate();
      await failed;
      expect(totalMs(await collect(t.synthesize('And then it works again.')))).toBeGreaterThan(500);
    } finally {
      await t.close();
    }
  });

  it('keeps the event loop responsive during synthesis', async () => {
    const text = Array.from(
      { length: 6 },
      (_, i) => `This is sentence number ${i + 1} of a long reply.`,
    ).join(' ');
    // Each sentence takes Flite some 50–150 ms of CPU: run on the main thread, it would hold
    // a 5 ms timer back that long, every sentence. In the worker the timer keeps ticking.
    let last = performance.now();
    let worstGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 5);
    let elapsed = 0;
    try {
      const t0 = performance.now();
      const chunks = await collect(tts.synthesize(text));
      elapsed = performance.now() - t0;
      expect(totalMs(chunks)).toBeGreaterThan(elapsed); // faster than real time
    } finally {
      clearInterval(timer);
    }
    // Loose bounds: a shared 2-core machine running other tests delays timers too.
    expect(elapsed / Math.max(ticks, 1)).toBeLessThan(25);
    expect(worstGap).toBeLessThan(250);
  });
});

describe('Flite output parsing and word alignment', () => {
  it('parses -psdur output, chaining utterance lines', () => {
    expect(parseSegments('pau:0.164 hh:0.255 ax:0.304 \n')).toEqual([
      { phone: 'pau', endS: 0.164 },
      { phone: 'hh', endS: 0.255 },
      { phone: 'ax', endS: 0.304 },
    ]);
    const two = parseSegments('pau:0.1 a:0.5 \npau:0.2 b:0.4 \n');
    expect(two.map((s) => s.endS)).toEqual([0.1, 0.5, 0.7, 0.9]);
  });

  it('cuts the lexicon pass at the delimiter word', () => {
    const d = 'z ay l ax f ow n';
    expect(splitLexiconPhones(`pau ${d} hh ax l ow ${d} pau w er l d ${d} pau \n`, 2)).toEqual([
      ['hh', 'ax', 'l', 'ow'],
      ['w', 'er', 'l', 'd'],
    ]);
    expect(splitLexiconPhones(`${d} ${d} ih t ${d}`, 2)).toEqual([[], ['ih', 't']]);
    expect(splitLexiconPhones(`${d} a ${d} ${d} b ${d}`, 2)).toBeNull(); // an extra delimiter
  });

  it('aligns phones to words by edit distance, tolerating changed phones', () => {
    const segments = parseSegments(
      'pau:0.1 dh:0.15 iy:0.2 ae:0.3 p:0.35 l:0.4 pau:0.6 iy:0.7 t:0.8 s:0.9 pau:1.0',
    );
    // The dictionary says "dh ax" (before a consonant); spoken before a vowel it is "dh iy".
    const words = alignWords(
      segments,
      ['The', 'apple.', 'Eats'],
      [
        ['dh', 'ax'],
        ['ae', 'p', 'ax', 'l'],
        ['iy', 't', 's'],
      ],
    );
    expect(words.map((w) => [w.word, Math.round(w.startMs), Math.round(w.endMs)])).toEqual([
      ['The', 100, 200],
      ['apple.', 200, 400],
      ['Eats', 600, 900],
    ]);
    // Without a dictionary the phones are shared out by word length.
    const rough = alignWords(segments, ['The', 'apple.', 'Eats'], null);
    expect(rough.map((w) => w.word)).toEqual(['The', 'apple.', 'Eats']);
    expect(rough[0]!.startMs).toBeCloseTo(100, 6);
    expect(rough.at(-1)!.endMs).toBeCloseTo(900, 6);
  });
});

describe('speech-data helper', () => {
  it('synthesizes a cached mono frame and WAV file', async () => {
    const text = 'the helper speaks this sentence';
    const frame = await synthesizeSpeech(text);
    expect(frame.sampleRate).toBe(16000);
    expect(frame.channels).toBe(1);
    expect(frame.startMs).toBe(0);
    expect(frame.durationMs).toBeGreaterThan(1000);
    expect(rmsDbfs(frame)).toBeGreaterThan(-35);
    const path = await speechWavPath(text);
    expect(path.startsWith(SPEECH_CACHE_DIR)).toBe(true);
    expect(existsSync(path)).toBe(true);
    const again = await synthesizeSpeech(text);
    expect(again.data).toEqual(frame.data);
    const at8k = await synthesizeSpeech(text, { sampleRate: 8000 });
    expect(at8k.sampleRate).toBe(8000);
    expect(at8k.durationMs).toBeCloseTo(frame.durationMs, -1);

    const dir = await mkdtemp(join(tmpdir(), 'voicechart-speech-'));
    try {
      await writeSpeechWav(text, join(dir, 'out.wav'));
      expect((await readWavFile(join(dir, 'out.wav'))).data).toEqual(frame.data);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// pocketsphinx from Debian (`apt-get install pocketsphinx pocketsphinx-en-us`): skipped when
// the CLI or the en-us model is absent.
const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us/en-us';
const hasPocketsphinx =
  existsSync(POCKETSPHINX_MODEL) &&
  spawnSync('pocketsphinx_continuous', ['-h'], { stdio: 'ignore' }).error === undefined;

describe('Flite → pocketsphinx round trip', () => {
  it.skipIf(!hasPocketsphinx)('is recognised by pocketsphinx_continuous', async () => {
    const text = 'what is the weather like in paris today';
    const path = await speechWavPath(text);
    const result = spawnSync('pocketsphinx_continuous', ['-infile', path, '-logfn', '/dev/null'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    const heard = new Set(normalizeTranscript(result.stdout).split(' '));
    const expected = text.split(' ');
    const recognised = expected.filter((w) => heard.has(w));
    expect(recognised.length).toBeGreaterThanOrEqual(Math.ceil(expected.length * 0.75));
  });
});
