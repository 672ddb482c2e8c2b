/**
 * One Deepgram live-transcription session: input frames converted to 16 kHz mono linear16 and
 * sent over the `@deepgram/sdk` live socket (buffered until it opens), server messages mapped
 * to {@link SttEvent}s in stream time, and socket failures mapped to {@link ProviderError}s.
 */

import type { DeepgramClient, listen } from '@deepgram/sdk';
import type { AudioFrame } from '../../audio/audio-frame.ts';
import { MonoConverter } from '../../audio/mono-converter.ts';
import { int16LeBytesView } from '../../audio/pcm.ts';
import type { ResamplerQuality } from '../../audio/resampler.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ProviderError } from '../errors.ts';
import type { SttEvent, SttStream, SttWord } from '../stt.ts';
import { subscribeAbort } from '../subscribe-abort.ts';

/** Rate of the audio sent to Deepgram. */
export const DEEPGRAM_SAMPLE_RATE = 16000;

type LiveSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;
type ConnectArgs = Parameters<DeepgramClient['listen']['v1']['connect']>[0];
type ServerMessage =
  | listen.ListenV1Results
  | listen.ListenV1Metadata
  | listen.ListenV1UtteranceEnd
  | listen.ListenV1SpeechStarted;

/** What a stream needs from its provider. */
export interface DeepgramStreamSettings {
  label: string;
  client: DeepgramClient;
  /** Query parameters (model, encoding, ...) of the live request. */
  args: ConnectArgs;
  /** The WebSocket base URL, for error messages. */
  url: string;
  language: string | undefined;
  keepAliveMs: number;
  closeTimeoutMs: number;
  resamplerQuality: ResamplerQuality;
  signal: AbortSignal | undefined;
}

type Outgoing = { kind: 'audio'; bytes: Uint8Array } | { kind: 'finalize' } | { kind: 'close' };

/** HTTP status of a rejected upgrade, from the `ws` error message ("Unexpected server response: 401"). */
function upgradeStatus(message: string): number | undefined {
  const m = /server response: (\d{3})/i.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) {
    const inner = (err as { error?: unknown; message?: unknown }).error;
    if (inner instanceof Error) return inner.message;
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(err);
}

/** Maps a failure to connect to a {@link ProviderError}. */
export function connectError(label: string, url: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = errorMessage(err);
  const status = upgradeStatus(message);
  if (status === 401 || status === 403) {
    return new ProviderError(
      label,
      `${url} rejected the API key (HTTP ${status}): check DEEPGRAM_API_KEY (or the apiKey option)`,
      { code: String(status), cause: err },
    );
  }
  if (status !== undefined) {
    const retryable = status === 408 || status === 429 || status >= 500;
    const hint = status === 400 ? ': check the options (model, language, keywords)' : '';
    return new ProviderError(label, `${url} refused the stream (HTTP ${status})${hint}`, {
      code: String(status),
      retryable,
      cause: err,
    });
  }
  const code = /\b(E[A-Z]{3,})\b/.exec(message)?.[1] ?? 'network';
  return new ProviderError(label, `cannot connect to ${url}: ${message}`, {
    code,
    retryable: true,
    cause: err,
  });
}

/**
 * A live session. Stream time: Deepgram's times are seconds from the first byte sent, so they
 * are offset by the first frame's `startMs` (input is assumed contiguous).
 */
export class DeepgramStream implements SttStream {
  private readonly settings: DeepgramStreamSettings;
  private readonly output: AsyncQueue<SttEvent>;
  private readonly converter: MonoConverter;
  private readonly unsubscribe: () => void;
  private readonly onDone: (stream: DeepgramStream) => void;
  private socket: LiveSocket | null = null;
  private isOpen = false;
  private pending: Outgoing[] = [];
  private originMs: number | null = null;
  private inSpeech = false;
  private billedMs = 0;
  private inputEnded = false;
  private closeStreamSent = false;
  private stopped = false;
  private sentSinceTick = false;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(settings: DeepgramStreamSettings, onDone: (stream: DeepgramStream) => void) {
    this.settings = settings;
    this.onDone = onDone;
    this.converter = new MonoConverter({
      outputRate: DEEPGRAM_SAMPLE_RATE,
      quality: settings.resamplerQuality,
    });
    this.output = new AsyncQueue({ onClose: () => this.stop() });
    this.unsubscribe = subscribeAbort(settings.signal, (reason) => {
      this.output.fail(reason);
      this.stop();
    });
    void this.open();
  }

  pushFrame(frame: AudioFrame): void {
    if (this.stopped || this.inputEnded) return;
    for (const mono of this.converter.push(frame)) {
      this.originMs ??= mono.startMs;
      this.send({ kind: 'audio', bytes: int16LeBytesView(mono.data) });
    }
  }

  flush(): void {
    if (this.stopped || this.inputEnded) return;
    this.sendTail();
    this.send({ kind: 'finalize' });
  }

  endInput(): void {
    if (this.stopped || this.inputEnded) return;
    this.inputEnded = true;
    this.sendTail();
    this.send({ kind: 'close' });
  }

  close(): void {
    this.output.close();
    this.stop();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.output[Symbol.asyncIterator]();
  }

  private sendTail(): void {
    for (const tail of this.converter.flush()) {
      this.originMs ??= tail.startMs;
      this.send({ kind: 'audio', bytes: int16LeBytesView(tail.data) });
    }
  }

