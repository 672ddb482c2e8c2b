import type { AudioFrame } from '../audio/audio-frame.ts';

/**
 * Synchronous fan-out of audio frames between the input actors (transport → noise canceller →
 * VAD and STT). Frames never pass through the statechart; a publish is a plain loop over
 * subscribers: no promise, timer or allocation per frame.
 */
export class FrameBus {
  private subscribers: ((frame: AudioFrame) => void)[] = [];

  subscribe(fn: (frame: AudioFrame) => void): () => void {
    this.subscribers = [...this.subscribers, fn];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== fn);
    };
  }

  publish(frame: AudioFrame): void {
    for (const fn of this.subscribers) fn(frame);
  }
}
