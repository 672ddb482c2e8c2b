/**
 * The caller's side of the simulator's audio mode: their lines synthesized with Flite (cached
 * across the scenarios of a suite, silence trimmed so segment times match the words), and a mixer
 * that renders the segments playing, procedural noises and background noise as 20 ms frames.
 */
import { AudioFrame } from '../audio/audio-frame.ts';
import { concatFrames } from '../audio/mix.ts';
import { floatToInt16 } from '../audio/pcm.ts';
import { type CallerSegment, splitLine } from '../sim/caller.ts';
import { type BackgroundNoise, type NoiseKind, noiseSound } from '../sim/noise.ts';
import type { Scenario } from './scenario-types.ts';

export const RATE = 16000;
export const FRAME_MS = 20;

/** Synthesized caller speech, shared by the scenarios of a suite. */
const speechCache = new Map<string, Float32Array>();

export async function synthesizeLines(scenario: Scenario): Promise<Map<string, Float32Array>> {
  const { FliteTts } = await import('../providers/local/flite-tts.ts');
  const voice = scenario.user.voice ?? 'rms';
  const parts = scenario.user.steps.flatMap((s) => (s.say ? splitLine(s.say).parts : []));
  const missing = [...new Set(parts)].filter((p) => !speechCache.has(`${voice}|${p}`));
  if (missing.length > 0) {
    const tts = new FliteTts({ voice: voice as 'rms', leadingSilenceMs: 0 });
    try {
      for (const text of missing) {
        const frames: AudioFrame[] = [];
        for await (const c of tts.synthesize(text)) frames.push(c.frame);
        speechCache.set(`${voice}|${text}`, trimSilence(concatFrames(frames)));
      }
    } finally {
      await tts.close();
    }
  }
  return new Map(parts.map((p) => [p, speechCache.get(`${voice}|${p}`)!]));
}

/** Float samples without the leading and trailing silence (a 16 kHz mono frame in). */
function trimSilence(frame: AudioFrame): Float32Array {
  const d = frame.data;
  const threshold = 300;
  let a = 0;
  while (a < d.length && Math.abs(d[a]!) < threshold) a++;
  let b = d.length;
  while (b > a && Math.abs(d[b - 1]!) < threshold) b--;
  const out = new Float32Array(Math.max(1, b - a));
  for (let i = a; i < b; i++) out[i - a] = d[i]! / 32768;
  return out;
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** The caller's sound as 20 ms frames: the segments playing, plus background noise. */
export class CallerMixer {
  private readonly active: { startSample: number; data: Float32Array }[] = [];
  private readonly speech: Map<string, Float32Array>;
  private readonly background: BackgroundNoise | null;
  private readonly seed: number;
  private noiseCount = 0;

  constructor(speech: Map<string, Float32Array>, background: BackgroundNoise | null, seed: number) {
    this.speech = speech;
    this.background = background;
    this.seed = seed;
  }

  start(segment: CallerSegment): void {
    const data =
      segment.kind === 'speech'
        ? (this.speech.get(segment.text) ?? new Float32Array(1))
        : noiseSound(
            segment.text as NoiseKind,
            segment.endMs - segment.startMs,
            RATE,
            this.seed * 7919 + ++this.noiseCount,
          );
    this.active.push({ startSample: Math.round((segment.startMs * RATE) / 1000), data });
  }

  /** The frame starting at `atMs`. */
  frame(atMs: number): AudioFrame {
    const n = (RATE * FRAME_MS) / 1000;
    const first = Math.round((atMs * RATE) / 1000);
    const out = new Float32Array(n);
    for (const src of this.active) {
      for (let i = 0; i < n; i++) {
        const k = first + i - src.startSample;
        if (k >= 0 && k < src.data.length) out[i] = out[i]! + src.data[k]!;
      }
    }
    for (let i = this.active.length - 1; i >= 0; i--) {
      const src = this.active[i]!;
      if (src.startSample + src.data.length < first) this.active.splice(i, 1);
    }
    this.background?.addTo(out);
    const pcm = new Int16Array(n);
    for (let i = 0; i < n; i++) pcm[i] = floatToInt16(out[i]!);
    return new AudioFrame(pcm, RATE, 1, atMs);
  }
}
