import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../src/audio/audio-frame.ts';
import type { NoiseCanceller } from '../../src/providers/noise-canceller.ts';
import { createAgentSession } from '../../src/session/agent-session.ts';
import { ClockedAudioOutput } from '../../src/session/audio-output.ts';
import { SimulatedClock } from '../../src/session/clock.ts';
import {
  FakeLlm,
  FakeStt,
  FakeTts,
  FakeVad,
  scriptedMicrophone,
} from '../../src/sim/fake-providers.ts';

class CountingCanceller implements NoiseCanceller {
  readonly label = 'counting';
  readonly capabilities = { sampleRate: 16000, frameMs: 10 };
  frames = 0;
  closed = false;
  updateOptions() {}
  async prewarm() {}
  async close() {
    this.closed = true;
  }
  reset() {}
  process(frame: AudioFrame) {
    this.frames++;
    return frame;
  }
}

describe('noise canceller selector', () => {
  it('is asked with the transport, its choice processes the input, and closes with the session', async () => {
    const clock = new SimulatedClock();
    const script = [{ text: 'hello', startMs: 200, durationMs: 600 }];
    const made = new CountingCanceller();
    const asked: unknown[] = [];
    const session = createAgentSession({
      clock,
      vad: new FakeVad(),
      stt: new FakeStt({ clock, script }),
      llm: new FakeLlm({ clock }),
      tts: new FakeTts({ clock }),
      input: scriptedMicrophone({ clock, script, tailMs: 500 }),
      output: new ClockedAudioOutput({ clock }),
      transport: { name: 'sip', sampleRate: 8000 },
      noiseCanceller: (info) => {
        asked.push(info);
        return made;
      },
    });
    await clock.advance(1500);
    expect(asked).toEqual([{ transport: 'sip', sampleRate: 8000 }]);
    expect(made.frames).toBeGreaterThan(20);
    await session.close();
    expect(made.closed).toBe(true);
  });

  it('a canceller passed in directly is shared: the session does not close it', async () => {
    const clock = new SimulatedClock();
    const shared = new CountingCanceller();
    const session = createAgentSession({
      clock,
      vad: new FakeVad(),
      stt: new FakeStt({ clock, script: [] }),
      llm: new FakeLlm({ clock }),
      tts: new FakeTts({ clock }),
      input: scriptedMicrophone({ clock, script: [], tailMs: 200 }),
      output: new ClockedAudioOutput({ clock }),
      noiseCanceller: shared,
    });
    await clock.advance(300);
    await session.close();
    expect(shared.closed).toBe(false);
  });
});
