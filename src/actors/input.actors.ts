/**
 * Session-long input actors: the transport's audio in, noise cancellation, VAD and STT. Audio
 * flows between them on {@link FrameBus}es, never through the machine; they send the machine
 * only what it decides on (speech started/ended, transcripts), stamped with the session clock.
 */
import { fromCallback } from 'xstate';
import { AudioFrame } from '../audio/audio-frame.ts';
import { toMono } from '../audio/mix.ts';
import { Resampler } from '../audio/resampler.ts';
import type { SessionEvent } from '../machines/session-types.ts';
import type { NoiseCanceller } from '../providers/noise-canceller.ts';
import type { Stt, SttEvent } from '../providers/stt.ts';
import type { Vad, VadEvent } from '../providers/vad.ts';
import type { SessionClock } from '../session/clock.ts';
import type { FrameBus } from '../session/frame-bus.ts';

type SendBack = (event: SessionEvent) => void;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads the transport's frames, resamples them to the analysis rate and re-stamps them on the
 * session clock (frame times become contiguous from the first frame's arrival), then publishes.
 */
export function audioInputActor(deps: {
  input: AsyncIterable<AudioFrame>;
  bus: FrameBus;
  clock: SessionClock;
  sampleRate: number;
}) {
  return fromCallback(({ sendBack }: { sendBack: SendBack }) => {
    let stopped = false;
    const resamplers = new Map<string, Resampler>();
    let nextStartMs: number | null = null;
    const restamp = (frame: AudioFrame): AudioFrame => {
      const startMs = nextStartMs ?? deps.clock.now();
      nextStartMs = startMs + frame.durationMs;
      return frame.startMs === startMs ? frame : withStart(frame, startMs);
    };
    (async () => {
      try {
        for await (const raw of deps.input) {
          if (stopped) break;
          let frame: AudioFrame | null = raw;
          if (raw.sampleRate !== deps.sampleRate || raw.channels !== 1) {
            const key = `${raw.sampleRate}/${raw.channels}`;
            let r = resamplers.get(key);
            if (!r) {
              r = new Resampler({
                inputRate: raw.sampleRate,
                outputRate: deps.sampleRate,
                channels: raw.channels,
              });
              resamplers.set(key, r);
            }
            frame = r.push(raw);
            if (frame && frame.channels !== 1) frame = toMono(frame);
          }
          if (frame) deps.bus.publish(restamp(frame));
        }
        if (!stopped) sendBack({ type: 'input.ended', at: deps.clock.now() });
      } catch (error) {
        if (!stopped) {
          sendBack({
            type: 'input.error',
            at: deps.clock.now(),
            source: 'audioInput',
            message: errorText(error),
          });
        }
      }
    })();
    return () => {
      stopped = true;
    };
  });
}

/** Cleans frames from one bus onto another; a failing processor passes audio through. */
export function noiseCancellerActor(deps: {
  from: FrameBus;
  to: FrameBus;
  canceller: NoiseCanceller | null;
  clock: SessionClock;
}) {
  return fromCallback(({ sendBack }: { sendBack: SendBack }) => {
    let failed = false;
    const unsubscribe = deps.from.subscribe((frame) => {
      if (!deps.canceller || failed) {
        deps.to.publish(frame);
        return;
      }
      try {
        deps.to.publish(deps.canceller.process(frame));
      } catch (error) {
        // Nothing the user says is lost: fall back to the raw audio and report once.
        failed = true;
        deps.to.publish(frame);
        sendBack({
          type: 'input.error',
          at: deps.clock.now(),
          source: 'noiseCanceller',
          message: errorText(error),
        });
      }
    });
    return unsubscribe;
  });
}

/** A stream a frame bus feeds and whose events become machine events. */
interface FramesInEventsOut<E> {
  pushFrame(frame: AudioFrame): void;
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<E>;
}

/**
 * The shape VAD and STT share: subscribe the stream to the bus, translate its events (null:
 * nothing to tell the machine), report a failure once, close on stop.
 */
function busStreamActor<E>(deps: {
  bus: FrameBus;
  clock: SessionClock;
  source: string;
  open: () => FramesInEventsOut<E>;
  translate: (event: E, at: number) => SessionEvent | null;
}) {
  return fromCallback(({ sendBack }: { sendBack: SendBack }) => {
    const stream = deps.open();
    let stopped = false;
    const unsubscribe = deps.bus.subscribe((frame) => stream.pushFrame(frame));
    (async () => {
      try {
        for await (const event of stream) {
          if (stopped) break;
          const out = deps.translate(event, deps.clock.now());
          if (out) sendBack(out);
        }
      } catch (error) {
        if (stopped) return;
        const at = deps.clock.now();
        sendBack({ type: 'input.error', at, source: deps.source, message: errorText(error) });
      }
    })();
    return () => {
      stopped = true;
      unsubscribe();
      stream.close();
    };
  });
}

export function vadActor(deps: { bus: FrameBus; vad: Vad; clock: SessionClock }) {
  // Inside speech, the machine hears only the edges of silence, never a per-window event.
  let quiet = false;
  return busStreamActor<VadEvent>({
    ...deps,
    source: 'vad',
    open: () => deps.vad.stream(),
    translate: (event, at) => {
      if (event.type === 'speechStarted') {
        quiet = false;
        return { type: 'vad.speechStarted', at, startedAt: Math.min(at, event.atMs) };
      }
      if (event.type === 'speechEnded') {
        quiet = false;
        return { type: 'vad.speechEnded', at, endedAt: Math.min(at, event.atMs) };
      }
      if (!event.speaking) return null;
      // Two quiet windows make a stop (one is a dip inside a word); the stop is back-dated.
      if (!quiet && event.silenceDurationMs >= 2 * deps.vad.capabilities.windowMs) {
        quiet = true;
        const stoppedAt = Math.min(at, event.atMs - event.silenceDurationMs);
        return { type: 'vad.soundStopped', at, stoppedAt };
      }
      if (quiet && event.silenceDurationMs === 0) {
        quiet = false;
        const windowMs = deps.vad.capabilities.windowMs;
        return { type: 'vad.soundResumed', at, resumedAt: Math.min(at, event.atMs - windowMs) };
      }
      return null;
    },
  });
}

export function sttActor(deps: {
  bus: FrameBus;
  stt: Stt;
  clock: SessionClock;
  language?: string;
}) {
  return busStreamActor<SttEvent>({
    ...deps,
    source: 'stt',
    open: () => deps.stt.stream(deps.language ? { language: deps.language } : {}),
    translate: (event, at) => {
      if (event.type === 'interim') return { type: 'stt.interim', at, text: event.text };
      if (event.type !== 'final') return null;
      return {
        type: 'stt.final',
        at,
        text: event.text,
        ...(event.confidence !== undefined ? { confidence: event.confidence } : {}),
      };
    },
  });
}

function withStart(frame: AudioFrame, startMs: number): AudioFrame {
  return new AudioFrame(frame.data, frame.sampleRate, frame.channels, startMs);
}
