/**
 * A pocketsphinx streaming session as the provider's streams see it: input converted to 16 kHz
 * mono in the main thread, posted to the worker, and the worker's events relayed.
 */
import type { AudioFrame } from '../../audio/audio-frame.ts';
import { MonoConverter } from '../../audio/mono-converter.ts';
import type { ResamplerQuality } from '../../audio/resampler.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ProviderError } from '../errors.ts';
import type { SttEvent, SttStream, SttStreamOptions } from '../stt.ts';
import { subscribeAbort } from '../subscribe-abort.ts';
import type { DecodeStats } from './pocketsphinx-worker.ts';

const SAMPLE_RATE = 16000;

/** Receives what the worker reports for one session. */
export interface SessionHandler {
  event(event: SttEvent): void;
  done(stats: DecodeStats): void;
  fail(error: ProviderError): void;
}

/** The provider as seen by its streams: session plumbing to the worker. */
export interface SessionHost {
  readonly label: string;
  readonly resamplerQuality: ResamplerQuality;
  /** Throws `unsupported_language` for a language the model does not speak. */
  checkLanguage(language: string | undefined): void;
  /** Opens a worker session with the current settings; throws once the provider is closed. */
  open(handler: SessionHandler): number;
  /** Posts 16 kHz mono audio; `owned` buffers are transferred, others copied. */
  audio(id: number, frame: AudioFrame, owned: boolean): void;
  flush(id: number): void;
  /** No more audio: the last events, then `done`. */
  end(id: number): void;
  /** Drops the session without results. */
  close(id: number): void;
}

/** A streaming session: converts and posts audio, relays the worker's events. */
export class PocketsphinxStream implements SttStream {
  private readonly host: SessionHost;
  private readonly output: AsyncQueue<SttEvent>;
  private readonly converter: MonoConverter;
  private readonly unsubscribe: () => void;
  private readonly onDone: (stream: PocketsphinxStream) => void;
  /** Worker session, or null once it finished, failed or was closed. */
  private id: number | null = null;
  private inputEnded = false;
  private stopped = false;

  constructor(
    host: SessionHost,
    opts: SttStreamOptions,
    onDone: (stream: PocketsphinxStream) => void,
  ) {
    this.host = host;
    this.onDone = onDone;
    this.converter = new MonoConverter({ outputRate: SAMPLE_RATE, quality: host.resamplerQuality });
    this.output = new AsyncQueue({ onClose: () => this.stop() });
    this.unsubscribe = subscribeAbort(opts.signal, (reason) => {
      this.output.fail(reason);
      this.stop();
    });
    try {
      host.checkLanguage(opts.language);
      this.id = host.open({
        event: (event) => this.output.push(event),
        done: () => {
          this.id = null;
          this.output.end();
          this.stop();
        },
        fail: (err) => {
          this.id = null;
          this.output.fail(err);
          this.stop();
        },
      });
    } catch (err) {
      this.output.fail(ProviderError.wrap(host.label, err, 'could not open stream'));
      this.stop();
    }
  }

  /** True once the stream stopped (ended, failed or closed). */
  get finished(): boolean {
    return this.stopped;
  }

  pushFrame(frame: AudioFrame): void {
    if (this.stopped || this.inputEnded || this.id === null) return;
    try {
      for (const out of this.converter.push(frame)) {
        this.host.audio(this.id, out, out.data !== frame.data);
      }
    } catch (err) {
      this.output.fail(ProviderError.wrap(this.host.label, err, 'invalid audio'));
      this.stop();
    }
  }

  flush(): void {
    if (this.stopped || this.inputEnded || this.id === null) return;
    this.host.flush(this.id);
  }

  endInput(): void {
    if (this.stopped || this.inputEnded || this.id === null) return;
    this.inputEnded = true;
    for (const tail of this.converter.flush()) this.host.audio(this.id, tail, true);
    this.host.end(this.id);
  }

  close(): void {
    this.output.close(); // its onClose stops the session
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.output[Symbol.asyncIterator]();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.id !== null) this.host.close(this.id);
    this.id = null;
    this.unsubscribe();
    this.onDone(this);
  }
}
