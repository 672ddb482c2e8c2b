// StreamTts turns a batch TTS into a streaming one: pushed text is synthesized sentence by
// sentence in order, word timings are shifted by the audio already produced, and close /
// abort / errors propagate to the consumer and to in-flight synthesis.
import { describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import {
  ProviderError,
  StreamTts,
  type Tts,
  type TtsCapabilities,
  type TtsChunk,
  type TtsStream,
} from '../../src/providers/index.ts';
import type { TimedWord } from '../../src/text/index.ts';

const SAMPLE_RATE = 16_000;
/** The fake speaks 10 ms of audio per character. */
const MS_PER_CHAR = 10;

/**
 * Batch TTS double: one silent frame per sentence, 10 ms per character, with word timings
 * spread over the frame. `gate` (when set) holds each synthesis until released.
 */
class FakeBatchTts implements Tts<{ voice: string }> {
  readonly label = 'fake-tts';
  readonly capabilities: TtsCapabilities = {
    streaming: false,
    wordTimestamps: true,
    sampleRate: SAMPLE_RATE,
    channels: 1,
  };
  calls: string[] = [];
  signals: AbortSignal[] = [];
  options: Partial<{ voice: string }> = {};
  closed = false;
  failOn: string | null = null;
  gate: Promise<void> | null = null;

  async *synthesize(text: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<TtsChunk> {
    this.calls.push(text);
    if (opts.signal) this.signals.push(opts.signal);
    if (this.gate) await this.gate;
    opts.signal?.throwIfAborted();
    if (this.failOn !== null && text.includes(this.failOn)) throw new Error('voice unavailable');
    const durationMs = text.length * MS_PER_CHAR;
    const frame = new AudioFrame(new Int16Array((durationMs * SAMPLE_RATE) / 1000), SAMPLE_RATE);
    const words = text.split(/\s+/).filter(Boolean);
    const step = durationMs / words.length;
    const timed: TimedWord[] = words.map((word, i) => ({
      word,
      startMs: i * step,
      endMs: (i + 1) * step,
    }));
    yield { frame, words: timed };
  }

  stream(): TtsStream {
    throw new Error('not streaming');
  }
  updateOptions(opts: Partial<{ voice: string }>): void {
    Object.assign(this.options, opts);
  }
  async prewarm(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function collect(stream: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('StreamTts', () => {
  it('advertises streaming and forwards options, prewarm and synthesize', async () => {
    const inner = new FakeBatchTts();
    const tts = new StreamTts(inner);
    expect(tts.capabilities).toEqual({ ...inner.capabilities, streaming: true });
    expect(tts.label).toBe('StreamTts(fake-tts)');
    tts.updateOptions({ voice: 'alice' });
    expect(inner.options).toEqual({ voice: 'alice' });
    await tts.prewarm();
    expect(await collect(tts.synthesize('One shot.'))).toHaveLength(1);
  });

  it('synthesizes sentences in order and shifts word timings by the audio produced', async () => {
    const inner = new FakeBatchTts();
    const stream = new StreamTts(inner, { sentences: { minChars: 0 } }).stream();
    stream.pushText('Hello there. How a');
    stream.pushText('re you? Fine');
    stream.endInput();
    const chunks = await collect(stream);

    expect(inner.calls).toEqual(['Hello there.', 'How are you?', 'Fine']);
    expect(chunks.map((c) => c.frame.durationMs)).toEqual([120, 120, 40]);
    const words = chunks.flatMap((c) => c.words ?? []);
    expect(words.map((w) => w.word)).toEqual(['Hello', 'there.', 'How', 'are', 'you?', 'Fine']);
    expect(words.map((w) => w.startMs)).toEqual([0, 60, 120, 160, 200, 240]);
    expect(words.at(-1)?.endMs).toBe(280);
  });

  it('starts synthesis as soon as a sentence is complete, before endInput', async () => {
    const inner = new FakeBatchTts();
    const stream = new StreamTts(inner, { sentences: { minChars: 0 } }).stream();
    const it = stream[Symbol.asyncIterator]();
    stream.pushText('First sentence here. Sec');
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(inner.calls).toEqual(['First sentence here.']);
    stream.close();
  });

  it('flush synthesizes the buffered text without waiting for a sentence end', async () => {
    const inner = new FakeBatchTts();
    const stream = new StreamTts(inner).stream();
    const it = stream[Symbol.asyncIterator]();
    stream.pushText('Hi');
    stream.flush();
    const first = await it.next();
    expect(first.value?.words?.map((w: TimedWord) => w.word)).toEqual(['Hi']);
    stream.pushText('Second segment.');
    stream.endInput();
    expect((await it.next()).value?.words?.[0]).toEqual({ word: 'Second', startMs: 20, endMs: 95 });
    expect((await it.next()).done).toBe(true);
  });

  it('merges short sentences by default', async () => {
    const inner = new FakeBatchTts();
    const stream = new StreamTts(inner).stream();
    stream.pushText('Ok. Sure. Let me look that up for you. ');
    stream.endInput();
    await collect(stream);
    expect(inner.calls).toEqual(['Ok. Sure. Let me look that up for you.']);
  });

  it('close ends iteration and aborts the in-flight synthesis', async () => {
    const inner = new FakeBatchTts();
    const gate = deferred();
    inner.gate = gate.promise;
    const tts = new StreamTts(inner, { sentences: { minChars: 0 } });
    const stream = tts.stream();
    const chunks = collect(stream);
    stream.pushText('One. Two. ');
    await new Promise((r) => setTimeout(r, 5));
    stream.close();
    gate.resolve();
    expect(await chunks).toEqual([]);
    expect(inner.calls).toEqual(['One.']);
    expect(inner.signals[0]?.aborted).toBe(true);
    stream.pushText('Ignored. ');
    expect(inner.calls).toEqual(['One.']);
  });

  it('an external abort makes the iterator throw the reason', async () => {
    const inner = new FakeBatchTts();
    const gate = deferred();
    inner.gate = gate.promise;
    const controller = new AbortController();
    const stream = new StreamTts(inner, { sentences: { minChars: 0 } }).stream({
      signal: controller.signal,
    });
    const chunks = collect(stream);
    stream.pushText('One. ');
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('user barged in'));
    await expect(chunks).rejects.toThrow('user barged in');
    expect(inner.signals[0]?.aborted).toBe(true);
    gate.resolve();
  });

  it('an already aborted signal fails the stream', async () => {
    const stream = new StreamTts(new FakeBatchTts()).stream({
      signal: AbortSignal.abort(new Error('late')),
    });
    stream.pushText('Hello.');
    stream.endInput();
    await expect(collect(stream)).rejects.toThrow('late');
  });

  it('inner errors surface as ProviderError naming the inner TTS', async () => {
    const inner = new FakeBatchTts();
    inner.failOn = 'Two';
    const stream = new StreamTts(inner, { sentences: { minChars: 0 } }).stream();
    stream.pushText('One. Two. Three.');
    stream.endInput();
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const error = await it.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('fake-tts');
    expect((error as ProviderError).message).toContain('voice unavailable');
    expect(inner.calls).toEqual(['One.', 'Two.']);
  });

  it('breaking out of the loop stops further synthesis', async () => {
    const inner = new FakeBatchTts();
    const stream = new StreamTts(inner, { sentences: { minChars: 0 } }).stream();
    stream.pushText('One. Two. Three. Four.');
    stream.endInput();
    for await (const _ of stream) break;
    await new Promise((r) => setTimeout(r, 5));
    expect(inner.calls.length).toBeLessThanOrEqual(2);
  });

  it('closing the adapter closes open streams and the wrapped TTS', async () => {
    const inner = new FakeBatchTts();
    const tts = new StreamTts(inner);
    const stream = tts.stream();
    const chunks = collect(stream);
    await tts.close();
    expect(await chunks).toEqual([]);
    expect(inner.closed).toBe(true);
  });
});
