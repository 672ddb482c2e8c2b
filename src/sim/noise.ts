/**
 * Procedural sounds for the simulator's audio mode: a cough, a click, keyboard typing, a breath,
 * and background white noise at a given signal-to-noise ratio. Seeded, so runs repeat exactly.
 */
import { seededRandom } from './scripted-providers.ts';

export type NoiseKind = 'cough' | 'click' | 'typing' | 'breath';

/** One-pole low-pass over white noise: a duller, more natural texture. */
function coloured(n: number, random: () => number, smoothing: number): Float32Array {
  const out = new Float32Array(n);
  let y = 0;
  for (let i = 0; i < n; i++) {
    y += (1 - smoothing) * (random() * 2 - 1 - y);
    out[i] = y;
  }
  return out;
}

function normalize(x: Float32Array, peak: number): Float32Array {
  let max = 0;
  for (const v of x) max = Math.max(max, Math.abs(v));
  if (max > 0) for (let i = 0; i < x.length; i++) x[i] = (x[i]! / max) * peak;
  return x;
}

/** A sound of `kind` lasting `ms`, as float samples in [-1, 1] at `sampleRate`. */
export function noiseSound(
  kind: NoiseKind,
  ms: number,
  sampleRate: number,
  seed: number,
): Float32Array {
  const random = seededRandom(seed);
  const n = Math.max(1, Math.round((ms * sampleRate) / 1000));
  switch (kind) {
    case 'cough': {
      // Two bursts with a sharp attack and a fast decay, voiced-ish (strongly low-passed).
      const x = coloured(n, random, 0.6);
      for (let i = 0; i < n; i++) {
        const t = i / n;
        const burst = (b: number) => (t >= b ? Math.exp(-(t - b) * 14) : 0);
        x[i] = x[i]! * (burst(0) + 0.6 * burst(0.45));
      }
      return normalize(x, 0.5);
    }
    case 'click': {
      const x = new Float32Array(n);
      const len = Math.min(n, Math.round(sampleRate * 0.004));
      for (let i = 0; i < len; i++) x[i] = (random() * 2 - 1) * Math.exp(-i / (len / 4));
      return normalize(x, 0.6);
    }
    case 'typing': {
      const x = new Float32Array(n);
      let at = 0;
      while (at < n) {
        const len = Math.min(n - at, Math.round(sampleRate * 0.006));
        const gain = 0.3 + 0.3 * random();
        for (let i = 0; i < len; i++)
          x[at + i] = gain * (random() * 2 - 1) * Math.exp(-i / (len / 5));
        at += Math.round(sampleRate * (0.09 + 0.08 * random()));
      }
      return x;
    }
    case 'breath': {
      const x = coloured(n, random, 0.3);
      for (let i = 0; i < n; i++) x[i] = x[i]! * Math.sin((Math.PI * i) / n);
      return normalize(x, 0.08);
    }
  }
}

/** Stationary white noise whose RMS is `signalRms / 10^(snrDb/20)`. */
export class BackgroundNoise {
  private readonly random: () => number;
  private readonly gain: number;

  constructor(opts: { snrDb: number; signalRms: number; seed: number }) {
    this.random = seededRandom(opts.seed);
    // Uniform noise in [-1, 1] has an RMS of 1/sqrt(3).
    this.gain = (opts.signalRms / 10 ** (opts.snrDb / 20)) * Math.sqrt(3);
  }

  /** Adds the next `out.length` samples of noise to `out` (float samples). */
  addTo(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + this.gain * (this.random() * 2 - 1);
  }
}
