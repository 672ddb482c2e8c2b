/**
 * npm run bench:local — the embedded offline stack's cost, on real recorded speech (Debian's
 * pocketsphinx-testdata LibriVox clips, read at 16 kHz mono).
 *
 * 1. Per-frame cost (median and p95 over every 20 ms frame of the corpus, on the main thread) of
 *    resampling 48 kHz → 16 kHz and 16 kHz → 48 kHz, RNNoise (at 16 kHz, its resampling
 *    included, and at 48 kHz), Silero VAD per 32 ms window, and pocketsphinx per 20 ms frame
 *    (time inside the library, in its worker).
 * 2. Real-time factor of the whole local pipeline: noise cancellation → VAD and streaming STT →
 *    the rule-based reply → Flite synthesis of that reply, fed as fast as it goes; CPU time of
 *    every thread divided by the audio's duration. Run it pinned to one core with
 *    `taskset -c 0 npm run bench:local` (the npm script does when taskset exists).
 * 3. Word error rate of pocketsphinx on the LibriVox clips (testdata) and on the demo's
 *    synthesized turns, through the same pipeline.
 * 4. Peak RSS of the process.
 *
 * Prints figures; asserts nothing (timings depend on the machine).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AudioFrame } from '../src/audio/audio-frame.ts';
import { concatFrames } from '../src/audio/mix.ts';
import { Resampler } from '../src/audio/resampler.ts';
import { readWavFile } from '../src/audio/wav.ts';
import { FliteTts } from '../src/providers/local/flite-tts.ts';
import { PocketsphinxStt } from '../src/providers/local/pocketsphinx-stt.ts';
import { RnnoiseCanceller } from '../src/providers/local/rnnoise.ts';
import { demoWeatherTool, RuleBasedLlm } from '../src/providers/local/rule-based-llm.ts';
import { SileroVad } from '../src/providers/local/silero-vad.ts';
import { corpusWer } from '../src/text/wer.ts';

const TESTDATA = process.env.POCKETSPHINX_TESTDATA ?? '/usr/share/pocketsphinx/test/data';
const LIBRIVOX = join(TESTDATA, 'librivox');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `median ${percentile(s, 0.5).toFixed(3)} ms, p95 ${percentile(s, 0.95).toFixed(3)} ms`;
}

function frames(audio: AudioFrame, ms: number): AudioFrame[] {
  const step = Math.round((audio.sampleRate * ms) / 1000);
  const out: AudioFrame[] = [];
  for (let i = 0; i + step <= audio.data.length; i += step) {
    out.push(
      new AudioFrame(
        audio.data.slice(i, i + step),
        audio.sampleRate,
        1,
        (i / audio.sampleRate) * 1000,
      ),
    );
  }
  return out;
}

function timeEach(items: readonly AudioFrame[], fn: (f: AudioFrame) => unknown): number[] {
  for (const f of items.slice(0, 50)) fn(f); // warm-up
  return items.map((f) => {
    const t = performance.now();
    fn(f);
    return performance.now() - t;
  });
}

async function loadLibrivox(): Promise<{ audio: AudioFrame[]; references: string[] }> {
  let transcription: string;
  try {
    transcription = readFileSync(join(LIBRIVOX, 'transcription'), 'utf8');
  } catch {
    console.error(`bench:local needs ${LIBRIVOX}: run scripts/install-deps.sh --test`);
    process.exit(1);
  }
  const audio: AudioFrame[] = [];
  const references: string[] = [];
  for (const line of transcription.trim().split('\n')) {
    const m = /^<s> (.*) <\/s> \((.+)\)$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    references.push(m[1]);
    audio.push(await readWavFile(join(LIBRIVOX, `${m[2]}.wav`)));
  }
  return { audio, references };
}

/** STT over whole clips through RNNoise + the streaming recognizer, one stream per clip. */
async function transcribe(
  stt: PocketsphinxStt,
  nc: RnnoiseCanceller | null,
  vad: SileroVad,
  clips: readonly AudioFrame[],
): Promise<{ texts: string[]; vadEvents: number }> {
  const texts: string[] = [];
  let vadEvents = 0;
  for (const clip of clips) {
    nc?.reset();
    const sttStream = stt.stream();
    const vadStream = vad.stream();
    const finals: string[] = [];
    const sttDone = (async () => {
      for await (const e of sttStream) if (e.type === 'final' && e.text) finals.push(e.text);
    })();
    const vadDone = (async () => {
      for await (const e of vadStream) if (e.type !== 'inference') vadEvents++;
    })();
    const silence = new AudioFrame(new Int16Array(8000), 16000, 1, 0);
    for (const f of frames(concatFrames([silence, clip, silence]), 20)) {
      const clean = nc ? nc.process(f) : f;
      vadStream.pushFrame(clean);
      sttStream.pushFrame(clean);
    }
    sttStream.endInput();
    vadStream.endInput();
    await Promise.all([sttDone, vadDone]);
    texts.push(finals.join(' '));
  }
  return { texts, vadEvents };
}

