/**
 * The browser transport end to end: headless Chromium opens the page with a fake microphone
 * (Chromium loops a Flite WAV of a question padded with silence), the page streams it to a
 * session on the simulator's fake providers, and plays the agent's reply, acknowledging what it
 * played. Real sockets and a real page run on wall time, so the test waits for events, never for
 * durations. Plus the server's static files and protocol checks with a plain `ws` client.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import { decodeWavToFrame, encodeWav } from '../../src/audio/wav.ts';
import {
  type BrowserConnection,
  type BrowserTransportServer,
  browserTransportServer,
} from '../../src/browser.ts';
import { type AgentSession, createAgentSession } from '../../src/session/agent-session.ts';
import { SystemClock } from '../../src/session/clock.ts';
import { FakeLlm, FakeStt, FakeTts, FakeVad } from '../../src/sim/fake-providers.ts';
import type { ChatMessage } from '../../src/text/chat-context.ts';
import { type Browser, openBrowser } from '../helpers/chromium.ts';
import { speechWavPath } from '../helpers/speech-data.ts';

const QUESTION = 'hello what is the weather like in paris today';
const ANSWER = 'it is sunny in paris';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** The question with 0.5 s of silence before and 6 s after (the reply plays in the silence). */
async function fakeMicWav(dir: string): Promise<string> {
  const speech = decodeWavToFrame(await readFile(await speechWavPath(QUESTION)));
  const rate = speech.sampleRate;
  const silence = (ms: number) => new AudioFrame(new Int16Array((rate * ms) / 1000), rate);
  const path = join(dir, 'mic.wav');
  await writeFile(path, encodeWav([silence(500), speech, silence(6000)]));
  return path;
}

function until(test: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (test() ? resolve() : setTimeout(check, 20));
    check();
  });
}

