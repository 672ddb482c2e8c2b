// EspeakTts: eSpeak NG in a worker thread, streaming audio with word events. Real audio
// checked for plausible duration, level and framing; word timings; streaming sessions;
// abort, close and option validation; plus the word-event bookkeeping on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatFrames, rmsDbfs } from '../../../src/audio/mix.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import { EspeakTts, EspeakWordTracker } from '../../../src/providers/local/espeak-tts.ts';
import type { TtsChunk } from '../../../src/providers/tts.ts';

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

const tts = new EspeakTts();

beforeAll(async () => {
  await tts.prewarm();
});

afterAll(async () => {
  await tts.close();
});

describe('EspeakTts synthesis', () => {
  it('declares its capabilities', () => {
    expect(tts.label).toBe('espeak-tts');
    expect(tts.capabilities).toEqual({
      streaming: true,
      wordTimestamps: true,
      sampleRate: 22050,
      channels: 1,
    });
    expect(tts.options).toEqual({ voice: 'en-us', speed: 1, pitch: 50 });
  });

  it('speaks a sentence as contiguous 20 ms frames of audible speech, with word timings', async () => {
    const chunks = await collect(tts.synthesize(WEATHER));
    let expectedStart = 0;
    for (const [i, { frame }] of chunks.entries()) {
      expect(frame.sampleRate).toBe(22050);
      expect(frame.channels).toBe(1);
      expect(frame.startMs).toBeCloseTo(expectedStart, 6);
      if (i < chunks.length - 1) expect(frame.durationMs).toBe(20);
      expectedStart = frame.endMs;
    }
    const seconds = totalMs(chunks) / 1000;
    expect(seconds).toBeGreaterThan(0.15 * 8);
    expect(seconds).toBeLessThan(0.6 * 8);
    expect(rmsDbfs(concatFrames(chunks.map((c) => c.frame)))).toBeGreaterThan(-35);

    const words = wordsOf(chunks);
    expect(words.map((w) => w.word)).toEqual([
      'What',
      'is',
      'the',
      'weather',
      'like',
      'in',
      'Paris',
      'today',
    ]);
    let previousEnd = 0;
    for (const w of words) {
      expect(w.startMs).toBeGreaterThanOrEqual(previousEnd - 1e-6);
      expect(w.endMs).toBeGreaterThan(w.startMs);
      expect(w.endMs).toBeLessThanOrEqual(totalMs(chunks) + 1e-6);
      previousEnd = w.endMs;
    }
    for (const c of chunks) {
      for (const w of c.words ?? []) expect(w.endMs).toBeLessThanOrEqual(c.frame.endMs + 1e-6);
    }
  });

  it('streams: the first audio arrives before synthesis of a long text is over', async () => {
    const text = Array.from({ length: 8 }, (_, i) => `Sentence ${i + 1} goes on for a while.`).join(
      ' ',
    );
    const t0 = performance.now();
    let firstAt = 0;
    let n = 0;
    for await (const _ of tts.synthesize(text)) {
      if (n++ === 0) firstAt = performance.now() - t0;
    }
    const total = performance.now() - t0;
    expect(n).toBeGreaterThan(100);
    expect(firstAt).toBeLessThan(total / 2);
  });

  it('yields no audio for empty or blank text', async () => {
    expect(await collect(tts.synthesize(''))).toEqual([]);
    expect(await collect(tts.synthesize(' \n\t'))).toEqual([]);
    expect(await collect(tts.synthesize('...'))).toEqual([]);
  });

  it('resamples to the configured rate and follows speed', async () => {
    const fast = new EspeakTts({ sampleRate: 16000, speed: 2 });
    try {
      const chunks = await collect(fast.synthesize(WEATHER));
      expect(chunks.every((c) => c.frame.sampleRate === 16000)).toBe(true);
      const normal = totalMs(await collect(tts.synthesize(WEATHER)));
      const ratio = totalMs(chunks) / normal;
      expect(ratio).toBeGreaterThan(0.35);
      expect(ratio).toBeLessThan(0.75);
      expect(wordsOf(chunks)).toHaveLength(8);
    } finally {
      await fast.close();
    }
  });
});

