// The sentence stream emits complete sentences as soon as they end, skips abbreviations,
// decimals and initials, merges short sentences, and gives the same sentences whatever the
// pieces the text arrives in.
import { describe, expect, it } from 'vitest';
import { SentenceStream, splitSentences } from '../../src/text/index.ts';

describe('splitSentences', () => {
  it('splits on terminators followed by whitespace and on newlines', () => {
    expect(splitSentences('Hi! How are you? Fine.\nGreat')).toEqual([
      'Hi!',
      'How are you?',
      'Fine.',
      'Great',
    ]);
    expect(splitSentences('Really?! Yes…')).toEqual(['Really?!', 'Yes…']);
  });

  it('does not split abbreviations, initials or decimals', () => {
    expect(
      splitSentences('Dr. Smith paid 3.5 dollars, e.g. for tea. Mrs. J. K. Doe agreed.'),
    ).toEqual(['Dr. Smith paid 3.5 dollars, e.g. for tea.', 'Mrs. J. K. Doe agreed.']);
    expect(splitSentences('See example.com or v1.2.3 now. Done.')).toEqual([
      'See example.com or v1.2.3 now.',
      'Done.',
    ]);
  });

  it('keeps closing quotes and brackets with the sentence', () => {
    expect(splitSentences('He said "stop." Then he left.')).toEqual([
      'He said "stop."',
      'Then he left.',
    ]);
    expect(splitSentences('(It was late.) We slept.')).toEqual(['(It was late.)', 'We slept.']);
  });

  it('treats an ellipsis before a lower-case word as a pause, not an end', () => {
    expect(splitSentences('Well... maybe. I see... So what?')).toEqual([
      'Well... maybe.',
      'I see...',
      'So what?',
    ]);
  });

  it('splits CJK sentences without spaces', () => {
    expect(splitSentences('你好。我很好！你呢？')).toEqual(['你好。', '我很好！', '你呢？']);
  });

  it('merges sentences shorter than minChars', () => {
    expect(splitSentences('Hi. Okay. This is a longer sentence. Bye.', { minChars: 10 })).toEqual([
      'Hi. Okay. This is a longer sentence.',
      'Bye.',
    ]);
  });

  it('returns nothing for blank text', () => {
    expect(splitSentences('  \n ')).toEqual([]);
  });
});

describe('SentenceStream', () => {
  it('emits a sentence as soon as the next character confirms its end', () => {
    const s = new SentenceStream({ minChars: 0 });
    expect(s.push('Hello there.')).toEqual([]); // could be "there.com" or a decimal
    expect(s.push(' How')).toEqual(['Hello there.']);
    expect(s.push(' are you? I')).toEqual(['How are you?']);
    expect(s.flush()).toEqual(['I']);
    expect(s.flush()).toEqual([]);
  });

  it('defaults to merging sentences shorter than 20 characters', () => {
    const s = new SentenceStream();
    expect(s.minChars).toBe(20);
    expect(s.push('Hi. Sure. ')).toEqual([]);
    expect(s.push('Let me check that for you. ')).toEqual(['Hi. Sure. Let me check that for you.']);
    expect(s.push('Done.')).toEqual([]);
    expect(s.flush()).toEqual(['Done.']);
  });

  it('is reusable after flush', () => {
    const s = new SentenceStream({ minChars: 0 });
    s.push('First segment');
    expect(s.flush()).toEqual(['First segment']);
    expect(s.push('Second. Third')).toEqual(['Second.']);
    expect(s.flush()).toEqual(['Third']);
  });

  const text =
    'Hello Dr. Smith! The total is 3.50 dollars, i.e. cheap... Right? "Yes." Well... ok.\n' +
    'New line here. 你好。我很好！Last one';

  it.each([0, 20])(
    'streaming pieces give the same sentences as the whole text (minChars %i)',
    (minChars) => {
      const whole = new SentenceStream({ minChars });
      const expected = [...whole.push(text), ...whole.flush()];
      expect(expected.length).toBeGreaterThan(3);
      for (const size of [1, 2, 3, 5, 7, 13]) {
        const s = new SentenceStream({ minChars });
        const got: string[] = [];
        for (let i = 0; i < text.length; i += size) got.push(...s.push(text.slice(i, i + size)));
        got.push(...s.flush());
        expect(got, `pieces of ${size}`).toEqual(expected);
      }
    },
  );

  it('emits sentences before the text is complete', () => {
    const s = new SentenceStream({ minChars: 0 });
    const emittedAt: number[] = [];
    const pieces = ['The weather', ' is nice tod', 'ay. Do you', ' want to go out? ', 'Maybe'];
    pieces.forEach((p, i) => {
      for (const _ of s.push(p)) emittedAt.push(i);
    });
    expect(emittedAt).toEqual([2, 3]);
  });
});
