/**
 * The main job end to end: `voicechart run` as a process, on the embedded offline stack (RNNoise,
 * Silero VAD, pocketsphinx, Flite, the rule-based dialogue engine), on a two-turn recording of
 * real synthesized speech in a voice other than the agent's. Checks that the agent heard and
 * answered both turns and that the four outputs are written. Runs on a sped-up wall clock (the
 * real providers compute in wall time); nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import type { ChatMessage } from '../../src/text/chat-context.ts';
import { wordErrorRate } from '../../src/text/wer.ts';
import { closeSpeechSynthesizers, writeSpeechWav } from '../helpers/speech-data.ts';

const CLI = join(import.meta.dirname, '../../src/cli/voicechart.ts');
const TURNS = ['Hello, what is the weather like in London today?', 'What is two plus five?'];
const dir = mkdtempSync(join(tmpdir(), 'voicechart-e2e-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeSpeechSynthesizers();
});

describe('voicechart run (end to end, offline stack)', () => {
  it('answers both turns of a two-turn recording and writes the outputs', async () => {
    const input = join(dir, 'input');
    mkdirSync(input);
    for (const [i, text] of TURNS.entries()) {
      await writeSpeechWav(text, join(input, `turn-${i + 1}.wav`), { voice: 'rms' });
    }
    const out = join(dir, 'out');
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', '--input', input, '--out', out, '--speed', '2'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status, r.stderr).toBe(0);

    const { messages } = JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as {
      messages: ChatMessage[];
    };
    const heard = messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(heard).toHaveLength(2);
    // pocketsphinx is not perfect; the words that matter must be there.
    expect(heard[0]).toMatch(/weather/);
    expect(heard[0]).toMatch(/london/);
    expect(heard[1]).toMatch(/plus/);
    for (const [i, text] of TURNS.entries()) {
      expect(wordErrorRate(text, heard[i] ?? '').wer).toBeLessThan(0.5);
    }
    const replies = messages.filter((m) => m.role === 'assistant' && m.content !== '');
    expect(replies.map((m) => m.content)).toEqual([
      expect.stringMatching(/^In London it is \d+ degrees and \w+\. Anything else\?$/),
      '2 plus 5 is 7. Anything else?',
    ]);

    const { turns } = JSON.parse(readFileSync(join(out, 'timeline.json'), 'utf8'));
    expect(turns).toHaveLength(2);
    for (const t of turns) expect(t.voiceToVoiceMs).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'inspect.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(50);

    // The agent's replies are audible on the right channel.
    const wav = decodeWav(readFileSync(join(out, 'conversation.wav')));
    expect(wav.channels).toBe(2);
    let agentLoud = 0;
    for (let i = 1; i < wav.data.length; i += 2) if (Math.abs(wav.data[i]!) > 2000) agentLoud++;
    expect(agentLoud / wav.sampleRate).toBeGreaterThan(0.5);
    expect(r.stdout).toMatch(/2 turns, voice-to-voice \d+ ms, \d+ ms/);
  });
});