describe('EspeakTts voices and options', () => {
  it('lists its voices', async () => {
    const voices = await tts.voices();
    expect(voices.length).toBeGreaterThan(50);
    expect(voices.some((v) => v.languages.includes('en-us'))).toBe(true);
  });

  it('fails a request for an unknown voice with a clear error, and recovers', async () => {
    const t = new EspeakTts({ voice: 'xx-nope' });
    try {
      await expect(collect(t.synthesize('Hello.'))).rejects.toThrow(
        /espeak-tts: unknown voice "xx-nope"; use a language name such as 'en-us'/,
      );
      await expect(t.prewarm()).rejects.toBeInstanceOf(ProviderError);
      t.updateOptions({ voice: 'fr' });
      expect(totalMs(await collect(t.synthesize('Bonjour tout le monde.')))).toBeGreaterThan(500);
    } finally {
      await t.close();
    }
    expect(() => new EspeakTts({ voice: 'bad voice!' })).toThrow(/voice "bad voice!" is invalid/);
    expect(() => tts.updateOptions({ speed: 10 })).toThrow(/speed 10 is invalid/);
    expect(() => new EspeakTts({ sampleRate: 16000, frameMs: 0.1 })).toThrow(/frameMs/);
  });
});

describe('EspeakTts streaming sessions and cancellation', () => {
  it('streams pushed sentences in order', async () => {
    const stream = tts.stream();
    stream.pushText('Good morning, how are');
    stream.pushText(' you doing today? The weather in');
    stream.pushText(' Paris is lovely.');
    stream.endInput();
    const chunks = await collect(stream);
    expect(wordsOf(chunks).map((w) => w.word)).toEqual(
      'Good morning how are you doing today The weather in Paris is lovely'.split(' '),
    );
    const words = wordsOf(chunks);
    for (let i = 1; i < words.length; i++) {
      expect(words[i]!.startMs).toBeGreaterThanOrEqual(words[i - 1]!.endMs - 1e-6);
    }
  });

  it('stops when aborted mid-stream, and keeps working', async () => {
    const controller = new AbortController();
    const reason = new Error('barge-in');
    let n = 0;
    const run = (async () => {
      for await (const _ of tts.synthesize(
        'This is a long answer that nobody is going to hear until the very end.',
        { signal: controller.signal },
      )) {
        if (++n === 3) controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(n).toBe(3);
    const pre = new AbortController();
    pre.abort(new Error('early'));
    await expect(collect(tts.synthesize(WEATHER, { signal: pre.signal }))).rejects.toThrow('early');
    let m = 0;
    for await (const _ of tts.synthesize('Breaking out early works too.')) if (++m === 2) break;
    expect(totalMs(await collect(tts.synthesize('Still here.')))).toBeGreaterThan(300);
  });

  it('fails requests when the worker dies, then respawns it', async () => {
    const t = new EspeakTts();
    try {
      await t.prewarm();
      const worker = (t as unknown as { worker: { terminate(): Promise<number> } }).worker;
      const failed = expect(
        collect(t.synthesize('A long sentence in flight when the worker dies.')),
      ).rejects.toThrow(/espeak-tts: worker exited/);
      await worker.terminate();
      await failed;
      expect(totalMs(await collect(t.synthesize('And then it works again.')))).toBeGreaterThan(500);
    } finally {
      await t.close();
    }
  });

  it('closes idempotently and fails requests in flight', async () => {
    const t = new EspeakTts();
    const inFlight = expect(
      collect(t.synthesize('A sentence that will not finish in time, surely.')),
    ).rejects.toThrow(/closed/);
    await t.close();
    await t.close();
    await inFlight;
    await expect(collect(t.synthesize('Hello.'))).rejects.toThrow(/espeak-tts: closed/);
    expect(() => t.stream()).toThrow(/closed/);
  });
});

describe('EspeakWordTracker', () => {
  it('ends words at the next boundary and merges words read from one token', () => {
    const text = 'I have 42 apples, ok';
    const t = new EspeakWordTracker(text);
    t.push([
      { type: 'word', ms: 0, pos: 1, len: 1 },
      { type: 'word', ms: 100, pos: 3, len: 4 },
      { type: 'word', ms: 300, pos: 8, len: 2 }, // "forty"
      { type: 'word', ms: 500, pos: 9, len: 2 }, // "two", from the same token
      { type: 'word', ms: 700, pos: 11, len: 6 },
      { type: 'phoneme', ms: 1000, pos: 17, len: 0 }, // pause
      { type: 'end', ms: 1100, pos: 17, len: 0 },
      { type: 'word', ms: 1100, pos: 19, len: 2 },
    ]);
    expect(t.take(300)).toEqual([
      { word: 'I', startMs: 0, endMs: 100 },
      { word: 'have', startMs: 100, endMs: 300 },
    ]);
    t.finish(1300);
    expect(t.take(Number.POSITIVE_INFINITY)).toEqual([
      { word: '42', startMs: 300, endMs: 700 },
      { word: 'apples', startMs: 700, endMs: 1000 },
      { word: 'ok', startMs: 1100, endMs: 1300 },
    ]);
  });
});
