// RnnoiseCanceller on real recorded speech (Debian's pocketsphinx-testdata, LibriVox) mixed
// with white noise at 5 dB SNR: noise between utterances is strongly reduced, speech is
// kept, output frames match input frames, the delay is constant and as documented.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AudioFrame, interleave, Resampler, readWavFile } from '../../../src/audio/index.ts';
import { ProviderError } from '../../../src/providers/errors.ts';
import { RnnoiseCanceller, selectNoiseCanceller } from '../../../src/providers/local/rnnoise.ts';
import type {
  NoiseCanceller,
  NoiseCancellerSelector,
} from '../../../src/providers/noise-canceller.ts';
import { randomFrames, seededRandom } from '../../audio/signals.ts';

/** Debian's pocketsphinx-testdata (`scripts/install-deps.sh --test`); overridable. */
const TESTDATA = process.env.POCKETSPHINX_TESTDATA ?? '/usr/share/pocketsphinx/test/data';
const LIBRIVOX = join(TESTDATA, 'librivox');
const UTTERANCES = [
  'sense_and_sensibility_01_austen_64kb-0890.wav',
  'sense_and_sensibility_01_austen_64kb-0880.wav',
];
const SNR_DB = 5;
const GAP_S = 1;

/** Where the speech and the noise-only gaps are in a test signal, in seconds. */
interface Layout {
  speech: Array<[number, number]>;
  gaps: Array<[number, number]>;
}

interface Mixture {
  rate: number;
  clean: Int16Array;
  noisy: Int16Array;
  layout: Layout;
}

function resample(data: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return data;
  const rs = new Resampler({ inputRate: from, outputRate: to });
  const head = rs.push(new AudioFrame(data, from));
  const tail = rs.flush();
  const out = new Int16Array((head?.data.length ?? 0) + (tail?.data.length ?? 0));
  if (head) out.set(head.data);
  if (tail) out.set(tail.data, head?.data.length ?? 0);
  return out;
}

function power(data: Int16Array, from = 0, to = data.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += data[i]! ** 2;
  return sum / (to - from);
}

const db = (ratio: number): number => 10 * Math.log10(ratio);

/**
 * 1 s noise | utterance | 1 s noise | utterance | 1 s noise, at `rate`, with white noise
 * (full band at `rate`) at 5 dB below the speech power.
 */
async function mixture(rate: number, utterances: readonly Int16Array[]): Promise<Mixture> {
  const speechParts = utterances.map((u) => resample(u, 16000, rate));
  const gap = GAP_S * rate;
  const total = speechParts.reduce((n, p) => n + p.length, 0) + gap * (speechParts.length + 1);
  const clean = new Int16Array(total);
  const layout: Layout = { speech: [], gaps: [[0, GAP_S]] };
  let at = gap;
  let speechPower = 0;
  for (const part of speechParts) {
    clean.set(part, at);
    layout.speech.push([at / rate, (at + part.length) / rate]);
    at += part.length;
    layout.gaps.push([at / rate, (at + gap) / rate]);
    at += gap;
    speechPower += power(part) * part.length;
  }
  speechPower /= speechParts.reduce((n, p) => n + p.length, 0);
  // Uniform noise in ±a has power a²/3.
  const amplitude = Math.sqrt(3 * speechPower * 10 ** (-SNR_DB / 10));
  const random = seededRandom(11);
  const noisy = new Int16Array(total);
  for (let i = 0; i < total; i++) {
    const x = clean[i]! + (random() * 2 - 1) * amplitude;
    noisy[i] = Math.max(-32768, Math.min(32767, Math.round(x)));
  }
  return { rate, clean, noisy, layout };
}

/** Runs the signal through `nc` in frames of `frameMs`; returns output and per-frame checks. */
function processAll(nc: RnnoiseCanceller, data: Int16Array, rate: number, frameMs = 20) {
  const n = Math.round((rate * frameMs) / 1000);
  const out = new Int16Array(data.length);
  const probabilities: Array<{ atS: number; p: number }> = [];
  for (let i = 0; i < data.length; i += n) {
    const input = new AudioFrame(data.slice(i, i + n), rate, 1, (i * 1000) / rate);
    const output = nc.process(input);
    expect(output.sampleRate).toBe(rate);
    expect(output.channels).toBe(1);
    expect(output.samplesPerChannel).toBe(input.samplesPerChannel);
    expect(output.startMs).toBe(input.startMs);
    out.set(output.data, i);
    probabilities.push({ atS: (i + n) / rate, p: nc.vadProbability });
  }
  return { out, probabilities };
}

let utterances: Int16Array[];

beforeAll(async () => {
  if (!existsSync(LIBRIVOX)) {
    throw new Error(
      `${LIBRIVOX} not found: install Debian's pocketsphinx-testdata (scripts/install-deps.sh --test) or set POCKETSPHINX_TESTDATA`,
    );
  }
  utterances = [];
  for (const file of UTTERANCES) {
    const wav = await readWavFile(join(LIBRIVOX, file));
    expect([wav.sampleRate, wav.channels]).toEqual([16000, 1]);
    utterances.push(wav.data);
  }
});

