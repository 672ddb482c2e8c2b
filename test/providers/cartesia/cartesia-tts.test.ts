import { afterEach, describe, expect, it } from 'vitest';
import {
  CartesiaTts,
  type CartesiaTtsConfig,
} from '../../../src/providers/cartesia/cartesia-tts.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import type { TtsChunk } from '../../../src/providers/tts.ts';
import {
  CartesiaWireServer,
  type CartesiaWireServerOptions,
} from '../../helpers/cartesia-wire-server.ts';

let server: CartesiaWireServer | undefined;
let tts: CartesiaTts | undefined;

afterEach(async () => {
  await tts?.close();
  await server?.close();
  tts = undefined;
  server = undefined;
});

async function setup(
  serverOpts: CartesiaWireServerOptions = {},
  config: CartesiaTtsConfig = {},
): Promise<{ server: CartesiaWireServer; tts: CartesiaTts }> {
  server = await CartesiaWireServer.start(serverOpts);
  tts = new CartesiaTts({ apiKey: 'test-key', baseUrl: server.url, voice: 'voice-1', ...config });
  return { server, tts };
}

async function collect(it: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function failure(it: AsyncIterable<TtsChunk>): Promise<unknown> {
  try {
    await collect(it);
  } catch (err) {
    return err;
  }
  throw new Error('expected the iteration to fail');
}

function expectContiguous(chunks: TtsChunk[], sampleRate: number): void {
  let t = 0;
  for (const { frame } of chunks) {
    expect(frame.sampleRate).toBe(sampleRate);
    expect(frame.channels).toBe(1);
    expect(frame.startMs).toBeCloseTo(t, 6);
    t = frame.endMs;
  }
}

describe('CartesiaTts', () => {
  it('streams pushed text as contiguous 20 ms frames with ordered word timings', async () => {
    const { server, tts } = await setup({ msPerWord: 120 });
    expect(tts.capabilities).toEqual({
      streaming: true,
      wordTimestamps: true,
      sampleRate: 24000,
      channels: 1,
    });
    const stream = tts.stream();
    for (const piece of ['Hel', 'lo the', 're. ', 'How ', 'are', ' y', 'ou', ' today?']) {
      stream.pushText(piece);
    }
    stream.endInput();
    const chunks = await collect(stream);

    expectContiguous(chunks, 24000);
    expect(chunks.slice(0, -1).every((c) => c.frame.durationMs === 20)).toBe(true);
    const words = chunks.flatMap((c) => c.words ?? []);
    expect(words.map((w) => w.word)).toEqual(['Hello', 'there.', 'How', 'are', 'you', 'today?']);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      expect(w?.endMs).toBeGreaterThan(w?.startMs ?? Infinity);
      if (i > 0) expect(w?.startMs).toBeGreaterThanOrEqual(words[i - 1]?.endMs ?? Infinity);
    }
    // A word rides on a frame that has reached its end.
    for (const c of chunks)
      for (const w of c.words ?? []) expect(c.frame.endMs).toBeGreaterThanOrEqual(w.endMs - 1e-6);
    const total = chunks.reduce((ms, c) => ms + c.frame.durationMs, 0);
    expect(total).toBeCloseTo(6 * 120, 6);

    // Wire: the SDK's auth and version headers, word-boundary chunks, continue until the last.
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]?.headers.authorization).toBe('Bearer test-key');
    expect(server.connections[0]?.version).toBeTruthy();
    const sent = server.messages;
    expect(new Set(sent.map((m) => m.context_id)).size).toBe(1);
    expect(sent.map((m) => m.transcript).join('')).toBe('Hello there. How are you today?');
    expect(sent.slice(0, -1).every((m) => m.continue === true)).toBe(true);
    expect(sent.at(-1)?.continue).toBe(false);
    for (const m of sent.slice(0, -1)) expect(String(m.transcript)).toMatch(/\s$/);
    expect(sent[0]).toMatchObject({
      model_id: 'sonic-2',
      voice: { mode: 'id', id: 'voice-1' },
      language: 'en',
      add_timestamps: true,
      output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: 24000 },
    });
  });

  it('synthesize() sends the whole text in one request and ends', async () => {
    const { server, tts } = await setup({ msPerWord: 100 }, { sampleRate: 16000, speed: 1.1 });
    const chunks = await collect(tts.synthesize('Good morning everyone'));
    expectContiguous(chunks, 16000);
    expect(chunks.flatMap((c) => c.words ?? []).map((w) => w.word)).toEqual([
      'Good',
      'morning',
      'everyone',
    ]);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]).toMatchObject({
      transcript: 'Good morning everyone',
      continue: false,
      generation_config: { speed: 1.1 },
    });
    expect(server.sampleRates).toEqual([16000]);
  });

  it('multiplexes concurrent streams on one socket; flush() yields the audio so far', async () => {
    const { server, tts } = await setup();
    const a = tts.stream();
    const b = tts.stream();
    a.pushText('one two ');
    b.pushText('three ');
    a.flush();
    const firstA = await a[Symbol.asyncIterator]().next();
    expect(firstA.done).toBe(false);
    a.pushText('more');
    a.endInput();
    b.endInput();
    const [restA, chunksB] = await Promise.all([collect(a), collect(b)]);
    expect(restA.flatMap((c) => c.words ?? []).map((w) => w.word)).toContain('more');
    expect(chunksB.flatMap((c) => c.words ?? []).map((w) => w.word)).toEqual(['three']);
    expect(server.connections).toHaveLength(1);
    expect(server.messages.some((m) => m.flush === true)).toBe(true);
  });

  it('close() cancels the context on the server and ends iteration at once', async () => {
    const { server, tts } = await setup({ stallAfterWords: 1 });
    const stream = tts.stream();
    stream.pushText('first second third ');
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    stream.close();
    expect((await it.next()).done).toBe(true);
    await server.waitFor(() => server.messages.some((m) => m.cancel === true));
    const cancel = server.messages.find((m) => m.cancel === true);
    expect(cancel?.context_id).toBe(server.messages[0]?.context_id);
  });

  it('an abort cancels the context and iteration throws the reason', async () => {
    const { server, tts } = await setup({ stallAfterWords: 1 });
    const controller = new AbortController();
    const stream = tts.stream({ signal: controller.signal });
    stream.pushText('first second ');
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const reason = new Error('barge-in');
    controller.abort(reason);
    await expect(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
    ).rejects.toBe(reason);
    await server.waitFor(() => server.messages.some((m) => m.cancel === true));
  });

  it('a server error event becomes a ProviderError', async () => {
    const { tts } = await setup({
      failOn: { word: 'boom', statusCode: 400, title: 'Invalid request', message: 'bad voice' },
    });
    const err = await failure(tts.synthesize('this will boom'));
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).code).toBe('400');
    expect((err as ProviderError).message).toContain('bad voice');
  });

  it('a 5xx error event is retryable', async () => {
    const { tts } = await setup({
      failOn: { word: 'boom', statusCode: 503, title: 'Unavailable', message: 'overloaded' },
    });
    const err = await failure(tts.synthesize('boom'));
    expect((err as ProviderError).retryable).toBe(true);
  });

  it('a dropped socket fails open streams with a retryable error; the next stream reconnects', async () => {
    const { server, tts } = await setup({ dropOn: 'drop' });
    const stream = tts.stream();
    stream.pushText('fine then drop ');
    const err = await failure(stream);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as ProviderError).code).toBe('connection-lost');

    const chunks = await collect(tts.synthesize('again'));
    expect(chunks.flatMap((c) => c.words ?? []).map((w) => w.word)).toEqual(['again']);
    expect(server.connections).toHaveLength(2);
  });

  it('a rejected key is a non-retryable auth error', async () => {
    const { server, tts } = await setup({ apiKey: 'the-real-key' });
    const err = await failure(tts.synthesize('hello'));
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).message).toMatch(/authentication failed \(HTTP 401\)/);
    await expect(tts.prewarm()).rejects.toThrow(/authentication failed/);
    expect(server.rejected[0]?.status).toBe(401);
  });

  it('a missing key fails clearly before any network traffic', async () => {
    const saved = process.env.CARTESIA_API_KEY;
    delete process.env.CARTESIA_API_KEY;
    try {
      server = await CartesiaWireServer.start();
      tts = new CartesiaTts({ baseUrl: server.url, voice: 'voice-1' });
      const err = await failure(tts.synthesize('hello'));
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).code).toBe('no-api-key');
      expect((err as ProviderError).message).toContain('CARTESIA_API_KEY');
      await expect(tts.prewarm()).rejects.toThrow(/CARTESIA_API_KEY/);
      expect(server.connections).toHaveLength(0);
      expect(server.rejected).toHaveLength(0);
    } finally {
      if (saved !== undefined) process.env.CARTESIA_API_KEY = saved;
    }
  });

  it('reads CARTESIA_API_KEY and CARTESIA_BASE_URL from the environment', async () => {
    server = await CartesiaWireServer.start();
    const saved = { key: process.env.CARTESIA_API_KEY, url: process.env.CARTESIA_BASE_URL };
    process.env.CARTESIA_API_KEY = 'test-key';
    process.env.CARTESIA_BASE_URL = server.url;
    try {
      tts = new CartesiaTts({ voice: 'voice-1' });
    } finally {
      for (const [k, v] of [
        ['CARTESIA_API_KEY', saved.key],
        ['CARTESIA_BASE_URL', saved.url],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const chunks = await collect(tts.synthesize('hi'));
    expect(chunks.length).toBeGreaterThan(0);
  });
});
