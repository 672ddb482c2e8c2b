import { describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import { AsyncQueue } from '../../src/providers/async-queue.ts';
import { ProviderError } from '../../src/providers/errors.ts';
import { FallbackLlm, FallbackStt, FallbackTts } from '../../src/providers/fallback.ts';
import type { Llm, LlmChunk } from '../../src/providers/llm.ts';
import type { Stt, SttEvent, SttStream } from '../../src/providers/stt.ts';
import type { Tts, TtsChunk } from '../../src/providers/tts.ts';

const lifecycle = { updateOptions() {}, async prewarm() {}, async close() {} };

/** An LLM that answers `text`, or fails after `failAfter` chunks. */
function llm(label: string, text: string, failAfter?: number): Llm & { calls: number } {
  return {
    ...lifecycle,
    label,
    capabilities: { streaming: true, toolCalls: true },
    calls: 0,
    async *chat() {
      this.calls++;
      const words = text.split(' ');
      for (const [i, w] of words.entries()) {
        if (i === failAfter)
          throw new ProviderError(label, 'connection reset', { retryable: true });
        yield { type: 'delta', text: `${w} ` } satisfies LlmChunk;
      }
      if (failAfter === words.length) throw new ProviderError(label, 'connection reset');
      yield { type: 'done', finishReason: 'stop' } satisfies LlmChunk;
    },
  };
}

async function text(stream: AsyncIterable<LlmChunk>): Promise<string> {
  let out = '';
  for await (const c of stream) if (c.type === 'delta') out += c.text;
  return out.trim();
}

const messages = [{ id: 'u', role: 'user' as const, content: 'hi' }];

describe('FallbackLlm', () => {
  it('moves a request that failed before any output to the next LLM, and sets the failed one aside', async () => {
    let now = 0;
    const switches: unknown[] = [];
    const primary = llm('primary', 'from primary', 0);
    const backup = llm('backup', 'from backup');
    const f = new FallbackLlm([primary, backup], {
      retryAfterMs: 10_000,
      now: () => now,
      onFallback: (s) => switches.push({ from: s.from, to: s.to }),
    });
    expect(f.label).toBe('Fallback(primary, backup)');
    expect(await text(f.chat({ messages }))).toBe('from backup');
    expect(switches).toEqual([{ from: 'primary', to: 'backup' }]);
    // Set aside: the next request goes to the backup first.
    expect(await text(f.chat({ messages }))).toBe('from backup');
    expect(primary.calls).toBe(1);
    // After retryAfterMs the primary is tried first again.
    now = 10_000;
    expect(await text(f.chat({ messages }))).toBe('from backup');
    expect(primary.calls).toBe(2);
  });

  it('a failure after output is thrown, not replayed elsewhere', async () => {
    const backup = llm('backup', 'from backup');
    const f = new FallbackLlm([llm('primary', 'one two three', 2), backup]);
    await expect(text(f.chat({ messages }))).rejects.toThrow('primary: connection reset');
    expect(backup.calls).toBe(0);
  });

  it('every provider failing gives one error naming them all', async () => {
    const f = new FallbackLlm([llm('a', 'x', 0), llm('b', 'y', 0)]);
    const error = await text(f.chat({ messages })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(String(error)).toMatch(
      /Fallback\(a, b\): every provider failed: a: connection reset.*; b: connection reset/,
    );
  });

  it('an aborted request does not fail over', async () => {
    const controller = new AbortController();
    const backup = llm('backup', 'from backup');
    const primary: Llm = {
      ...lifecycle,
      label: 'primary',
      capabilities: { streaming: true, toolCalls: true },
      // biome-ignore lint/correctness/useYield: fails before any output
      async *chat() {
        controller.abort(new Error('barge-in'));
        throw new Error('aborted');
      },
    };
    const f = new FallbackLlm([primary, backup]);
    await expect(text(f.chat({ messages, signal: controller.signal }))).rejects.toThrow('aborted');
    expect(backup.calls).toBe(0);
  });

  it('refuses an empty list', () => {
    expect(() => new FallbackLlm([])).toThrow('FallbackLlm: give at least one provider');
  });
});

function tts(
  label: string,
  opts: { sampleRate?: number; failOn?: string } = {},
): Tts & { said: string[] } {
  const sampleRate = opts.sampleRate ?? 16000;
  return {
    ...lifecycle,
    label,
    said: [],
    capabilities: { streaming: false, wordTimestamps: false, sampleRate, channels: 1 },
    async *synthesize(text: string) {
      if (opts.failOn && text.includes(opts.failOn))
        throw new ProviderError(label, 'quota exceeded');
      this.said.push(text.trim());
      yield {
        frame: new AudioFrame(new Int16Array(sampleRate / 10), sampleRate),
      } satisfies TtsChunk;
    },
    stream() {
      throw new Error('not streaming');
    },
  };
}

describe('FallbackTts', () => {
  it('streams sentence by sentence, each sentence failing over on its own', async () => {
    const primary = tts('primary', { failOn: 'Second' });
    const backup = tts('backup');
    const f = new FallbackTts([primary, backup]);
    const s = f.stream();
    s.pushText('First sentence here is fine. Second sentence fails on the primary. ');
    s.endInput();
    let chunks = 0;
    for await (const _ of s) chunks++;
    expect(chunks).toBe(2);
    expect(primary.said).toEqual(['First sentence here is fine.']);
    expect(backup.said).toEqual(['Second sentence fails on the primary.']);
  });

  it('refuses engines that do not share a sample rate', () => {
    expect(() => new FallbackTts([tts('a'), tts('b', { sampleRate: 24000 })])).toThrow(
      /b speaks at 24000 Hz, 1 ch; a at 16000 Hz, 1 ch \(they must match\)/,
    );
  });
});

/** A streaming STT double: a final per `finalEvery` frames; fails at frame `failAt`. */
function stt(
  label: string,
  opts: { failAt?: number; finalEvery?: number } = {},
): Stt & { frames: number[] } {
  const frames: number[] = [];
  return {
    ...lifecycle,
    label,
    frames,
    capabilities: { streaming: true, interimResults: false, wordTimestamps: false },
    async recognize() {
      if (opts.failAt !== undefined) throw new ProviderError(label, 'down');
      return { text: `${label} heard it` };
    },
    stream(): SttStream {
      const out = new AsyncQueue<SttEvent>();
      let n = 0;
      let since = 0;
      return {
        pushFrame(frame) {
          n++;
          if (n === opts.failAt) {
            out.fail(new ProviderError(label, 'socket closed'));
            return;
          }
          frames.push(frame.startMs);
          since++;
          if (since === (opts.finalEvery ?? 5)) {
            out.push({ type: 'final', text: `${label}:${frame.startMs}` });
            since = 0;
          }
        },
        flush() {},
        endInput: () => out.end(),
        close: () => out.close(),
        [Symbol.asyncIterator]: () => out[Symbol.asyncIterator](),
      };
    },
  };
}

describe('FallbackStt', () => {
  it('recognize fails over while it has no result', async () => {
    const f = new FallbackStt([stt('a', { failAt: 1 }), stt('b')]);
    expect(await f.recognize([])).toEqual({ text: 'b heard it' });
  });

  it('a failed stream hands the audio since the last final to the next recognizer', async () => {
    const primary = stt('primary', { failAt: 8 });
    const backup = stt('backup');
    const f = new FallbackStt([primary, backup]);
    const s = f.stream();
    const finals: string[] = [];
    const done = (async () => {
      for await (const e of s) if (e.type === 'final') finals.push(e.text);
    })();
    for (let i = 0; i < 12; i++) {
      s.pushFrame(new AudioFrame(new Int16Array(320), 16000, 1, i * 20));
      await new Promise((r) => setImmediate(r));
    }
    s.endInput();
    await done;
    // Frames 0-4 gave the primary's final; it failed on frame 7 (the 8th): the backup got
    // frames 5 and 6 again (since that final), then the rest.
    expect(finals[0]).toBe('primary:80');
    expect(backup.frames).toEqual([100, 120, 140, 160, 180, 200, 220]);
    expect(finals.slice(1)).toEqual(['backup:180']);
  });
});