describe('RnnoiseCanceller on real speech with white noise at 5 dB SNR', () => {
  for (const rate of [16000, 48000]) {
    it(`removes noise between utterances and keeps the speech (${rate / 1000} kHz)`, async () => {
      const mix = await mixture(rate, utterances);
      const nc = await RnnoiseCanceller.create();
      try {
        const { out, probabilities } = processAll(nc, mix.noisy, rate);
        expect(out.length).toBe(mix.noisy.length);
        const latencyS = nc.latencyMs! / 1000;
        // Output sample i is the denoised input at i - latency.
        const inRange = (from: number, to: number) =>
          [Math.round(from * rate), Math.round(to * rate)] as const;
        const outRange = (from: number, to: number) =>
          [Math.round((from + latencyS) * rate), Math.round((to + latencyS) * rate)] as const;

        // Noise-only gaps once RNNoise has heard speech (it adapts within a few hundred ms
        // at 16 kHz, but may need a while on full-band white noise at 48 kHz), leaving
        // 250 ms after each utterance for the suppression to settle.
        for (const [from, to] of mix.layout.gaps.slice(1)) {
          const before = power(mix.noisy, ...inRange(from + 0.25, to - 0.05));
          const after = power(out, ...outRange(from + 0.25, to - 0.05));
          expect(db(after / before)).toBeLessThan(-10);
        }

        // Speech keeps most of its energy: within 3 dB of the clean speech.
        for (const [from, to] of mix.layout.speech) {
          const clean = power(mix.clean, ...inRange(from, to));
          const kept = power(out, ...outRange(from, to));
          expect(db(kept / clean)).toBeGreaterThan(-3);
          expect(db(kept / clean)).toBeLessThan(1.5);
        }

        // Its voice probability is higher during speech than in the gaps.
        const mean = (ranges: Array<[number, number]>) => {
          const ps = probabilities.filter(({ atS }) =>
            ranges.some(([from, to]) => atS > from + 0.3 && atS < to),
          );
          return ps.reduce((s, { p }) => s + p, 0) / ps.length;
        };
        expect(mean(mix.layout.speech)).toBeGreaterThan(mean(mix.layout.gaps.slice(1)) + 0.3);
      } finally {
        await nc.close();
      }
    });
  }

  it('removes the leading noise quickly at 16 kHz', async () => {
    const mix = await mixture(16000, utterances);
    const nc = await RnnoiseCanceller.create();
    const { out } = processAll(nc, mix.noisy, 16000);
    const before = power(mix.noisy, 0.3 * 16000, 0.9 * 16000);
    const after = power(out, 0.3 * 16000, 0.9 * 16000);
    expect(db(after / before)).toBeLessThan(-10);
    await nc.close();
  });
});

describe('RnnoiseCanceller framing and latency', () => {
  it('delays the signal by exactly latencyMs', async () => {
    for (const [rate, expectedMs] of [
      [48000, 20],
      [16000, 24.4],
      [8000, 28.9],
    ] as const) {
      const nc = await RnnoiseCanceller.create();
      const mix = await mixture(rate, utterances.slice(0, 1));
      const { out } = processAll(nc, mix.noisy, rate);
      const latency = Math.round((nc.latencyMs! * rate) / 1000);
      expect(nc.latencyMs!).toBeCloseTo(expectedMs, 0);
      // The output correlates best with the clean speech shifted by the latency.
      let bestLag = -1;
      let best = Number.NEGATIVE_INFINITY;
      // Half a second from the middle of the utterance; lags up to 50 ms.
      const [start, end] = mix.layout.speech[0]!;
      const from = Math.round(((start + end) / 2) * rate);
      const to = from + rate / 2;
      for (let lag = 0; lag < rate * 0.05; lag++) {
        let c = 0;
        for (let i = from; i < to; i += 2) c += mix.clean[i]! * out[i + lag]!;
        if (c > best) [best, bestLag] = [c, lag];
      }
      expect(Math.abs(bestLag - latency)).toBeLessThanOrEqual(1);
      await nc.close();
    }
  });

  it('gives identical output whatever the input frame sizes (44.1 kHz)', async () => {
    const rate = 44100;
    const mix = await mixture(rate, utterances.slice(1));
    const steady = await RnnoiseCanceller.create();
    const expected = processAll(steady, mix.noisy, rate, 10).out;
    const odd = await RnnoiseCanceller.create();
    const frames = randomFrames(mix.noisy, rate, 1, seededRandom(5), 1, 3000);
    const outputs = frames.map((f) => odd.process(f));
    for (const [i, o] of outputs.entries()) {
      expect(o.samplesPerChannel).toBe(frames[i]!.samplesPerChannel);
    }
    const joined = new Int16Array(mix.noisy.length);
    let at = 0;
    for (const o of outputs) {
      joined.set(o.data, at);
      at += o.data.length;
    }
    expect(joined).toEqual(expected);
    expect(odd.latencyMs).toBe(steady.latencyMs);
    await Promise.all([steady.close(), odd.close()]);
  });

  it('restarts cleanly on reset() and on a sample-rate change', async () => {
    const nc = await RnnoiseCanceller.create();
    const loud = new Int16Array(4800).fill(8000);
    nc.process(new AudioFrame(loud, 48000));
    nc.reset();
    expect(nc.latencyMs).toBeNull();
    expect(nc.vadProbability).toBe(0);
    // After a reset the output starts with the planned delay of silence again.
    const first = nc.process(new AudioFrame(loud.subarray(0, 480), 48000));
    expect(Array.from(first.data).every((s) => s === 0)).toBe(true);
    const at8k = nc.process(new AudioFrame(new Int16Array(160), 8000, 1, 1234));
    expect([at8k.sampleRate, at8k.samplesPerChannel, at8k.startMs]).toEqual([8000, 160, 1234]);
    expect(nc.latencyMs!).toBeCloseTo(28.9, 0);
    await nc.close();
  });
});