describe('browserTransportServer', () => {
  it('serves the page and its scripts, and nothing outside browser/', async () => {
    const server = await browserTransportServer({ onSession: () => {} });
    cleanups.push(() => server.close());
    const get = (path: string) => fetch(new URL(path, server.url));
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('client.js');
    expect((await get('/client.js')).status).toBe(200);
    expect((await get('/capture-worklet.js')).status).toBe(200);
    expect((await get('/%2e%2e/package.json')).status).toBe(404);
    expect((await get('/../src/browser.ts')).status).toBe(404);
    expect((await get('/missing.js')).status).toBe(404);
  });

  it('turns a socket into input frames and an output acknowledged by the far side', async () => {
    let resolveConn: (c: BrowserConnection) => void = () => {};
    const connected = new Promise<BrowserConnection>((r) => {
      resolveConn = r;
    });
    const warnings: string[] = [];
    const server = await browserTransportServer({
      onSession: (c) => resolveConn(c),
      onWarning: (w) => warnings.push(w),
      outputSampleRate: 16000,
    });
    cleanups.push(() => server.close());
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}ws`);
    const received: (Record<string, unknown> | number)[] = [];
    ws.on('message', (data, isBinary) => {
      received.push(isBinary ? (data as Buffer).length / 2 : JSON.parse(String(data)));
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'hello', sampleRate: 16000 }));
    const conn = await connected;
    expect(conn.transport).toEqual({ name: 'browser', sampleRate: 16000 });

    // Microphone audio in.
    ws.send(Buffer.from(new Int16Array([1, 2, 3, -4]).buffer));
    ws.send('not json');
    const it = conn.input[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(Array.from((first.value as AudioFrame).data)).toEqual([1, 2, 3, -4]);
    expect((first.value as AudioFrame).sampleRate).toBe(16000);

    // Agent audio out, finished by the far side's acknowledgements.
    const finished: { positionMs: number; interrupted: boolean }[] = [];
    let started = 0;
    const playback = conn.output.play('seg-1', {
      onStarted: () => started++,
      onFinished: (positionMs, interrupted) => finished.push({ positionMs, interrupted }),
    });
    playback.push(new AudioFrame(new Int16Array(1600), 16000)); // 100 ms
    playback.end();
    await until(() => received.length >= 2);
    expect(received[0]).toEqual({ type: 'segment', segmentId: 'seg-1', sampleRate: 16000 });
    expect(received[1]).toBe(1600);
    expect(started).toBe(1);
    ws.send(JSON.stringify({ type: 'played', segmentId: 'seg-1', positionMs: 40 }));
    await until(() => playback.positionMs === 40);
    expect(finished).toEqual([]);
    playback.pause();
    ws.send(JSON.stringify({ type: 'played', segmentId: 'seg-1', positionMs: 100 }));
    await until(() => playback.positionMs === 100);
    expect(finished).toEqual([]); // paused: not finished until resumed
    playback.resume();
    expect(finished).toEqual([{ positionMs: 100, interrupted: false }]);

    // A stop tells the page to drop its queue and settles at the acknowledged position.
    const second = conn.output.play('seg-2', { onStarted: () => {}, onFinished: () => {} });
    second.push(new AudioFrame(new Int16Array(800), 16000));
    expect(second.stop()).toBe(0);
    await until(() => received.some((m) => typeof m === 'object' && m['type'] === 'stop'));
    expect(received.filter((m) => typeof m === 'object').map((m) => m['type'])).toEqual([
      'segment',
      'pause',
      'resume',
      'segment',
      'stop',
    ]);
    expect(warnings).toEqual(['a text message that is not JSON was ignored']);

    ws.close();
    expect(await conn.closed).toBe('closed');
    expect((await it.next()).done).toBe(true);
  });
});

describe('browser page in headless Chromium', () => {
  it('streams the fake microphone to a session and plays the reply', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'voicechart-browser-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const wav = await fakeMicWav(dir);

    const clock = new SystemClock();
    const sessions: AgentSession[] = [];
    const turns: string[] = [];
    const finished: { segmentId: string; interrupted: boolean; positionMs: number }[] = [];
    const acked = new Set<string>();
    const committed: ChatMessage[] = [];
    const warnings: string[] = [];
    let server: BrowserTransportServer | null = null;
    server = await browserTransportServer({
      onWarning: (w) => warnings.push(w),
      onSession: (conn) => {
        // Every silence in Flite's speech is shorter than 400 ms: one utterance.
        const script = [{ text: QUESTION, startMs: 0, durationMs: 0 }];
        const session = createAgentSession({
          clock,
          vad: new FakeVad({ minSilenceMs: 400 }),
          stt: new FakeStt({ clock, script, silenceMs: 400 }),
          llm: new FakeLlm({ clock, reply: () => ({ text: ANSWER }) }),
          tts: new FakeTts({ clock, wordsPerSecond: 5 }),
          input: conn.input,
          output: conn.output,
          transport: conn.transport,
          config: { minEndpointingDelay: 100, preemptiveGeneration: false },
        });
        sessions.push(session);
        session.on('user.turnCompleted', (e) => turns.push(e.text));
        session.on('agent.stateChanged', (e) => conn.status(e.to));
        session.on('agent.speechCommitted', (e) => committed.push(e.message));
        // Watch the output's segments finish (the session's own playout events are internal).
        const play = conn.output.play.bind(conn.output);
        conn.output.play = (segmentId, callbacks) =>
          play(segmentId, {
            onStarted: () => callbacks.onStarted(),
            onFinished: (positionMs, interrupted) => {
              finished.push({ segmentId, positionMs, interrupted });
              callbacks.onFinished(positionMs, interrupted);
            },
          });
        const acknowledge = conn.output.acknowledge.bind(conn.output);
        conn.output.acknowledge = (segmentId, positionMs) => {
          if (positionMs > 0) acked.add(segmentId);
          return acknowledge(segmentId, positionMs);
        };
      },
    });
    cleanups.push(async () => {
      for (const s of sessions) await s.close();
      await server?.close();
    });

    let browser: Browser | null = null;
    browser = await openBrowser([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
    ]);
    cleanups.push(() => browser?.close());
    const { page, errors } = browser;
    await page.goto(`${server.url}?autostart=1&processing=0`);
    await page.waitForFunction(`document.getElementById('state').textContent === 'connected'`);

    await until(() => turns.length > 0);
    expect(turns[0]).toBe(QUESTION);
    // The reply was sent to the page, played there and acknowledged to the end.
    await until(() => finished.some((f) => !f.interrupted));
    const done = finished.find((f) => !f.interrupted)!;
    expect(acked.has(done.segmentId)).toBe(true);
    expect(done.positionMs).toBeGreaterThan(0);
    await until(() => committed.length > 0);
    expect(committed[0]).toMatchObject({ role: 'assistant', content: ANSWER });
    expect(committed[0]).not.toHaveProperty('interrupted', true);
    await page.waitForFunction(`document.getElementById('status').textContent !== ''`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
