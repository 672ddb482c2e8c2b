// OpenAiStt through the real `openai` SDK against a loopback server: the multipart upload is a
// valid WAV of the frames, the fields say what was asked (model, language, response format),
// the reply becomes text and word timings, and failures surface as ProviderErrors. Wrapped in
// StreamStt with a VAD it streams.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioFrame } from '../../../src/audio/audio-frame.ts';
import { decodeWav } from '../../../src/audio/wav.ts';
import { ProviderError, ProviderTimeoutError } from '../../../src/providers/errors.ts';
import {
  OpenAiStt,
  type OpenAiSttOptions,
  openAiStreamingStt,
} from '../../../src/providers/openai/openai-stt.ts';
import type { SttEvent } from '../../../src/providers/stt.ts';
import { FakeVad } from '../../../src/sim/fake-providers.ts';
import { type OpenAiWireServer, startOpenAiWireServer } from '../../helpers/openai-wire-server.ts';

const RATE = 16_000;
const FRAME_MS = 20;
const FRAME_SAMPLES = (RATE * FRAME_MS) / 1000;

/** 20 ms at `startMs`: a loud tone (speech to FakeVad) or a quiet ramp (recognizable samples). */
function frame(startMs: number, loud = false): AudioFrame {
  const data = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < data.length; i++) {
    data[i] = loud ? Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / RATE)) : (i % 50) - 25;
  }
  return new AudioFrame(data, RATE, 1, startMs);
}

let server: OpenAiWireServer;

