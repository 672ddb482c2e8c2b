// StreamStt turns a batch STT into a streaming one using a VAD: the audio of each speech
// segment (with ~300 ms of padding) is recognized once, and events come out in VAD order as
// speechStarted / final / usage / speechEnded, with close, abort and errors propagated.
import { describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import {
  AsyncQueue,
  ProviderError,
  StreamStt,
  type Stt,
  type SttEvent,
  type SttResult,
  type SttStream,
  type Vad,
  type VadEvent,
  type VadStream,
} from '../../src/providers/index.ts';

const RATE = 16_000;
const FRAME_MS = 20;

/** 20 ms of silence starting at `index * 20` ms. */
function frame(index: number): AudioFrame {
  return new AudioFrame(new Int16Array((RATE * FRAME_MS) / 1000), RATE, 1, index * FRAME_MS);
}

/**
 * VAD double following a script: after the frame with a given index is pushed, the listed
 * events are emitted (as a real VAD would, late and back-dated).
 */
class ScriptedVad implements Vad {
  readonly label = 'scripted-vad';
  readonly capabilities = { sampleRate: RATE, windowMs: FRAME_MS };
  streams: ScriptedVadStream[] = [];
  closed = false;
  readonly script: Record<number, VadEvent[]>;
  constructor(script: Record<number, VadEvent[]>) {
    this.script = script;
  }
  stream(): VadStream {
    const s = new ScriptedVadStream(this.script);
    this.streams.push(s);
    return s;
  }
  updateOptions(): void {}
  async prewarm(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

class ScriptedVadStream implements VadStream {
  private readonly events = new AsyncQueue<VadEvent>();
  private pushed = 0;
  closed = false;
  private readonly script: Record<number, VadEvent[]>;
  constructor(script: Record<number, VadEvent[]>) {
    this.script = script;
  }
  pushFrame(): void {
    for (const ev of this.script[this.pushed] ?? []) this.events.push(ev);
    this.pushed++;
  }
  endInput(): void {
    this.events.end();
  }
  close(): void {
    this.closed = true;
    this.events.close();
  }
  [Symbol.asyncIterator](): AsyncIterator<VadEvent> {
    return this.events[Symbol.asyncIterator]();
  }
}

/** Batch STT double: answers from `answers` in order, recording the audio it was given. */
class FakeBatchStt implements Stt {
  readonly label = 'fake-stt';
  readonly capabilities = { streaming: false, interimResults: false, wordTimestamps: true };
  received: { startMs: number; endMs: number; frames: number; language?: string }[] = [];
  signals: AbortSignal[] = [];
  closed = false;
  private readonly answers: (SttResult | Error | Promise<SttResult>)[];
  constructor(answers: (SttResult | Error | Promise<SttResult>)[]) {
    this.answers = answers;
  }
  async recognize(
    frames: readonly AudioFrame[],
    opts: { language?: string; signal?: AbortSignal } = {},
  ): Promise<SttResult> {
    const first = frames[0] as AudioFrame;
    const last = frames.at(-1) as AudioFrame;
    this.received.push({
      startMs: first.startMs,
      endMs: last.startMs + last.durationMs,
      frames: frames.length,
      ...(opts.language ? { language: opts.language } : {}),
    });
    if (opts.signal) this.signals.push(opts.signal);
    const answer = this.answers.shift() ?? { text: '' };
    if (answer instanceof Error) throw answer;
    return answer;
  }
  stream(): SttStream {
    throw new Error('not streaming');
  }
  updateOptions(): void {}
  async prewarm(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function collect(stream: AsyncIterable<SttEvent>): Promise<SttEvent[]> {
  const out: SttEvent[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

function pushFrames(stream: SttStream, from: number, to: number): void {
  for (let i = from; i < to; i++) stream.pushFrame(frame(i));
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('StreamStt', () => {
  // Speech from 1000 ms (frame 50) to 1600 ms (frame 80), detected late at frames 55 and 90.
  const oneUtterance: Record<number, VadEvent[]> = {
    55: [{ type: 'speechStarted', atMs: 1000 }],
    90: [{ type: 'speechEnded', atMs: 1600, speechDurationMs: 600 }],
  };

  it('recognizes each speech segment with padding and emits events in order', async () => {
    const stt = new FakeBatchStt([
      {
        text: 'hello there',
        confidence: 0.9,
        words: [{ word: 'hello', startMs: 300, endMs: 600 }],
      },
    ]);
    const adapter = new StreamStt(stt, new ScriptedVad(oneUtterance));
    expect(adapter.capabilities).toEqual({
      streaming: true,
      interimResults: false,
      wordTimestamps: true,
    });
    const stream = adapter.stream({ language: 'en' });
    const events = collect(stream);
    pushFrames(stream, 0, 120);
    stream.endInput();

    expect(await events).toEqual([
      { type: 'speechStarted', atMs: 1000 },
      {
        type: 'final',
        text: 'hello there',
        confidence: 0.9,
        // Word times are shifted from "relative to the audio" (starts at 700 ms) to stream time.
        words: [{ word: 'hello', startMs: 1000, endMs: 1300 }],
        startMs: 1000,
        endMs: 1600,
        language: 'en',
      },
      { type: 'usage', audioMs: 1200 },
      { type: 'speechEnded' },
    ]);
    // 300 ms of padding on each side; idle audio before it was not kept.
    expect(stt.received).toEqual([{ startMs: 700, endMs: 1900, frames: 60, language: 'en' }]);
  });

  it('handles consecutive utterances, keeping order even when recognitions finish out of order', async () => {
    let releaseFirst!: (r: SttResult) => void;
    const slow = new Promise<SttResult>((r) => {
      releaseFirst = r;
    });
    const stt = new FakeBatchStt([slow, { text: 'second' }]);
    const vad = new ScriptedVad({
      10: [{ type: 'speechStarted', atMs: 100 }],
      20: [{ type: 'speechEnded', atMs: 300, speechDurationMs: 200 }],
      30: [{ type: 'speechStarted', atMs: 500 }],
      40: [{ type: 'speechEnded', atMs: 700, speechDurationMs: 200 }],
    });
    const stream = new StreamStt(stt, vad).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 50);
    stream.endInput();
    await tick();
    expect(stt.received).toHaveLength(2); // both recognitions are running
    releaseFirst({ text: 'first' });
    const got = await events;
    expect(
      got.filter((e) => e.type !== 'usage').map((e) => (e.type === 'final' ? e.text : e.type)),
    ).toEqual(['speechStarted', 'first', 'speechEnded', 'speechStarted', 'second', 'speechEnded']);
  });

  it('skips the final for an empty transcript but still reports speechEnded', async () => {
    const stream = new StreamStt(
      new FakeBatchStt([{ text: '  ' }]),
      new ScriptedVad(oneUtterance),
    ).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 100);
    stream.endInput();
    expect((await events).map((e) => e.type)).toEqual(['speechStarted', 'usage', 'speechEnded']);
  });

  it('flush forces a final for the speech so far; the next final covers only new audio', async () => {
    const stt = new FakeBatchStt([{ text: 'part one' }, { text: 'part two' }]);
    const stream = new StreamStt(stt, new ScriptedVad(oneUtterance)).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 70); // up to 1400 ms
    await tick();
    stream.flush();
    pushFrames(stream, 70, 100);
    stream.endInput();
    const got = await events;
    expect(got.filter((e) => e.type !== 'usage')).toEqual([
      { type: 'speechStarted', atMs: 1000 },
      { type: 'final', text: 'part one', startMs: 1000, endMs: 1400 },
      { type: 'final', text: 'part two', startMs: 1400, endMs: 1600 },
      { type: 'speechEnded' },
    ]);
    expect(stt.received.map((r) => [r.startMs, r.endMs])).toEqual([
      [700, 1400],
      [1400, 1900],
    ]);
  });

  it('flush while idle does nothing', async () => {
    const stt = new FakeBatchStt([]);
    const stream = new StreamStt(stt, new ScriptedVad({})).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 10);
    stream.flush();
    stream.endInput();
    expect(await events).toEqual([]);
    expect(stt.received).toEqual([]);
  });

  it('recognizes speech still in progress when the input ends', async () => {
    const stt = new FakeBatchStt([{ text: 'cut off' }]);
    const stream = new StreamStt(
      stt,
      new ScriptedVad({ 55: [{ type: 'speechStarted', atMs: 1000 }] }),
    ).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 70);
    stream.endInput();
    expect((await events).map((e) => e.type)).toEqual([
      'speechStarted',
      'final',
      'usage',
      'speechEnded',
    ]);
    expect(stt.received[0]).toMatchObject({ startMs: 700, endMs: 1400 });
  });

  it('recognition errors fail the stream with a ProviderError', async () => {
    const stream = new StreamStt(
      new FakeBatchStt([new Error('quota exceeded')]),
      new ScriptedVad(oneUtterance),
    ).stream();
    const events: SttEvent[] = [];
    const done = (async () => {
      for await (const ev of stream) events.push(ev);
    })();
    pushFrames(stream, 0, 100);
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('fake-stt');
    expect((error as ProviderError).message).toContain('quota exceeded');
    expect(events.map((e) => e.type)).toEqual(['speechStarted']);
  });

  it('close ends iteration, aborts recognition and closes the VAD stream', async () => {
    const stt = new FakeBatchStt([new Promise<SttResult>(() => {})]);
    const vad = new ScriptedVad(oneUtterance);
    const stream = new StreamStt(stt, vad).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 100);
    await tick();
    stream.close();
    expect(await events).toEqual([{ type: 'speechStarted', atMs: 1000 }]);
    expect(stt.signals[0]?.aborted).toBe(true);
    expect(vad.streams[0]?.closed).toBe(true);
    stream.pushFrame(frame(100)); // ignored after close
  });

  it('an external abort makes the iterator throw the reason', async () => {
    const controller = new AbortController();
    const vad = new ScriptedVad(oneUtterance);
    const stream = new StreamStt(new FakeBatchStt([]), vad).stream({ signal: controller.signal });
    const events = collect(stream);
    pushFrames(stream, 0, 60);
    controller.abort(new Error('session ended'));
    await expect(events).rejects.toThrow('session ended');
    expect(vad.streams[0]?.closed).toBe(true);
  });

  it('closing the adapter closes open streams and both wrapped providers', async () => {
    const stt = new FakeBatchStt([]);
    const vad = new ScriptedVad({});
    const adapter = new StreamStt(stt, vad);
    const events = collect(adapter.stream());
    await adapter.close();
    expect(await events).toEqual([]);
    expect(stt.closed).toBe(true);
    expect(vad.closed).toBe(true);
  });

  it('while idle, keeps audio according to the VAD progress, not the pushed audio', async () => {
    const stt = new FakeBatchStt([{ text: 'x' }]);
    const inference = (atMs: number): VadEvent => ({
      type: 'inference',
      atMs,
      probability: 0,
      speaking: false,
      speechDurationMs: 0,
      silenceDurationMs: atMs,
    });
    // The VAD reports progress up to 2000 ms, then back-dates a start far beyond its
    // 1000 ms lookback: only padding + lookback (1300 ms) before its progress is left.
    const vad = new ScriptedVad({
      99: [inference(2000)],
      100: [{ type: 'speechStarted', atMs: 200 }],
      110: [{ type: 'speechEnded', atMs: 2200, speechDurationMs: 2000 }],
    });
    const stream = new StreamStt(stt, vad).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 100);
    await tick();
    pushFrames(stream, 100, 120);
    stream.endInput();
    await events;
    expect(stt.received[0]).toMatchObject({ startMs: 700, endMs: 2400 });
  });

  it('honours a custom prefix padding', async () => {
    const stt = new FakeBatchStt([{ text: 'x' }]);
    const stream = new StreamStt(stt, new ScriptedVad(oneUtterance), {
      prefixPaddingMs: 100,
    }).stream();
    const events = collect(stream);
    pushFrames(stream, 0, 100);
    stream.endInput();
    await events;
    expect(stt.received[0]).toMatchObject({ startMs: 900, endMs: 1700 });
  });
});
