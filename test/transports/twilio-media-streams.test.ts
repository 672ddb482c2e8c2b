/**
 * The Twilio Media Streams transport against a loopback Twilio simulator (a `ws` client that
 * speaks Twilio's protocol, "plays" the audio it receives in real time and echoes marks), and
 * end to end with a session on the simulator's fake providers. Real sockets run on wall time,
 * so the tests wait for events, never for durations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import { decodeMulaw, encodeMulaw } from '../../src/audio/g711.ts';
import { createAgentSession } from '../../src/session/agent-session.ts';
import type { AudioOutput } from '../../src/session/audio-output.ts';
import { SystemClock } from '../../src/session/clock.ts';
import { FakeLlm, FakeStt, FakeTts, FakeVad } from '../../src/sim/fake-providers.ts';
import {
  TwilioAudioOutput,
  type TwilioCall,
  type TwilioMediaStreamsServer,
  type TwilioOutboundMessage,
  twilioMediaStreamsServer,
} from '../../src/telephony.ts';

const STREAM_SID = 'MZ00000000000000000000000000000001';

/** 20 ms of a loud 220 Hz tone (speech for the energy-based fakes), μ-law. */
const TONE = encodeMulaw(
  Int16Array.from({ length: 160 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 8000)),
  ),
);
const SILENCE = encodeMulaw(new Int16Array(160));

type Received = { event: string; [key: string]: unknown };

/** Behaves like Twilio's side of a bidirectional stream. */
class TwilioSimulator {
  readonly received: Received[] = [];
  readonly ws: WebSocket;
  /** Outbound audio chunks waiting to be "played", with marks between them. */
  private buffer: ({ kind: 'audio'; bytes: number } | { kind: 'mark'; name: string })[] = [];
  playedBytes = 0;
  /** Marks echoed because their audio was played (not those echoed by a clear). */
  echoedMarks = 0;
  /** Caller chunks sent with the tone. */
  talkedChunks = 0;
  private chunk = 0;
  private talking = false;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => this.onMessage(JSON.parse(String(data)) as Received));
    // One tick per 20 ms: send a caller chunk and play one received chunk.
    this.ticker = setInterval(() => this.tick(), 20);
  }

  async open(customParameters: Record<string, string> = {}) {
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: 'AC0001',
        streamSid: STREAM_SID,
        callSid: 'CA0001',
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: STREAM_SID,
    });
  }

  send(message: object | string) {
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    }
  }

  /** The caller talks (tone) until `quiet()`. */
  talk() {
    this.talking = true;
  }
  quiet() {
    this.talking = false;
  }

  dtmf(digit: string) {
    this.send({ event: 'dtmf', streamSid: STREAM_SID, dtmf: { track: 'inbound_track', digit } });
  }

  stop() {
    this.send({
      event: 'stop',
      stop: { accountSid: 'AC0001', callSid: 'CA0001' },
      streamSid: STREAM_SID,
    });
  }

  count(event: string): number {
    return this.received.filter((m) => m.event === event).length;
  }

  /** Resolves when `test` holds (checked after every message and tick). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  close() {
    clearInterval(this.ticker);
    this.ws.close();
  }

  private tick() {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.chunk++;
    if (this.talking) this.talkedChunks++;
    const payload = Buffer.from(this.talking ? TONE : SILENCE).toString('base64');
    this.send({
      event: 'media',
      sequenceNumber: String(this.chunk + 1),
      media: {
        track: 'inbound',
        chunk: String(this.chunk),
        timestamp: String(this.chunk * 20),
        payload,
      },
      streamSid: STREAM_SID,
    });
    // Play 20 ms of what we were sent; echo the marks the played audio reached.
    let budget = 160;
    while (this.buffer.length > 0) {
      const head = this.buffer[0]!;
      if (head.kind === 'mark') {
        this.buffer.shift();
        this.echoedMarks++;
        this.send({ event: 'mark', streamSid: STREAM_SID, mark: { name: head.name } });
        continue;
      }
      if (budget === 0) break;
      const take = Math.min(budget, head.bytes);
      head.bytes -= take;
      budget -= take;
      this.playedBytes += take;
      if (head.bytes === 0) this.buffer.shift();
    }
    this.check();
  }

  private onMessage(message: Received) {
    this.received.push(message);
    if (message.event === 'media') {
      const media = message['media'] as { payload: string };
      this.buffer.push({ kind: 'audio', bytes: Buffer.from(media.payload, 'base64').length });
    } else if (message.event === 'mark') {
      this.buffer.push({ kind: 'mark', name: (message['mark'] as { name: string }).name });
    } else if (message.event === 'clear') {
      // Twilio drops the buffered audio and echoes the marks still pending.
      const marks = this.buffer.filter((b) => b.kind === 'mark');
      this.buffer = [];
      for (const m of marks)
        this.send({ event: 'mark', streamSid: STREAM_SID, mark: { name: m.name } });
    }
    this.check();
  }

  private check() {
    for (const w of [...this.waiters]) {
      if (w.test()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

let server: TwilioMediaStreamsServer | null = null;
const sims: TwilioSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await server?.close();
  server = null;
});

/** A server whose calls are handed to the test, and a connected simulator. */
async function connect(customParameters: Record<string, string> = {}, warnings: string[] = []) {
  let deliver: (call: TwilioCall) => void = () => {};
  const callReady = new Promise<TwilioCall>((resolve) => {
    deliver = resolve;
  });
  server = await twilioMediaStreamsServer({
    path: '/twilio',
    onCall: (call) => deliver(call),
    call: { markIntervalMs: 200, onWarning: (w) => warnings.push(w) },
  });
  const sim = new TwilioSimulator(server.url);
  sims.push(sim);
  await sim.open(customParameters);
  return { sim, call: await callReady };
}