describe('RnnoiseCanceller input checks and lifecycle', () => {
  afterEach(() => {
    vi.resetModules();
  });

  it('throws a clear error when process() runs before the module is loaded', async () => {
    // A fresh copy of the module, whose shared WebAssembly instance is not loaded yet.
    vi.resetModules();
    const fresh = await import('../../../src/providers/local/rnnoise.ts');
    // The fresh module checks frames against a fresh AudioFrame class.
    const { AudioFrame: FreshFrame } = await import('../../../src/audio/audio-frame.ts');
    expect(fresh.RnnoiseCanceller.loaded).toBe(false);
    const nc = new fresh.RnnoiseCanceller();
    expect(() => nc.process(FreshFrame.silence(10, 48000))).toThrow(
      /rnnoise: the RNNoise WebAssembly module is not loaded; use `await RnnoiseCanceller.create\(\)`/,
    );
    await nc.prewarm();
    expect(fresh.RnnoiseCanceller.loaded).toBe(true);
    expect(nc.process(FreshFrame.silence(10, 48000)).samplesPerChannel).toBe(480);
    await nc.close();
  });

  it('rejects non-mono frames and non-frames with a ProviderError', async () => {
    const nc = await RnnoiseCanceller.create({ label: 'nc-test' });
    const mono = AudioFrame.silence(10, 16000);
    const stereo = interleave(mono, mono);
    expect(() => nc.process(stereo)).toThrowError(ProviderError);
    expect(() => nc.process(stereo)).toThrow(/nc-test: process\(\) expects mono frames; got 2/);
    expect(() => nc.process(new Int16Array(160) as unknown as AudioFrame)).toThrow(
      /expects an AudioFrame/,
    );
    await nc.close();
  });

  it('frees its state on close(), is idempotent, and refuses work afterwards', async () => {
    const nc = await RnnoiseCanceller.create();
    expect(nc.label).toBe('rnnoise');
    expect(nc.capabilities).toEqual({ sampleRate: 48000, frameMs: 10 });
    nc.process(AudioFrame.silence(20, 48000));
    await nc.close();
    await nc.close();
    expect(() => nc.process(AudioFrame.silence(20, 48000))).toThrow(/after close/);
    await expect(nc.prewarm()).rejects.toThrow(ProviderError);
  });
});

describe('selectNoiseCanceller', () => {
  it('skips SIP and narrow-band inputs, and gives others their own RnnoiseCanceller', async () => {
    await RnnoiseCanceller.preload();
    const selector: NoiseCancellerSelector = selectNoiseCanceller;
    expect(selector({ transport: 'sip', sampleRate: 8000 })).toBeNull();
    expect(selector({ transport: 'sip', sampleRate: 16000 })).toBeNull();
    expect(selector({ transport: 'websocket', sampleRate: 8000 })).toBeNull();
    const a = selector({ transport: 'webrtc', sampleRate: 48000 });
    const b = selector({ transport: 'webrtc', sampleRate: 48000 });
    expect(a).toBeInstanceOf(RnnoiseCanceller);
    expect(b).not.toBe(a);
    // Preloaded: ready at once.
    expect(a!.process(AudioFrame.silence(20, 48000)).samplesPerChannel).toBe(960);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('can route telephony to another canceller', () => {
    const telephonyNc = { label: 'telephony-nc' } as NoiseCanceller;
    const select: NoiseCancellerSelector = (info) =>
      selectNoiseCanceller(info, { telephony: () => telephonyNc });
    expect(select({ transport: 'sip', sampleRate: 8000 })).toBe(telephonyNc);
    expect(
      selectNoiseCanceller(
        { transport: 'pstn', sampleRate: 16000 },
        { telephonyTransports: ['pstn'], telephony: telephonyNc },
      ),
    ).toBe(telephonyNc);
    expect(
      selectNoiseCanceller({ transport: 'local', sampleRate: 8000 }, { minSampleRate: 8000 }),
    ).toBeInstanceOf(RnnoiseCanceller);
  });
});
