/**
 * The main job's plumbing on SimulatedClock with the simulator's providers: WAV clips in (any
 * rate, stereo), a two-turn conversation through the real session, and the four outputs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import { runConversation } from '../../src/cli/run.ts';
import { demoWeatherTool, RuleBasedLlm } from '../../src/providers/local/rule-based-llm.ts';
import type { Tts, TtsChunk, TtsStream } from '../../src/providers/tts.ts';
import { SimulatedClock } from '../../src/session/clock.ts';
import { FakeStt, FakeTts, FakeVad } from '../../src/sim/fake-providers.ts';
import { loadWavClips } from '../../src/transports/file-input.ts';

/** A loud 440 Hz-ish tone standing in for speech (the fakes detect speech by energy). */
function tone(rate: number, channels: number, ms: number): AudioFrame {
  const n = Math.round((rate * ms) / 1000);
  const data = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++)
      data[i * channels + c] = Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  }
  return new AudioFrame(data, rate, channels);
}

/** FakeTts timing, but audible: every chunk becomes a tone of the same length. */
class AudibleTts implements Tts {
  readonly label = 'audible-fake-tts';
  readonly inner: FakeTts;
  readonly capabilities: Tts['capabilities'];
  constructor(inner: FakeTts) {
    this.inner = inner;
    this.capabilities = inner.capabilities;
  }
  updateOptions() {}
  prewarm() {
    return this.inner.prewarm();
  }
  close() {
    return this.inner.close();
  }
  private static loud(chunk: TtsChunk): TtsChunk {
    const f = chunk.frame;
    const t = tone(f.sampleRate, f.channels, f.durationMs);
    return { ...chunk, frame: new AudioFrame(t.data, f.sampleRate, f.channels, f.startMs) };
  }
  async *synthesize(text: string) {
    for await (const c of this.inner.synthesize(text)) yield AudibleTts.loud(c);
  }
  stream(): TtsStream {
    const s = this.inner.stream();
    return {
      pushText: (t) => s.pushText(t),
      flush: () => s.flush(),
      endInput: () => s.endInput(),
      close: () => s.close(),
      async *[Symbol.asyncIterator]() {
        for await (const c of s) yield AudibleTts.loud(c);
      },
    };
  }
}

const DURATION_MS = 11_900;

describe('runConversation (file transport, recorder, timeline, inspection log)', () => {
  it('plays a folder of clips as turns, answers each, and writes aligned outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicechart-run-'));
    const input = join(dir, 'in');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(input);
    // Different rates and channel counts: the transport converts them.
    writeFileSync(join(input, '1-hello.wav'), encodeWav(tone(44100, 2, 1200)));
    writeFileSync(join(input, '2-weather.wav'), encodeWav(tone(8000, 1, 1500)));
    writeFileSync(join(input, 'notes.txt'), 'ignored');

    const clock = new SimulatedClock();
    const script = [
      { text: 'hello there', startMs: 0, durationMs: 1200 },
      { text: 'what is the weather in paris', startMs: 0, durationMs: 1500 },
    ];
    const llm = new RuleBasedLlm();
    // Files are read before virtual time starts: from here on only the clock drives the run.
    const clips = await loadWavClips(input);
    expect(clips.map((c) => [c.audio.sampleRate, c.audio.channels])).toEqual([
      [16000, 1],
      [16000, 1],
    ]);
    const run = runConversation({
      input: clips,
      outDir: join(dir, 'out'),
      clock,
      providers: {
        vad: new FakeVad(),
        stt: new FakeStt({ clock, script, finalLatencyMs: 120 }),
        llm,
        tts: new AudibleTts(
          new FakeTts({ clock, ttfbMs: 150, wordsPerSecond: 3, sampleRate: 24000 }),
        ),
        tools: [demoWeatherTool],
      },
    });
    let finished = false;
    void run.finally(() => {
      finished = true;
    });
    while (!finished && clock.now() < 120_000) await clock.advance(50);
    const result = await run;
    // Deterministic: the same virtual duration every run.
    expect(result.durationMs).toBe(DURATION_MS);

    const said = result.chat.filter((m) => m.role === 'user').map((m) => m.content);
    expect(said).toEqual(['hello there', 'what is the weather in paris']);
    const replies = result.chat.filter((m) => m.role === 'assistant' && m.content !== '');
    expect(replies.map((m) => m.content)).toEqual([
      "Hello! I'm Chart. How can I help you today?",
      expect.stringMatching(/^In Paris it is \d+ degrees and \w+\. Anything else\?$/),
    ]);
    expect(result.chat.some((m) => m.role === 'tool' && m.name === 'get_weather')).toBe(true);

    // timeline.json: one entry per turn, stamps in causal order.
    const { turns } = JSON.parse(readFileSync(result.files.timeline, 'utf8'));
    expect(turns).toHaveLength(2);
    for (const t of turns) {
      expect(t.vadStartMs).toBeLessThan(t.vadEndMs);
      expect(t.vadEndMs).toBeLessThanOrEqual(t.committedMs);
      expect(t.committedMs).toBeLessThanOrEqual(t.ttsFirstAudioMs);
      expect(t.voiceToVoiceMs).toBeGreaterThan(0);
    }

    // transcript.json holds the chat; inspect.jsonl is one JSON object per line.
    const transcript = JSON.parse(readFileSync(result.files.transcript, 'utf8'));
    expect(transcript.messages).toEqual(JSON.parse(JSON.stringify(result.chat)));
    const lines = readFileSync(result.files.inspect, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines.slice(0, 20)) expect(() => JSON.parse(line)).not.toThrow();

    // conversation.wav: stereo 16 kHz, user left, agent right, the agent heard after the user.
    const wav = decodeWav(readFileSync(result.files.conversation));
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(16000);
    const loudMs = (channel: number) => {
      const spans: number[] = [];
      for (let i = 0; i < wav.data.length / 2; i += 160) {
        let peak = 0;
        for (let k = i; k < Math.min(i + 160, wav.data.length / 2); k++) {
          peak = Math.max(peak, Math.abs(wav.data[k * 2 + channel]!));
        }
        if (peak > 3000) spans.push(i / 16);
      }
      return spans;
    };
    const user = loudMs(0);
    const agent = loudMs(1);
    expect(user.length * 10).toBeGreaterThan(2500); // 2.7 s of user tone, 10 ms per block
    expect(agent.length).toBeGreaterThan(0);
    const firstUserEnd = 500 + 1200; // lead-in + first clip
    expect(agent[0]).toBeGreaterThan(firstUserEnd);
    // The agent never talks over the user in this polite conversation.
    const userSet = new Set(user);
    expect(agent.filter((ms) => userSet.has(ms))).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