describe('TwilioAudioOutput (no socket)', () => {
  it('sends 20 ms μ-law media with marks; position follows acknowledged marks', () => {
    const sent: TwilioOutboundMessage[] = [];
    const output = new TwilioAudioOutput({
      streamSid: 'MZ1',
      send: (m) => sent.push(m) > 0,
      markIntervalMs: 100,
    });
    const events: string[] = [];
    const playback = output.play('seg-1', {
      onStarted: () => events.push('started'),
      onFinished: (pos, interrupted) => events.push(`finished ${pos} ${interrupted}`),
    });
    // 250 ms at 24 kHz: resampled to 8 kHz, 12.5 chunks → 13 (the last padded).
    playback.push(AudioFrame.silence(250, 24000));
    playback.end();
    const media = sent.filter((m) => m.event === 'media');
    const marks = sent.flatMap((m) => (m.event === 'mark' ? [m.mark.name] : []));
    expect(media).toHaveLength(13);
    for (const m of media) expect(Buffer.from(m.media.payload, 'base64')).toHaveLength(160);
    expect(marks).toHaveLength(3); // after 5, 10 and 13 chunks
    expect(events).toEqual(['started']);
    expect(playback.positionMs).toBe(0);
    expect(output.acknowledge(marks[0]!)).toBe(true);
    expect(playback.positionMs).toBe(100);
    expect(output.acknowledge('someone-else')).toBe(false);
    output.acknowledge(marks[1]!);
    output.acknowledge(marks[2]!);
    expect(events).toEqual(['started', 'finished 250 false']); // the padding does not count
  });

  it('stop() sends clear and settles at the confirmed position; late marks are ignored', () => {
    const sent: TwilioOutboundMessage[] = [];
    const output = new TwilioAudioOutput({
      streamSid: 'MZ1',
      send: (m) => sent.push(m) > 0,
      markIntervalMs: 200,
    });
    const finished: [number, boolean][] = [];
    const playback = output.play('seg-2', {
      onStarted: () => {},
      onFinished: (pos, interrupted) => finished.push([pos, interrupted]),
    });
    playback.push(AudioFrame.silence(1000, 8000));
    const marks = sent.flatMap((m) => (m.event === 'mark' ? [m.mark.name] : []));
    output.acknowledge(marks[1]!); // 400 ms heard
    expect(playback.stop()).toBe(400);
    expect(sent.at(-1)).toEqual({ event: 'clear', streamSid: 'MZ1' });
    expect(finished).toEqual([[400, true]]);
    expect(output.acknowledge(marks[2]!)).toBe(false); // echoed by the clear: not played
    expect(playback.positionMs).toBe(400);
  });

  it('pause() clears, resume() re-sends from the last confirmed mark; a new play cuts the old', () => {
    const sent: TwilioOutboundMessage[] = [];
    const output = new TwilioAudioOutput({
      streamSid: 'MZ1',
      send: (m) => sent.push(m) > 0,
      markIntervalMs: 100,
    });
    expect(output.canPause).toBe(false);
    const done: string[] = [];
    const first = output.play('a', {
      onStarted: () => {},
      onFinished: (p, i) => done.push(`a ${p} ${i}`),
    });
    first.push(AudioFrame.silence(300, 8000));
    const mark = sent.find((m) => m.event === 'mark');
    output.acknowledge(mark?.event === 'mark' ? mark.mark.name : '');
    first.pause();
    expect(sent.at(-1)?.event).toBe('clear');
    const before = sent.length;
    first.resume();
    // 300 ms sent, 100 confirmed: 200 ms (10 chunks) go out again.
    expect(sent.slice(before).filter((m) => m.event === 'media')).toHaveLength(10);
    output.play('b', { onStarted: () => {}, onFinished: () => {} });
    expect(done).toEqual(['a 100 true']);
  });
});

