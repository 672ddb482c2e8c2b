/**
 * createAgentSession end to end on a SimulatedClock: scripted microphone audio goes through the
 * real actors (frame buses, VAD, STT, LLM, speech segments, clocked output) and the real machine;
 * the agent answers each turn, reports metrics, and a barge-in keeps only what was heard.
 */
import { describe, expect, it } from 'vitest';
import { type AgentSessionEvent, createAgentSession } from '../../src/session/agent-session.ts';
import { ClockedAudioOutput, type PlayedFrame } from '../../src/session/audio-output.ts';
import { SimulatedClock } from '../../src/session/clock.ts';
import {
  FakeLlm,
  FakeStt,
  FakeTts,
  FakeVad,
  type ScriptedUtterance,
  scriptedMicrophone,
} from '../../src/sim/fake-providers.ts';
import { tool } from '../../src/tools/function-tool.ts';

function setup(
  script: ScriptedUtterance[],
  opts: { reply?: (n: number) => string; tailMs?: number } = {},
) {
  const clock = new SimulatedClock();
  const played: PlayedFrame[] = [];
  let n = 0;
  const session = createAgentSession({
    clock,
    vad: new FakeVad(),
    stt: new FakeStt({ clock, script, finalLatencyMs: 150 }),
    llm: new FakeLlm({
      clock,
      ttftMs: 300,
      tokenIntervalMs: 20,
      reply: (messages) => ({
        text: opts.reply ? opts.reply(n++) : `Reply to: ${messages.at(-1)?.content}`,
      }),
    }),
    tts: new FakeTts({ clock, ttfbMs: 150 }),
    input: scriptedMicrophone({ clock, script, tailMs: opts.tailMs ?? 8000 }),
    output: new ClockedAudioOutput({ clock, onFrame: (f) => played.push(f) }),
    instructions: 'You are a test agent.',
  });
  const events: AgentSessionEvent[] = [];
  session.on('*', (e) => events.push(e));
  return { clock, session, events, played };
}

describe('createAgentSession', () => {
  it('answers two turns through the real actors', async () => {
    const { clock, session, events, played } = setup([
      { text: 'hello there', startMs: 500, durationMs: 800 },
      { text: 'what time is it', startMs: 6000, durationMs: 1000 },
    ]);
    let ended = false;
    session.on('input.ended', () => {
      ended = true;
    });
    await clock.advance(16_000);
    expect(ended).toBe(true);
    const chat = session.chat;
    expect(chat.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
    expect(chat[1]).toMatchObject({ content: 'hello there' });
    expect(chat[2]).toMatchObject({ content: 'Reply to: hello there' });
    expect(chat[4]).toMatchObject({ content: 'Reply to: what time is it' });
    const states = events.filter((e) => e.type === 'agent.stateChanged').map((e) => e.to);
    expect(states).toEqual([
      'LISTENING',
      'THINKING',
      'SPEAKING',
      'IDLE',
      'LISTENING',
      'THINKING',
      'SPEAKING',
      'IDLE',
    ]);
    const metrics = events.flatMap((e) => (e.type === 'metrics' ? [e.metrics] : []));
    expect(metrics).toHaveLength(2);
    // VAD hangover 100 + min endpointing 500; speculation started at the final (+150) is reused.
    expect(metrics[0]?.endOfUtteranceDelayMs).toBe(500);
    expect(metrics[0]?.speculativeReused).toBe(true);
    expect(metrics[0]?.voiceToVoiceMs).toBeGreaterThanOrEqual(500);
    expect(played.length).toBeGreaterThan(0);
    expect(session.stats.userTurns).toBe(2);
    await session.close();
  });

  it('a barge-in commits only the words that were played', async () => {
    const long = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima';
    const { clock, session } = setup(
      [
        { text: 'spell something', startMs: 500, durationMs: 800 },
        { text: 'stop right there', startMs: 4000, durationMs: 900 },
      ],
      { reply: (n) => (n === 0 ? long : 'Okay.') },
    );
    await clock.advance(14_000);
    const assistant = session.chat.find((m) => m.role === 'assistant');
    expect(assistant).toMatchObject({ interrupted: true });
    const heard = assistant?.content ?? '';
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(long.length);
    expect(long.startsWith(heard)).toBe(true);
    expect(session.chat.at(-1)).toMatchObject({ role: 'assistant', content: 'Okay.' });
    await session.close();
  });

  it('runs tools and says()', async () => {
    const clock = new SimulatedClock();
    const script = [{ text: 'weather please', startMs: 300, durationMs: 700 }];
    const session = createAgentSession({
      clock,
      vad: new FakeVad(),
      stt: new FakeStt({ clock, script }),
      llm: new FakeLlm({
        clock,
        reply: (m) =>
          m.some((x) => x.role === 'tool')
            ? { text: 'It is sunny.' }
            : { toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
      }),
      tts: new FakeTts({ clock }),
      tools: [
        tool<{ city: string }>({
          name: 'weather',
          description: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          execute: async ({ city }) => ({ city, sky: 'sunny' }),
        }),
      ],
      input: scriptedMicrophone({ clock, script, tailMs: 10_000 }),
      output: new ClockedAudioOutput({ clock }),
    });
    session.say('Welcome!');
    await clock.advance(8000);
    const roles = session.chat.map((m) => m.role);
    expect(roles).toEqual(['assistant', 'user', 'assistant', 'tool', 'assistant']);
    expect(session.chat[3]).toMatchObject({ content: '{"city":"Oslo","sky":"sunny"}' });
    expect(() => session.updateConfig({ minEndpointingDelay: -1 })).toThrow(/minEndpointingDelay/);
    await session.close();
  });
});
