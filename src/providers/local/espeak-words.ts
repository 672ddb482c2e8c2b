/**
 * Word timings from eSpeak NG's boundary events (word starts, pauses, clause ends), as its worker
 * forwards them.
 */
import type { TimedWord } from '../../text/played-text.ts';

/** A boundary event of eSpeak, as forwarded by the worker. */
export interface SpeechEvent {
  type: 'word' | 'end' | 'phoneme';
  /** Audio position, in ms from the start of the request. */
  ms: number;
  /** 1-based code-point position of the word in the text. */
  pos: number;
  /** Length of the word, in code points. */
  len: number;
}

/**
 * Word timings from eSpeak's events: a word starts at its `word` event and ends at the next
 * boundary (next word, pause or clause end). Word events that continue the previous word's
 * text (a number read as several words) extend it.
 */
export class EspeakWordTracker {
  private readonly chars: string[];
  /** The word being spoken; `until` is the code-point offset just past its text. */
  private current: { word: string; startMs: number; until: number } | null = null;
  private readonly done: TimedWord[] = [];

  constructor(text: string) {
    this.chars = Array.from(text);
  }

  /** Feeds events in order. */
  push(events: readonly SpeechEvent[]): void {
    for (const e of events) {
      if (e.type !== 'word') {
        this.close(e.ms);
        continue;
      }
      const from = e.pos - 1;
      const word = this.chars
        .slice(from, from + e.len)
        .join('')
        .trim();
      const current = this.current;
      if (current !== null && (word === '' || from < current.until)) {
        current.until = Math.max(current.until, from + e.len); // the same written word goes on
        continue;
      }
      this.close(e.ms);
      if (word !== '') this.current = { word, startMs: e.ms, until: from + e.len };
    }
  }

  /** Ends the last word at `endMs` (the end of the audio). */
  finish(endMs: number): void {
    this.close(endMs);
  }

  /** Completed words not taken yet whose end is at or before `ms`. */
  take(ms: number): TimedWord[] {
    let n = 0;
    while (n < this.done.length && this.done[n]!.endMs <= ms + 1e-6) n++;
    return this.done.splice(0, n);
  }

  private close(ms: number): void {
    const current = this.current;
    if (current === null) return;
    this.current = null;
    this.done.push({
      word: current.word,
      startMs: current.startMs,
      endMs: Math.max(ms, current.startMs),
    });
  }
}
