/**
 * npm run demo: the main job on its embedded offline default. It synthesizes a two-turn user
 * recording with the local TTS (a different voice from the agent's) into the temp folder, runs
 * `voicechart run` on it with the local stack (Silero VAD, RNNoise, pocketsphinx, Flite, the
 * rule-based dialogue engine), and prints what the agent heard (with its word error rate) and
 * said. Outputs land in ./voicechart-out/demo.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatFrames } from '../src/audio/mix.ts';
import { encodeWav } from '../src/audio/wav.ts';
import { formatChat } from '../src/cli/format-chat.ts';
import { createLocalStack } from '../src/cli/local-stack.ts';
import { runConversation } from '../src/cli/run.ts';
import { FliteTts } from '../src/providers/local/flite-tts.ts';
import { corpusWer } from '../src/text/wer.ts';

export const DEMO_TURNS = [
  'Hello, what is the weather like in Paris today?',
  'Thank you. What is three plus four?',
];

/** Writes the demo's user turns as WAV files (16 kHz mono) and returns their folder. */
export async function synthesizeDemoInput(dir = join(tmpdir(), 'voicechart-demo-input')) {
  await mkdir(dir, { recursive: true });
  const voice = new FliteTts({ voice: 'rms' });
  try {
    for (const [i, text] of DEMO_TURNS.entries()) {
      const frames = [];
      for await (const chunk of voice.synthesize(text)) frames.push(chunk.frame);
      await writeFile(join(dir, `turn-${i + 1}.wav`), encodeWav(concatFrames(frames)));
    }
  } finally {
    await voice.close();
  }
  return dir;
}

if (import.meta.main) {
  const input = await synthesizeDemoInput();
  console.log(`demo input: ${DEMO_TURNS.length} user turns synthesized into ${input}`);
  const stack = await createLocalStack();
  console.log(`stack: ${stack.description}\n`);
  try {
    const result = await runConversation({
      input,
      outDir: join('voicechart-out', 'demo'),
      providers: stack.providers,
      instructions: 'You are Chart, a friendly voice assistant.',
      pace: 3,
      onStatus: (s) =>
        process.stderr.write(
          `\r\x1b[2K${(s.atMs / 1000).toFixed(1).padStart(5)} s ${s.state.padEnd(9)} ${s.transcript.slice(0, 80)}`,
        ),
    });
    process.stderr.write('\n\n');
    for (const line of formatChat(result.chat)) console.log(line);
    const heard = result.chat.filter((m) => m.role === 'user').map((m) => m.content);
    const wer = corpusWer(
      DEMO_TURNS.map((ref, i) => ({ reference: ref, hypothesis: heard[i] ?? '' })),
    );
    console.log(`\nword error rate of what the agent heard: ${(wer.wer * 100).toFixed(1)} %`);
    for (const t of result.timeline) {
      console.log(
        `turn ${t.turn}: end-of-utterance ${fmt(t.endOfUtteranceDelayMs)}, voice-to-voice ${fmt(t.voiceToVoiceMs)}`,
      );
    }
    console.log(`\nwrote ${Object.values(result.files).join('\n      ')}`);
  } finally {
    await stack.close();
  }
}

function fmt(ms: number | null) {
  return ms === null ? 'n/a' : `${Math.round(ms)} ms`;
}
