/**
 * Wrappers that let the simulator know when a real provider is still computing, so virtual time
 * only moves on once it is done: the run then repeats exactly, however long the computation took
 * on the wall clock. Each wrapper delegates everything else to the provider it wraps.
 */
import type { Provider } from '../providers/provider.ts';
import type { Tts, TtsChunk, TtsRequestOptions, TtsStream } from '../providers/tts.ts';
import type { EndOfTurnRequest, TurnDetector } from '../providers/turn-detector.ts';
import type { Vad, VadEvent, VadStream } from '../providers/vad.ts';

/** Something the simulator waits for. */
export interface Busy {
  readonly busy: boolean;
}

abstract class Delegating<C, P extends Provider<C>> implements Busy {
  readonly inner: P;
  constructor(inner: P) {
    this.inner = inner;
  }
  get label(): string {
    return this.inner.label;
  }
  get capabilities(): C {
    return this.inner.capabilities;
  }
  updateOptions(o: object): void {
    this.inner.updateOptions(o);
  }
  prewarm(): Promise<void> {
    return this.inner.prewarm();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  abstract readonly busy: boolean;
}

/** A VAD that is busy until every complete window pushed so far produced its inference event. */
export class TrackedVad extends Delegating<Vad['capabilities'], Vad> implements Vad {
  private pushed = 0;
  private analysed = 0;

  get busy(): boolean {
    const window = (this.capabilities.windowMs * this.capabilities.sampleRate) / 1000;
    return this.analysed < Math.floor(this.pushed / window);
  }

  stream(): VadStream {
    const s = this.inner.stream();
    const self = this;
    return {
      pushFrame(frame) {
        self.pushed += frame.samplesPerChannel;
        s.pushFrame(frame);
      },
      endInput: () => s.endInput(),
      close: () => s.close(),
      async *[Symbol.asyncIterator](): AsyncIterator<VadEvent> {
        for await (const e of s) {
          if (e.type === 'inference') self.analysed++;
          yield e;
        }
      },
    };
  }
}

/** A turn detector that is busy while a prediction is under way. */
export class TrackedTurnDetector
  extends Delegating<TurnDetector['capabilities'], TurnDetector>
  implements TurnDetector
{
  private inFlight = 0;

  get busy(): boolean {
    return this.inFlight > 0;
  }

  async predictEndOfTurn(req: EndOfTurnRequest): Promise<number> {
    this.inFlight++;
    try {
      return await this.inner.predictEndOfTurn(req);
    } finally {
      this.inFlight--;
    }
  }
}

/** A (non-streaming) TTS that is busy while a synthesis is under way; wrap it in StreamTts. */
export class TrackedTts extends Delegating<Tts['capabilities'], Tts> implements Tts {
  private inFlight = 0;

  get busy(): boolean {
    return this.inFlight > 0;
  }

  async *synthesize(text: string, opts?: TtsRequestOptions): AsyncGenerator<TtsChunk> {
    this.inFlight++;
    try {
      yield* this.inner.synthesize(text, opts);
    } finally {
      this.inFlight--;
    }
  }

  stream(): TtsStream {
    throw new Error('TrackedTts: wrap it in StreamTts');
  }
}
