// wordErrorRate aligns hypothesis and reference word by word after transcript normalization
// (case, punctuation, apostrophes ignored) and counts substitutions, deletions and insertions;
// corpusWer sums the edits over utterances and divides by the total reference words.
import { describe, expect, it } from 'vitest';
import { corpusWer, wordErrorRate } from '../../src/text/wer.ts';

describe('wordErrorRate', () => {
  it('is zero for identical transcripts, ignoring case and punctuation', () => {
    expect(wordErrorRate('Go forward, ten meters!', 'go forward ten METERS')).toEqual({
      wer: 0,
      substitutions: 0,
      deletions: 0,
      insertions: 0,
      referenceWords: 4,
    });
  });

  it('counts a substitution', () => {
    const r = wordErrorRate('go forward ten meters', 'go forward two meters');
    expect(r).toMatchObject({ substitutions: 1, deletions: 0, insertions: 0 });
    expect(r.wer).toBe(0.25);
  });

  it('counts deletions and insertions', () => {
    expect(wordErrorRate('go forward ten meters', 'go ten meters')).toMatchObject({
      substitutions: 0,
      deletions: 1,
      insertions: 0,
      wer: 0.25,
    });
    expect(wordErrorRate('go forward', 'please go forward now')).toMatchObject({
      substitutions: 0,
      deletions: 0,
      insertions: 2,
      wer: 1,
    });
  });

  it('prefers substitutions over a deletion plus an insertion', () => {
    const r = wordErrorRate(
      'he was not an ill disposed young man',
      'he was not until this blows young man',
    );
    expect(r).toMatchObject({ substitutions: 3, deletions: 0, insertions: 0, referenceWords: 8 });
  });

  it('handles mixed edits with the minimum edit count', () => {
    // Shifted by one word: one insertion and one deletion (2 edits), not 4 substitutions.
    expect(wordErrorRate('a b c d', 'x a b c')).toMatchObject({
      substitutions: 0,
      deletions: 1,
      insertions: 1,
      wer: 0.5,
    });
    // Several minimum alignments exist (3 edits); any of them gives the same total.
    const r = wordErrorRate('a b c d e', 'a x c e f');
    expect(r.substitutions + r.deletions + r.insertions).toBe(3);
  });

  it('handles empty texts', () => {
    expect(wordErrorRate('', '')).toMatchObject({ wer: 0, referenceWords: 0 });
    expect(wordErrorRate('', 'hello').wer).toBe(Number.POSITIVE_INFINITY);
    expect(wordErrorRate('hello there', '')).toMatchObject({ wer: 1, deletions: 2 });
  });

  it('treats apostrophes like normalizeTranscript does', () => {
    expect(wordErrorRate("Don't stop", 'dont stop').wer).toBe(0);
  });

  it('counts each character of an unspaced script as a word', () => {
    expect(wordErrorRate('今天天气很好', '今天 天气 很好。').wer).toBe(0);
    expect(wordErrorRate('你好', '你们').substitutions).toBe(1);
  });
});

describe('corpusWer', () => {
  it('divides the summed edits by the total reference words', () => {
    const r = corpusWer([
      {
        reference: 'he was not an ill disposed young man',
        hypothesis: 'he was not until this blows young man',
      },
      { reference: 'go forward ten meters', hypothesis: 'go forward ten meters' },
    ]);
    expect(r).toEqual({
      wer: 0.25,
      substitutions: 3,
      deletions: 0,
      insertions: 0,
      referenceWords: 12,
    });
  });

  it('is zero for an empty corpus', () => {
    expect(corpusWer([]).wer).toBe(0);
  });
});
