import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AudioFrame } from '../../../src/audio/audio-frame.ts';
import { DeepgramStt } from '../../../src/providers/deepgram/deepgram-stt.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import type { SttEvent, SttStream } from '../../../src/providers/stt.ts';
import {
  type DeepgramWireServer,
  startDeepgramWireServer,
} from '../../helpers/deepgram-wire-server.ts';

/** `ms` of a quiet tone at `rate` Hz, `channels` channels, starting at `startMs`. */
function tone(ms: number, rate = 16000, channels = 1, startMs = 0): AudioFrame {
  const n = Math.round((rate * ms) / 1000);
  const data = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) data[i * channels + c] = Math.round(3000 * Math.sin(i / 5));
  }
  return new AudioFrame(data, rate, channels, startMs);
}

/** Collects every event until the iteration ends or throws. */
async function collect(stream: SttStream): Promise<{ events: SttEvent[]; error?: unknown }> {
  const events: SttEvent[] = [];
  try {
    for await (const ev of stream) events.push(ev);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

let server: DeepgramWireServer;
let stt: DeepgramStt;

beforeEach(async () => {
  server = await startDeepgramWireServer({ apiKey: 'test-key' });
  stt = new DeepgramStt({ apiKey: 'test-key', baseUrl: server.url });
});

afterEach(async () => {
  await stt.close();
  await server.close();
});

describe('DeepgramStt streaming', () => {
  it('maps interims, finals with stream-time words, speechStarted and speechEnded', async () => {
    const stream = stt.stream({ language: 'en-US' });
    const done = collect(stream);
    stream.pushFrame(tone(1000, 16000, 1, 1000)); // stream time starts at 1000 ms
    const conn = await server.connection();
    await conn.waitForAudio(32000);
    conn.sendSpeechStarted(0.05);
    conn.sendResults({ transcript: 'hello', words: [{ word: 'hello', start: 0.08, end: 0.32 }] });
    conn.sendResults({
      transcript: 'Hello world.',
      confidence: 0.98,
      isFinal: true,
      speechFinal: true,
      words: [
        { word: 'hello', punctuatedWord: 'Hello', start: 0.08, end: 0.32, confidence: 0.99 },
        { word: 'world', punctuatedWord: 'world.', start: 0.4, end: 0.7 },
      ],
    });
    conn.sendUtteranceEnd(0.7);
    stream.endInput();
    const { events, error } = await done;
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'speechStarted',
      'interim',
      'final',
      'usage',
      'speechEnded',
      'usage',
    ]);
    expect(events[0]).toEqual({ type: 'speechStarted', atMs: 1050 });
    expect(events[1]).toMatchObject({ type: 'interim', text: 'hello' });
    const final = events[2];
    expect(final).toMatchObject({ type: 'final', text: 'Hello world.', confidence: 0.98 });
    if (final?.type !== 'final') throw new Error('expected a final');
    expect(final.language).toBe('en-US');
    expect(final.startMs).toBeCloseTo(1080);
    expect(final.endMs).toBeCloseTo(1700);
    expect(final.words).toEqual([
      { word: 'Hello', startMs: 1080, endMs: 1320, confidence: 0.99 },
      { word: 'world.', startMs: 1400, endMs: 1700, confidence: 0.95 },
    ]);
    const usage = events.filter((e) => e.type === 'usage');
    const billed = usage.reduce((sum, e) => sum + (e.type === 'usage' ? e.audioMs : 0), 0);
    expect(billed).toBeCloseTo(conn.audioSeconds * 1000);
    // endInput sent CloseStream and the stream ended after the server closed.
    expect(conn.controlsOf('CloseStream')).toHaveLength(1);
    await conn.waitForClose();
    expect(conn.closeCode).toBe(1000);
  });

  it('sends the options as query parameters with the API key', async () => {
    stt.updateOptions({ model: 'nova-2', keywords: ['voicechart:2'], endpointingMs: 500 });
    const stream = stt.stream();
    const conn = await server.connection();
    stream.close();
    expect(conn.path).toBe('/v1/listen');
    expect(conn.headers.authorization).toBe('Token test-key');
    const q = Object.fromEntries(conn.query);
    expect(q).toMatchObject({
      model: 'nova-2',
      encoding: 'linear16',
      sample_rate: '16000',
      channels: '1',
      interim_results: 'true',
      punctuate: 'true',
      smart_format: 'true',
      vad_events: 'true',
      utterance_end_ms: '1000',
      endpointing: '500',
      keywords: 'voicechart:2',
    });
    expect(conn.query.has('keyterm')).toBe(false);
  });

  it('sends keywords as keyterm to nova-3 and the stream language', async () => {
    stt.updateOptions({ keywords: ['Voicechart'], interimResults: false, endpointingMs: false });
    const stream = stt.stream({ language: 'fr' });
    const conn = await server.connection();
    stream.close();
    expect(conn.query.get('model')).toBe('nova-3');
    expect(conn.query.get('language')).toBe('fr');
    expect(conn.query.get('keyterm')).toBe('Voicechart');
    expect(conn.query.get('interim_results')).toBe('false');
    expect(conn.query.get('endpointing')).toBe('false');
    expect(conn.query.has('utterance_end_ms')).toBe(false);
  });

  it('flush() sends Finalize and maps the from_finalize final', async () => {
    const stream = stt.stream();
    const done = collect(stream);
    stream.pushFrame(tone(200));
    stream.flush();
    const conn = await server.connection();
    await conn.waitForControl('Finalize');
    stream.endInput();
    const { events, error } = await done;
    expect(error).toBeUndefined();
    expect(conn.controls.map((c) => c.type)).toEqual(['Finalize', 'CloseStream']);
    const finals = events.filter((e) => e.type === 'final');
    expect(finals).toEqual([
      expect.objectContaining({ type: 'final', text: 'finalized words', startMs: 0, endMs: 200 }),
    ]);
    // Audio pushed before the socket opened was buffered and sent before Finalize.
    expect(conn.audioBytes).toBe(6400);
  });

  it('converts 48 kHz stereo input to 16 kHz mono linear16', async () => {
    const stream = stt.stream();
    const done = collect(stream);
    for (let i = 0; i < 50; i++) stream.pushFrame(tone(20, 48000, 2, i * 20));
    stream.endInput();
    const conn = await server.connection();
    const { error } = await done;
    expect(error).toBeUndefined();
    // One second of audio: 16000 samples of 2 bytes, give or take the resampler's edges.
    expect(Math.abs(conn.audioBytes - 32000)).toBeLessThanOrEqual(8);
    expect(conn.audioBytes % 2).toBe(0);
  });

  it('close() stops at once without CloseStream', async () => {
    const stream = stt.stream();
    const done = collect(stream);
    stream.pushFrame(tone(100));
    const conn = await server.connection();
    await conn.waitForAudio(3200);
    stream.close();
    const { events, error } = await done;
    expect(error).toBeUndefined();
    expect(events).toEqual([]);
    await conn.waitForClose();
    expect(conn.controlsOf('CloseStream')).toHaveLength(0);
  });

  it('sends KeepAlive while idle', async () => {
    const idle = new DeepgramStt({ apiKey: 'test-key', baseUrl: server.url, keepAliveMs: 20 });
    const stream = idle.stream();
    const conn = await server.connection();
    await conn.waitForControl('KeepAlive', 2);
    stream.close();
    await idle.close();
    expect(conn.controlsOf('KeepAlive')[0]).toEqual({ type: 'KeepAlive' });
  });
});