beforeEach(async () => {
  server = await startOpenAiWireServer();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

function makeStt(opts: Partial<OpenAiSttOptions> = {}): OpenAiStt {
  return new OpenAiStt({ baseURL: server.baseURL, apiKey: 'test-key', ...opts });
}

function transcriptionRequest(index = 0) {
  const request = server.requestsTo('/audio/transcriptions')[index];
  if (request === undefined) throw new Error(`no transcription request #${index}`);
  return request;
}

describe('OpenAiStt.recognize', () => {
  it('uploads the frames as one valid 16-bit PCM WAV and returns the text', async () => {
    server.replyTranscription({ text: ' Turn on the lights. ' });
    const frames = [frame(1000), frame(1020), frame(1040)];
    const result = await makeStt().recognize(frames);

    expect(result).toEqual({ text: 'Turn on the lights.' });
    const request = transcriptionRequest();
    expect(request.path).toBe('/v1/audio/transcriptions');
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.headers['authorization']).toBe('Bearer test-key');
    expect(request.fields).toEqual({ model: 'whisper-1', response_format: 'json' });
    const file = request.file;
    expect(file?.filename).toBe('audio.wav');
    expect(file?.contentType).toBe('audio/wav');
    // Header and size, read server-side.
    expect(file?.size).toBe(44 + 3 * FRAME_SAMPLES * 2);
    const bytes = file?.data ?? Buffer.alloc(0);
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(bytes.toString('ascii', 36, 40)).toBe('data');
    expect(bytes.readUInt32LE(40)).toBe(3 * FRAME_SAMPLES * 2);
    // And the samples are the frames', in order.
    const decoded = decodeWav(new Uint8Array(bytes));
    expect(decoded.sampleRate).toBe(RATE);
    expect(decoded.channels).toBe(1);
    expect([...decoded.data]).toEqual(frames.flatMap((f) => [...f.data]));
  });

  it('asks for verbose_json with word timings, and sends the language as ISO-639-1', async () => {
    server.replyTranscription({
      text: 'Hello world',
      words: [
        { word: 'Hello', start: 0.12, end: 0.48 },
        { word: ' world', start: 0.5, end: 0.9 },
      ],
    });
    const stt = makeStt({ wordTimings: true, model: 'Systran/faster-whisper-small', prompt: 'Hi' });
    expect(stt.capabilities).toEqual({
      streaming: false,
      interimResults: false,
      wordTimestamps: true,
    });
    const result = await stt.recognize([frame(0)], { language: 'en-US' });

    expect(result).toEqual({
      text: 'Hello world',
      words: [
        { word: 'Hello', startMs: 120, endMs: 480 },
        { word: 'world', startMs: 500, endMs: 900 },
      ],
    });
    expect(transcriptionRequest().fields).toEqual({
      model: 'Systran/faster-whisper-small',
      language: 'en',
      prompt: 'Hi',
      response_format: 'verbose_json',
      'timestamp_granularities[]': 'word',
    });
  });

  it('falls back to json when the server rejects verbose_json, and remembers it', async () => {
    server.replyTranscription(
      { status: 400, errorMessage: "response_format 'verbose_json' is not compatible with model" },
      { text: 'plain' },
      { text: 'again' },
    );
    const stt = makeStt({ wordTimings: true, model: 'gpt-4o-mini-transcribe' });
    expect(await stt.recognize([frame(0)])).toEqual({ text: 'plain' });
    expect(await stt.recognize([frame(0)])).toEqual({ text: 'again' });
    const formats = server
      .requestsTo('/audio/transcriptions')
      .map((r) => r.fields?.['response_format']);
    expect(formats).toEqual(['verbose_json', 'json', 'json']);
  });

  it('uses the language option when recognize gives none', async () => {
    await makeStt({ language: 'fr' }).recognize([frame(0)]);
    expect(transcriptionRequest().fields?.['language']).toBe('fr');
  });

  it('returns empty text for no audio without a request', async () => {
    expect(await makeStt().recognize([])).toEqual({ text: '' });
    expect(server.requests).toHaveLength(0);
  });

  it('rejects frames of mixed formats with a ProviderError', async () => {
    const other = new AudioFrame(new Int16Array(480), 24_000, 1, 20);
    await expect(makeStt().recognize([frame(0), other])).rejects.toBeInstanceOf(ProviderError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAiStt failures', () => {
  it('retries a 503 (honouring retry-after) and returns the answer', async () => {
    server.replyTranscription({ status: 503, retryAfterMs: 1 }, { text: 'second time' });
    expect(await makeStt().recognize([frame(0)])).toEqual({ text: 'second time' });
    expect(server.requestsTo('/audio/transcriptions')).toHaveLength(2);
  });

  it('a 400 is a ProviderError with the status and server message, not retried', async () => {
    server.replyTranscription({ status: 400, errorMessage: 'Invalid file format.' });
    const error = await makeStt()
      .recognize([frame(0)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: '400', retryable: false, provider: 'openai-stt' });
    expect((error as Error).message).toContain('HTTP 400: Invalid file format.');
    expect(server.requestsTo('/audio/transcriptions')).toHaveLength(1);
  });

  it('gives up after maxRetries with a retryable ProviderError', async () => {
    server.replyTranscription(
      { status: 500, retryAfterMs: 1 },
      { status: 500, retryAfterMs: 1, errorMessage: 'still down' },
    );
    const error = await makeStt({ maxRetries: 1 })
      .recognize([frame(0)])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '500', retryable: true });
    expect((error as Error).message).toContain('still down');
  });

  it('times out a slow recognition with ProviderTimeoutError', async () => {
    server.replyTranscription({ delayMs: 10_000 });
    const error = await makeStt({ timeoutMs: 100, maxRetries: 0 })
      .recognize([frame(0)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(error).toMatchObject({ code: 'timeout', timeoutMs: 100 });
    expect(await transcriptionRequest().closed).toEqual({ finished: false });
  });

  it('abort cancels the upload and rejects with the abort reason', async () => {
    server.replyTranscription({ delayMs: 10_000 });
    const controller = new AbortController();
    const result = makeStt().recognize([frame(0)], { signal: controller.signal });
    while (server.requestsTo('/audio/transcriptions').length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort(new Error('user left'));
    await expect(result).rejects.toThrow('user left');
    expect(await transcriptionRequest().closed).toEqual({ finished: false });
  });

  it('stream() throws, pointing at the VAD adapter', () => {
    expect(() => makeStt().stream()).toThrow(/openAiStreamingStt/);
  });

  it('uses OPENAI_BASE_URL and sends a placeholder key to a local server', async () => {
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    vi.stubEnv('OPENAI_API_KEY', '');
    const stt = new OpenAiStt();
    expect(stt.connection).toEqual({ baseURL: server.baseURL, keyConfigured: false });
    await stt.recognize([frame(0)]);
    expect(transcriptionRequest().headers['authorization']).toBe('Bearer no-key-configured');
  });
});

describe('openAiStreamingStt', () => {
  it('recognizes each VAD speech segment through the server', async () => {
    server.replyTranscription({
      text: 'Lights on',
      words: [
        { word: 'Lights', start: 0.3, end: 0.5 },
        { word: 'on', start: 0.55, end: 0.7 },
      ],
    });
    const stt = openAiStreamingStt({
      baseURL: server.baseURL,
      apiKey: 'test-key',
      wordTimings: true,
      vad: new FakeVad({ minSilenceMs: 100 }),
    });
    expect(stt.capabilities.streaming).toBe(true);
    const stream = stt.stream({ language: 'en' });
    const events: Promise<SttEvent[]> = (async () => {
      const out: SttEvent[] = [];
      for await (const ev of stream) out.push(ev);
      return out;
    })();
    // Quiet 1000-1200 ms, speech 1200-1700 ms, quiet until 2000 ms.
    for (let t = 1000; t < 2000; t += FRAME_MS) stream.pushFrame(frame(t, t >= 1200 && t < 1700));
    stream.endInput();

    expect(await events).toEqual([
      { type: 'speechStarted', atMs: 1200 },
      {
        type: 'final',
        text: 'Lights on',
        // Relative to the uploaded audio, which starts at 1000 ms (300 ms padding, clipped).
        words: [
          { word: 'Lights', startMs: 1300, endMs: 1500 },
          { word: 'on', startMs: 1550, endMs: 1700 },
        ],
        startMs: 1200,
        endMs: 1700,
        language: 'en',
      },
      { type: 'usage', audioMs: 1000 },
      { type: 'speechEnded' },
    ]);
    const request = transcriptionRequest();
    expect(request.fields?.['language']).toBe('en');
    expect(request.file?.size).toBe(44 + 50 * FRAME_SAMPLES * 2);
    await stt.close();
  });
});
