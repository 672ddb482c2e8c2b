// playedText returns the prefix of the agent's text that was heard before playback stopped,
// using word timings when available (keeping original punctuation) or a speaking-rate estimate.
import { describe, expect, it } from 'vitest';
import { estimateSpeechDurationMs, playedText, type TimedWord } from '../../src/text/index.ts';

/** Timings of `words`, each 300 ms long with 100 ms gaps: word i starts at 400 * i. */
function timings(words: string[]): TimedWord[] {
  return words.map((word, i) => ({ word, startMs: i * 400, endMs: i * 400 + 300 }));
}

describe('playedText with word timings', () => {
  const text = 'Hello, there!  My "dear" friend… how are you?';
  const words = timings(['Hello', 'there', 'My', 'dear', 'friend', 'how', 'are', 'you']);

  it('counts a word as heard once it has started, keeping punctuation and spacing', () => {
    expect(playedText(text, 1, { words })).toBe('Hello,');
    expect(playedText(text, 400, { words })).toBe('Hello,');
    expect(playedText(text, 401, { words })).toBe('Hello, there!');
    expect(playedText(text, 801, { words })).toBe('Hello, there!  My');
    expect(playedText(text, 1201, { words })).toBe('Hello, there!  My "dear"');
    expect(playedText(text, 1601, { words })).toBe('Hello, there!  My "dear" friend…');
  });

  it('handles the edges', () => {
    expect(playedText(text, 0, { words })).toBe('');
    expect(playedText(text, -5, { words })).toBe('');
    expect(playedText(text, 2801, { words })).toBe(text);
    expect(playedText(text, 10_000, { words })).toBe(text);
    expect(playedText('', 500, { words })).toBe('');
  });

  it('matches timed words case- and punctuation-insensitively', () => {
    const w = timings(['hello,', 'THERE!', 'my']);
    expect(playedText('Hello there my friend', 401, { words: w })).toBe('Hello there');
  });

  it('tolerates extra words in the text (skipped by the TTS)', () => {
    const w = timings(['Call', 'me', 'now']);
    expect(playedText('Call me (maybe) now please', 801, { words: w })).toBe('Call me (maybe) now');
  });

  it('tolerates substitutions and missing trailing timings', () => {
    // "3" was spoken as "three": the unmatched word still advances one text word.
    const w = timings(['It', 'costs', 'three', 'dollars']);
    expect(playedText('It costs 3 dollars today.', 801, { words: w })).toBe('It costs 3');
    expect(playedText('It costs 3 dollars today.', 1201, { words: w })).toBe('It costs 3 dollars');
    // All timed words finished: everything was heard.
    expect(playedText('It costs 3 dollars today.', 1500, { words: w })).toBe(
      'It costs 3 dollars today.',
    );
  });

  it('tolerates more timed words than text words', () => {
    const w = timings(['one', 'two', 'three', 'four', 'five']);
    expect(playedText('one two', 1201, { words: w })).toBe('one two');
  });

  it('maps per-character CJK text onto word timings', () => {
    const w = timings(['你好', '世界']);
    expect(playedText('你好，世界。', 1, { words: w })).toBe('你好，');
    expect(playedText('你好，世界。', 401, { words: w })).toBe('你好，世界。');
  });

  it('falls back to the estimate for an empty timing list', () => {
    expect(playedText('one two three four', 800, { words: [] })).toBe('one two three');
  });
});

describe('playedText without timings', () => {
  it('estimates from the speaking rate', () => {
    // At 2 words per second, word i starts at 500 * i ms.
    const text = 'One, two. Three four five';
    expect(playedText(text, 0, { wordsPerSecond: 2 })).toBe('');
    expect(playedText(text, 1, { wordsPerSecond: 2 })).toBe('One,');
    expect(playedText(text, 500, { wordsPerSecond: 2 })).toBe('One,');
    expect(playedText(text, 501, { wordsPerSecond: 2 })).toBe('One, two.');
    expect(playedText(text, 1001, { wordsPerSecond: 2 })).toBe('One, two. Three');
    expect(playedText(text, 60_000, { wordsPerSecond: 2 })).toBe(text);
  });

  it('defaults to 2.8 words per second', () => {
    expect(playedText('one two three four', 800, {})).toBe('one two three');
    expect(playedText('one two three four', 700)).toBe('one two');
  });

  it('rejects a non-positive rate', () => {
    expect(() => playedText('a b', 100, { wordsPerSecond: 0 })).toThrow(RangeError);
  });
});

describe('estimateSpeechDurationMs', () => {
  it('divides the word count by the rate', () => {
    expect(estimateSpeechDurationMs('one two three four five six seven')).toBe(2500);
    expect(estimateSpeechDurationMs('one two', 2)).toBe(1000);
    expect(estimateSpeechDurationMs('')).toBe(0);
    expect(estimateSpeechDurationMs('你好', 4)).toBe(500);
  });
});