describe('DeepgramStt errors', () => {
  it('rejects a bad key (401) as not retryable, pointing at DEEPGRAM_API_KEY', async () => {
    const bad = new DeepgramStt({ apiKey: 'wrong-key', baseUrl: server.url });
    const { error } = await collect(bad.stream());
    await bad.close();
    expect(error).toBeInstanceOf(ProviderError);
    const err = error as ProviderError;
    expect(err.retryable).toBe(false);
    expect(err.code).toBe('401');
    expect(err.message).toContain('DEEPGRAM_API_KEY');
    expect(server.rejected).toEqual([{ status: 401, authorization: 'Token wrong-key' }]);
  });

  it('reports a server error on the upgrade (503) as retryable', async () => {
    server.rejectWith = 503;
    const { error } = await collect(stt.stream());
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true, code: '503' });
  });

  it('reports a connection dropped mid-stream as retryable', async () => {
    const stream = stt.stream();
    const done = collect(stream);
    stream.pushFrame(tone(100));
    const conn = await server.connection();
    await conn.waitForAudio(3200);
    conn.sendResults({ transcript: 'partial' });
    conn.drop();
    const { events, error } = await done;
    expect(events).toEqual([
      { type: 'speechStarted', atMs: 0 },
      expect.objectContaining({ type: 'interim', text: 'partial' }),
    ]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).message).toContain('connection lost');
    expect(server.connections).toHaveLength(1); // the SDK did not reconnect on its own
  });

  it('reports an unreachable server as retryable', async () => {
    const url = server.url;
    await server.close();
    const offline = new DeepgramStt({ apiKey: 'test-key', baseUrl: url });
    const { error } = await collect(offline.stream());
    await offline.close();
    server = await startDeepgramWireServer();
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });

  it('fails clearly without an API key', async () => {
    const saved = process.env.DEEPGRAM_API_KEY;
    delete process.env.DEEPGRAM_API_KEY;
    try {
      const keyless = new DeepgramStt({ baseUrl: server.url });
      const { error } = await collect(keyless.stream());
      expect(error).toMatchObject({ code: 'no-api-key', retryable: false });
      expect((error as Error).message).toContain('DEEPGRAM_API_KEY');
      await expect(keyless.recognize([tone(100)])).rejects.toMatchObject({ code: 'no-api-key' });
      expect(server.connections).toHaveLength(0);
    } finally {
      if (saved !== undefined) process.env.DEEPGRAM_API_KEY = saved;
    }
  });

  it('aborting the signal fails the stream with the reason', async () => {
    const controller = new AbortController();
    const stream = stt.stream({ signal: controller.signal });
    const done = collect(stream);
    await server.connection();
    controller.abort(new Error('hang up'));
    const { error } = await done;
    expect(error).toMatchObject({ message: 'hang up' });
  });
});

describe('DeepgramStt.recognize', () => {
  it('streams the buffer and joins the finals, word times relative to the buffer', async () => {
    const pending = stt.recognize([tone(500, 16000, 1, 2000), tone(500, 16000, 1, 2500)]);
    const conn = await server.connection();
    conn.honourCloseStream = false;
    await conn.waitForControl('CloseStream');
    conn.sendResults({
      transcript: 'one',
      isFinal: true,
      confidence: 0.8,
      words: [{ word: 'one', start: 0.1, end: 0.3 }],
    });
    conn.sendResults({
      transcript: 'two',
      isFinal: true,
      confidence: 0.6,
      words: [{ word: 'two', start: 0.6, end: 0.9 }],
    });
    conn.sendMetadata();
    conn.closeNormally(); // as Deepgram does after the last results
    const { text, words, confidence } = await pending;
    expect(text).toBe('one two');
    expect(confidence).toBeCloseTo(0.7);
    expect(words).toEqual([
      { word: 'one', startMs: 100, endMs: 300, confidence: 0.95 },
      { word: 'two', startMs: 600, endMs: 900, confidence: 0.95 },
    ]);
    expect(conn.audioBytes).toBe(32000);
  });
});