  private async open(): Promise<void> {
    const { client, args, label, url } = this.settings;
    let socket: LiveSocket;
    try {
      socket = await client.listen.v1.connect(args);
    } catch (err) {
      this.fail(connectError(label, url, err));
      return;
    }
    if (this.stopped) {
      socket.close();
      return;
    }
    this.socket = socket;
    socket.on('open', () => {
      this.isOpen = true;
      const pending = this.pending;
      this.pending = [];
      for (const item of pending) this.write(item);
      this.keepAlive = setInterval(() => this.tick(), this.settings.keepAliveMs);
      this.keepAlive.unref?.();
    });
    socket.on('message', (msg) => this.onMessage(msg as ServerMessage));
    socket.on('error', (err) => {
      this.fail(
        this.isOpen
          ? new ProviderError(label, `connection lost: ${errorMessage(err)}`, {
              retryable: true,
              code: 'connection_lost',
              cause: err,
            })
          : connectError(label, url, err),
      );
    });
    socket.on('close', (event) => this.onClose(event.code, event.reason));
    socket.connect();
  }

  private send(item: Outgoing): void {
    if (item.kind === 'close') this.closeStreamSent = true;
    if (this.isOpen) this.write(item);
    else this.pending.push(item);
  }

  private write(item: Outgoing): void {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    try {
      if (item.kind === 'audio') socket.sendMedia(item.bytes);
      else if (item.kind === 'finalize') socket.sendFinalize({ type: 'Finalize' });
      else {
        socket.sendCloseStream({ type: 'CloseStream' });
        this.closeTimer = setTimeout(() => this.finish(), this.settings.closeTimeoutMs);
        this.closeTimer.unref?.();
      }
      this.sentSinceTick = true;
    } catch (err) {
      this.fail(ProviderError.wrap(this.settings.label, err, 'send failed'));
    }
  }

  /** KeepAlive when nothing was sent during the last interval. */
  private tick(): void {
    if (!this.sentSinceTick && this.socket && !this.closeStreamSent) {
      try {
        this.socket.sendKeepAlive({ type: 'KeepAlive' });
      } catch {
        // the close handler reports the failure
      }
    }
    this.sentSinceTick = false;
  }

  private streamMs(seconds: number): number {
    return (this.originMs ?? 0) + seconds * 1000;
  }

  private onMessage(msg: ServerMessage): void {
    if (this.stopped) return;
    switch (msg.type) {
      case 'Results':
        this.onResults(msg);
        break;
      case 'SpeechStarted':
        this.startSpeech(msg.timestamp);
        break;
      case 'UtteranceEnd':
        this.endSpeech();
        break;
      case 'Metadata':
        this.bill(msg.duration);
        break;
    }
  }

  private onResults(msg: listen.ListenV1Results): void {
    const alt = msg.channel.alternatives[0];
    const text = alt?.transcript.trim() ?? '';
    if (alt && text !== '') {
      if (!this.inSpeech) this.startSpeech(msg.start);
      const words: SttWord[] = alt.words.map((w) => ({
        word: w.punctuated_word ?? w.word,
        startMs: this.streamMs(w.start),
        endMs: this.streamMs(w.end),
        confidence: w.confidence,
      }));
      if (msg.is_final) {
        const { language } = this.settings;
        this.output.push({
          type: 'final',
          text,
          confidence: alt.confidence,
          words,
          startMs: this.streamMs(msg.start),
          endMs: this.streamMs(msg.start + msg.duration),
          ...(language === undefined ? {} : { language }),
        });
      } else {
        this.output.push({ type: 'interim', text, confidence: alt.confidence, words });
      }
    }
    if (msg.is_final) {
      this.bill(msg.start + msg.duration);
      if (msg.speech_final) this.endSpeech();
    }
  }

  private startSpeech(seconds: number): void {
    if (this.inSpeech) return;
    this.inSpeech = true;
    this.output.push({ type: 'speechStarted', atMs: this.streamMs(seconds) });
  }

  private endSpeech(): void {
    if (!this.inSpeech) return;
    this.inSpeech = false;
    this.output.push({ type: 'speechEnded' });
  }

  /** Reports the audio processed up to `seconds` not reported yet. */
  private bill(seconds: number): void {
    const ms = seconds * 1000;
    if (!(ms > this.billedMs)) return;
    this.output.push({ type: 'usage', audioMs: ms - this.billedMs });
    this.billedMs = ms;
  }

  private onClose(code: number, reason: string): void {
    if (this.stopped) return;
    if (this.isOpen && this.closeStreamSent && (code === 1000 || code === 1005)) {
      this.finish();
      return;
    }
    if (!this.isOpen) {
      // The SDK reports a failed upgrade as a close before the error that carries the HTTP
      // status: let the error handler speak first.
      queueMicrotask(() => this.failClosed(code, reason));
      return;
    }
    this.failClosed(code, reason);
  }

  private failClosed(code: number, reason: string): void {
    const detail = reason === '' ? `close code ${code}` : `close code ${code}: ${reason}`;
    const what = this.isOpen ? 'connection lost' : `cannot connect to ${this.settings.url}`;
    this.fail(
      new ProviderError(this.settings.label, `${what} (${detail})`, {
        retryable: code !== 1008,
        code: String(code),
      }),
    );
  }

  /** Normal end: pending results were delivered. */
  private finish(): void {
    if (this.stopped) return;
    this.endSpeech();
    this.output.end();
    this.stop();
  }

  private fail(err: ProviderError): void {
    if (this.stopped) return;
    this.output.fail(err);
    this.stop();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.keepAlive);
    clearTimeout(this.closeTimer);
    this.unsubscribe();
    this.pending = [];
    const socket = this.socket;
    this.socket = null;
    try {
      socket?.close();
    } catch {}
    this.onDone(this);
  }
}
