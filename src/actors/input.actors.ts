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
import type { Stt } from '../providers/stt.ts';
import type { Vad } from '../providers/vad.ts';
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

export function vadActor(deps: { bus: FrameBus; vad: Vad; clock: SessionClock }) {
  return fromCallback(({ sendBack }: { sendBack: SendBack }) => {
    const stream = deps.vad.stream();
    let stopped = false;
    const unsubscribe = deps.bus.subscribe((frame) => stream.pushFrame(frame));
    (async () => {
      try {
        for await (const event of stream) {
          if (stopped) break;
          const at = deps.clock.now();
          if (event.type === 'speechStarted') {
            sendBack({ type: 'vad.speechStarted', at, startedAt: Math.min(at, event.atMs) });
          } else if (event.type === 'speechEnded') {
            sendBack({ type: 'vad.speechEnded', at, endedAt: Math.min(at, event.atMs) });
          }
        }
      } catch (error) {
        if (!stopped) {
          sendBack({
            type: 'input.error',
            at: deps.clock.now(),
            source: 'vad',
            message: errorText(error),
          });
        }
      }
    })();
    return () => {
      stopped = true;
      unsubscribe();
      stream.close();
    };
  });
}

export function sttActor(deps: {
  bus: FrameBus;
  stt: Stt;
  clock: SessionClock;
  language?: string;
}) {
  return fromCallback(({ sendBack }: { sendBack: SendBack }) => {
    const stream = deps.stt.stream(deps.language ? { language: deps.language } : {});
    let stopped = false;
    const unsubscribe = deps.bus.subscribe((frame) => stream.pushFrame(frame));
    (async () => {
      try {
        for await (const event of stream) {
          if (stopped) break;
          const at = deps.clock.now();
          if (event.type === 'interim') {
            sendBack({ type: 'stt.interim', at, text: event.text });
          } else if (event.type === 'final') {
            sendBack({
              type: 'stt.final',
              at,
              text: event.text,
              ...(event.confidence !== undefined ? { confidence: event.confidence } : {}),
            });
          }
        }
      } catch (error) {
        if (!stopped) {
          sendBack({
            type: 'input.error',
            at: deps.clock.now(),
            source: 'stt',
            message: errorText(error),
          });
        }
      }
    })();
    return () => {
      stopped = true;
      unsubscribe();
      stream.close();
    };
  });
}

function withStart(frame: AudioFrame, startMs: number): AudioFrame {
  return new AudioFrame(frame.data, frame.sampleRate, frame.channels, startMs);
}
