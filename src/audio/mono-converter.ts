/**
 * Frames of any rate and channel count to mono at one rate, for providers that take a single
 * format (speech recognizers, VADs). A change of input rate mid-stream flushes the previous
 * resampler first, so no audio is lost or reordered.
 */
import { AudioFrame } from './audio-frame.ts';
import { toMono } from './mix.ts';
import { Resampler, type ResamplerQuality } from './resampler.ts';

/**
 * @example
 * ```ts
 * const converter = new MonoConverter({ outputRate: 16000 });
 * for (const f of converter.push(micFrame)) stt.send(f);
 * for (const f of converter.flush()) stt.send(f);
 * ```
 */
export class MonoConverter {
  readonly outputRate: number;
  private readonly quality: ResamplerQuality;
  private resampler: Resampler | null = null;

  constructor(opts: { outputRate: number; quality?: ResamplerQuality }) {
    this.outputRate = opts.outputRate;
    this.quality = opts.quality ?? 'good';
  }

  /** Converted frames: none while the resampler fills, two when the input rate changed. */
  push(frame: AudioFrame): AudioFrame[] {
    if (!(frame instanceof AudioFrame)) throw new TypeError('pushFrame expects an AudioFrame');
    const out: AudioFrame[] = [];
    const mono = toMono(frame);
    if (this.resampler && this.resampler.inputRate !== mono.sampleRate) out.push(...this.flush());
    if (mono.sampleRate === this.outputRate) {
      out.push(mono);
      return out;
    }
    this.resampler ??= new Resampler({
      inputRate: mono.sampleRate,
      outputRate: this.outputRate,
      quality: this.quality,
    });
    const converted = this.resampler.push(mono);
    if (converted) out.push(converted);
    return out;
  }

  /** The resampler's held-back tail, if any. */
  flush(): AudioFrame[] {
    const tail = this.resampler?.flush() ?? null;
    this.resampler = null;
    return tail ? [tail] : [];
  }
}