async function main() {
  const { audio: clips, references } = await loadLibrivox();
  const corpus = concatFrames(clips.map((c) => new AudioFrame(c.data, c.sampleRate, 1, 0)));
  const audioSeconds = corpus.durationMs / 1000;
  console.log(
    `corpus: ${clips.length} LibriVox clips, ${audioSeconds.toFixed(1)} s at ${corpus.sampleRate} Hz; node ${process.version}`,
  );

  const vad = new SileroVad();
  const stt = new PocketsphinxStt({ resetAdaptation: true });
  const nc = new RnnoiseCanceller();
  const flite = new FliteTts();
  await Promise.all([vad.prewarm(), stt.prewarm(), nc.prewarm(), flite.prewarm()]);

  // 1. Per-frame costs.
  const f16 = frames(corpus, 20);
  const up = new Resampler({ inputRate: 16000, outputRate: 48000 });
  const f48 = f16.map((f) => up.push(f)).filter((f): f is AudioFrame => f !== null);
  const down = new Resampler({ inputRate: 48000, outputRate: 16000 });
  const up2 = new Resampler({ inputRate: 16000, outputRate: 48000 });
  console.log('\nper 20 ms frame, main thread:');
  console.log(`  resample 48 kHz → 16 kHz     ${summary(timeEach(f48, (f) => down.push(f)))}`);
  console.log(`  resample 16 kHz → 48 kHz     ${summary(timeEach(f16, (f) => up2.push(f)))}`);
  nc.reset();
  console.log(`  RNNoise at 16 kHz            ${summary(timeEach(f16, (f) => nc.process(f)))}`);
  const nc48 = new RnnoiseCanceller();
  await nc48.prewarm();
  console.log(`  RNNoise at 48 kHz            ${summary(timeEach(f48, (f) => nc48.process(f)))}`);
  await nc48.close();

  // Silero: time per window, measured as time between pushes and their inference events.
  {
    const stream = vad.stream();
    const windows: number[] = [];
    let last = performance.now();
    const done = (async () => {
      for await (const e of stream) {
        if (e.type === 'inference') {
          const now = performance.now();
          windows.push(now - last);
          last = now;
        }
      }
    })();
    // One 32 ms window at a time, waiting for its inference: the cost of one window alone.
    const w = frames(corpus, 32);
    for (const f of w.slice(0, 400)) {
      last = performance.now();
      stream.pushFrame(f);
      await new Promise((r) => setImmediate(r));
      while (windows.length === 0) await new Promise((r) => setImmediate(r));
    }
    stream.endInput();
    await done;
    console.log(`  Silero VAD per 32 ms window  ${summary(windows.slice(10))}`);
  }

  // 2 + 3. The pipeline end to end, and its word error rate.
  const before = stt.stats;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const { texts } = await transcribe(stt, nc, vad, clips);
  const llm = new RuleBasedLlm();
  let replySamples = 0;
  for (const text of texts) {
    const reply = llm.reply([{ id: 'u', role: 'user', content: text }], [demoWeatherTool]);
    const line = 'text' in reply ? reply.text : 'Let me check the weather.';
    for await (const chunk of flite.synthesize(line)) replySamples += chunk.frame.samplesPerChannel;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - wall0) / 1000;
  const after = stt.stats;
  const sttPerFrame = ((after.decodeMs - before.decodeMs) / (after.audioMs - before.audioMs)) * 20;
  console.log(`  pocketsphinx per 20 ms frame ${sttPerFrame.toFixed(3)} ms mean (in its worker)`);

  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const pipelineAudio = audioSeconds + clips.length; // each clip is padded with 1 s of silence
  console.log(
    '\nwhole local pipeline (RNNoise → Silero + pocketsphinx → rule-based reply → Flite):',
  );
  console.log(
    `  ${pipelineAudio.toFixed(1)} s of input, ${(replySamples / flite.capabilities.sampleRate).toFixed(1)} s of replies synthesized`,
  );
  console.log(
    `  real-time factor: CPU ${(cpuSeconds / pipelineAudio).toFixed(3)} (all threads), wall ${(wall / pipelineAudio).toFixed(3)}`,
  );

  const wer = corpusWer(
    references.map((reference, i) => ({ reference, hypothesis: texts[i] ?? '' })),
  );
  const raw = await transcribe(stt, null, vad, clips);
  const rawWer = corpusWer(
    references.map((reference, i) => ({ reference, hypothesis: raw.texts[i] ?? '' })),
  );
  console.log(`\nWER on pocketsphinx-testdata LibriVox (${wer.referenceWords} words):`);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(`  through RNNoise ${pct(wer.wer)}, without noise cancellation ${pct(rawWer.wer)}`);

  const demoTurns = (await import('../scripts/demo.ts')).DEMO_TURNS;
  const demoAudio: AudioFrame[] = [];
  const voice = new FliteTts({ voice: 'rms' });
  for (const text of demoTurns) {
    const chunks: AudioFrame[] = [];
    for await (const c of voice.synthesize(text)) chunks.push(c.frame);
    demoAudio.push(concatFrames(chunks));
  }
  await voice.close();
  const demo = await transcribe(stt, nc, vad, demoAudio);
  const demoWer = corpusWer(
    demoTurns.map((reference, i) => ({ reference, hypothesis: demo.texts[i] ?? '' })),
  );
  console.log(
    `WER on the demo input (Flite "rms", ${demoWer.referenceWords} words): ${(demoWer.wer * 100).toFixed(1)} %`,
  );

  console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await Promise.all([vad.close(), stt.close(), nc.close(), flite.close()]);
}

await main();