describe('Twilio Media Streams transport (loopback simulator)', () => {
  it('survives bad input: non-JSON, unknown events, media before start, a socket closing mid-reply', async () => {
    const warnings: string[] = [];
    let deliver: (call: TwilioCall) => void = () => {};
    const ready = new Promise<TwilioCall>((resolve) => {
      deliver = resolve;
    });
    server = await twilioMediaStreamsServer({
      onCall: (call) => deliver(call),
      call: { onWarning: (w) => warnings.push(w) },
    });
    const ws = new WebSocket(server.url);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('not json');
    ws.send(
      JSON.stringify({ event: 'media', media: { payload: Buffer.from(TONE).toString('base64') } }),
    );
    ws.send(JSON.stringify({ event: 'somethingNew' }));
    ws.send(JSON.stringify([1, 2]));
    ws.send(
      JSON.stringify({
        event: 'start',
        start: { streamSid: 'MZx', callSid: 'CAx', customParameters: { who: 'tester' } },
      }),
    );
    const call = await ready;
    expect([call.streamSid, call.callSid, call.customParameters]).toEqual([
      'MZx',
      'CAx',
      { who: 'tester' },
    ]);
    ws.send(
      JSON.stringify({
        event: 'media',
        media: { timestamp: '40', payload: Buffer.from(TONE).toString('base64') },
      }),
    );
    ws.send(JSON.stringify({ event: 'media', media: { payload: '' } }));
    const frames: AudioFrame[] = [];
    const reading = (async () => {
      for await (const f of call.input) frames.push(f);
    })();
    const finished: [number, boolean][] = [];
    const playback = call.output.play('s', {
      onStarted: () => {},
      onFinished: (p, i) => finished.push([p, i]),
    });
    playback.push(AudioFrame.silence(500, 16000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    ws.terminate(); // no stop: the socket just goes away
    expect(await call.ended).toBe('closed');
    await reading;
    expect(frames.map((f) => [f.startMs, f.sampleRate, f.samplesPerChannel])).toEqual([
      [40, 8000, 160],
    ]);
    expect(decodeMulaw(TONE)).toEqual(frames[0]!.data);
    expect(finished).toEqual([[0, true]]);
    playback.push(AudioFrame.silence(20, 16000)); // after the end: ignored, no throw
    expect(warnings.join('\n')).toMatch(
      /not JSON[\s\S]*before "start"[\s\S]*unknown event[\s\S]*not a JSON object/,
    );
  });

  it('end to end: reply as μ-law media with marks, barge-in clears, DTMF arrives, stop ends the input', async () => {
    const { sim, call } = await connect({ caller: '+15550100' });
    expect(call.customParameters).toEqual({ caller: '+15550100' });
    expect(call.transport).toEqual({ name: 'twilio', sampleRate: 8000 });
    // The call's output, recording where each segment finished.
    const finishedAt: { positionMs: number; interrupted: boolean }[] = [];
    const output: AudioOutput = {
      sampleRate: call.output.sampleRate,
      canPause: call.output.canPause,
      play: (id, callbacks) =>
        call.output.play(id, {
          onStarted: callbacks.onStarted,
          onFinished: (positionMs, interrupted) => {
            finishedAt.push({ positionMs, interrupted });
            callbacks.onFinished(positionMs, interrupted);
          },
        }),
      close: () => call.output.close(),
    };
    const clock = new SystemClock();
    const script = [
      { text: 'hello there', startMs: 0, durationMs: 0 },
      { text: 'wait a moment', startMs: 0, durationMs: 0 },
    ];
    const session = createAgentSession({
      clock,
      vad: new FakeVad(),
      stt: new FakeStt({ clock, script }),
      llm: new FakeLlm({
        clock,
        reply: () => ({ text: 'one two three four five six seven eight nine ten eleven twelve' }),
      }),
      tts: new FakeTts({ clock, wordsPerSecond: 4 }),
      input: call.input,
      output,
      transport: call.transport,
      config: {
        minEndpointingDelay: 100,
        minInterruptionDuration: 200,
        preemptiveGeneration: false,
      },
    });
    const events: string[] = [];
    session.on('*', (e) => events.push(e.type));
    const digits: string[] = [];
    call.onDtmf((d) => digits.push(d));

    // The caller says something; the agent answers with μ-law media and marks.
    sim.talk();
    await sim.until(() => sim.talkedChunks >= 25); // 500 ms of "speech"
    sim.quiet();
    await sim.until(() => sim.echoedMarks >= 2);
    const media = sim.received.filter((m) => m.event === 'media');
    for (const m of media) {
      expect(m['streamSid']).toBe(STREAM_SID);
      expect(Buffer.from((m['media'] as { payload: string }).payload, 'base64')).toHaveLength(160);
    }
    expect(session.agentState).toBe('SPEAKING');

    // Barge-in: the caller talks over the agent; the transport clears Twilio's buffer.
    const interrupted = new Promise<{ playedText: string; reason: string }>((resolve) => {
      session.on('agent.interrupted', (e) => resolve(e));
    });
    sim.talk();
    await sim.until(() => sim.count('clear') >= 1);
    sim.quiet();
    const interruption = await interrupted;
    expect(interruption.reason).toBe('user');
    // What was heard is what Twilio confirmed: at least the two acknowledged marks (400 ms =
    // one word or more at 4 words/s), never more than the simulator played.
    expect(interruption.playedText.startsWith('one')).toBe(true);
    expect(finishedAt.length).toBe(1);
    expect(finishedAt[0]!.interrupted).toBe(true);
    expect(finishedAt[0]!.positionMs).toBeGreaterThanOrEqual(400);
    expect(finishedAt[0]!.positionMs).toBeLessThanOrEqual(sim.playedBytes / 8);
    expect(events).not.toContain('agent.paused'); // Twilio cannot pause: the session stops
    expect(session.chat.some((m) => m.role === 'user' && m.content === 'hello there')).toBe(true);

    // DTMF, both as a callback and as an async iterable.
    sim.dtmf('4');
    sim.dtmf('#');
    const iterated: string[] = [];
    for await (const d of call.dtmf) {
      iterated.push(d);
      if (iterated.length === 2) break;
    }
    expect(iterated).toEqual(['4', '#']);
    expect(digits).toEqual(['4', '#']);

    // Twilio's stop ends the session's input cleanly.
    const inputEnded = new Promise<void>((resolve) => session.on('input.ended', () => resolve()));
    sim.stop();
    expect(await call.ended).toBe('stop');
    await inputEnded;
    expect(events).not.toContain('error');
    await session.close();
  }, 15_000);
});
