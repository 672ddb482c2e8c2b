/**
 * Feature extraction shared by training and inference: normalization to recognizer style,
 * spoken-number and spelling state, e-mail state, what the assistant asked for, and the hashed
 * ids (deterministic, in range, sensitive to the context).
 */
import { describe, expect, it } from 'vitest';
import {
  analyzeContext,
  emailState,
  endsWithFiller,
  extractFeatureIds,
  featureStrings,
  fnv1a,
  hashFeatures,
  lastDigitRun,
  normalizeTranscript,
  spellingState,
  trailingDigits,
  trailingLetters,
  withoutFillers,
  wordClass,
} from '../../src/providers/local/turn-features.ts';

const w = (s: string) => s.split(' ');
const ask = (content: string) => [{ role: 'assistant', content }];

describe('normalizeTranscript', () => {
  it.each([
    ['My number is 555-212-4437.', 'my number is five five five two one two four four three seven'],
    ['J.Smith@gmail.com', 'j dot smith at gmail dot com'],
    ["It's 10:30 a.m.", "it's ten thirty am"],
    ['I need 2 tickets', 'i need two tickets'],
    ['March 5th, 1987', 'march fifth one nine eight seven'],
    ['the 21st', 'the twenty first'],
    ['Expires 04/27', 'expires zero four twenty seven'],
    ['I’m at 3pm!', "i'm at three pm"],
    ['  Yes,   that’s RIGHT...  ', "yes that's right"],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeTranscript(input).join(' ')).toBe(expected);
  });
});

describe('spoken numbers, letters, e-mail', () => {
  it('counts the digits read at the end, in any grouping', () => {
    expect(trailingDigits(w('my number is five five five')).digits).toBe(3);
    expect(trailingDigits(w('five fifty five two twelve forty four thirty seven')).digits).toBe(10);
    expect(trailingDigits(w('six double oh three')).digits).toBe(4);
    expect(trailingDigits(w('one eight hundred five five five one two one two')).digits).toBe(11);
    expect(trailingDigits(w('five five five dash two one two')).digits).toBe(6);
    expect(trailingDigits(w('oh okay')).digits).toBe(0);
    expect(trailingDigits(w('i said oh')).digits).toBe(0);
    expect(trailingDigits(w('fifty six twenty nine')).first).toBe('5');
    expect(trailingDigits(w('it is double')).open).toBe(true);
  });

  it('finds the last digit run followed by a remark', () => {
    expect(
      lastDigitRun(w('five five five two one two four four three seven that is my cell')),
    ).toEqual({
      digits: 10,
      after: 4,
    });
  });

  it('ignores fillers inside numbers', () => {
    const core = withoutFillers(w('five five five uh two one two you know four four three seven'));
    expect(trailingDigits(core).digits).toBe(10);
    expect(endsWithFiller(w('i want to uh'))).toBe(true);
    expect(endsWithFiller(w('i think you know'))).toBe(true);
    expect(endsWithFiller(w('do you know'))).toBe(false);
    expect(withoutFillers(w('do you know the way'))).toEqual(w('do you know the way'));
  });

  it('reads spelled letters against the word said before them', () => {
    expect(trailingLetters(w('s m i t h'))).toBe(5);
    expect(trailingLetters(w('e l l i o double t'))).toBe(7);
    expect(trailingLetters(w('i want a'))).toBe(0);
    expect(spellingState(w('smith s m i'))).toBe('partial');
    expect(spellingState(w('smith s m i t h'))).toBe('full');
    expect(spellingState(w('smith spelled s m i t h'))).toBe('full');
    expect(spellingState(w('s m i t h'))).toBe('none');
  });

  it('tracks where an e-mail address stands', () => {
    expect(emailState(w('john dot smith at gmail dot com'))).toBe('complete');
    expect(emailState(w('john dot smith at gmail dot'))).toBe('dot_domain');
    expect(emailState(w('john dot smith at'))).toBe('at_mail');
    expect(emailState(w('john dot smith at gmail'))).toBe('domain');
    expect(emailState(w('john dot smith'))).toBe('local');
    expect(emailState(w('john at gmail dot com all lowercase'))).toBe('complete_then_short');
    expect(emailState(w('see you at seven'))).toBe('none');
  });

  it('classes words', () => {
    expect(wordClass('the')).toBe('det');
    expect(wordClass('uh')).toBe('fill');
    expect(wordClass('seven')).toBe('unit');
    expect(wordClass('s')).toBe('letter');
    expect(wordClass('booking')).toBe('ing');
    expect(wordClass('zebra')).toBe('w');
  });
});

describe('analyzeContext', () => {
  it('reads what the assistant asked for', () => {
    expect(analyzeContext(ask("Thanks! What's the best phone number to reach you?")).asks).toEqual([
      'phone',
    ]);
    expect(analyzeContext(ask("What's your email address?")).asks).toEqual(['email']);
    expect(analyzeContext(ask('What month and year does it expire?')).asks).toContain('expiry');
    expect(analyzeContext(ask('Can you spell your last name for me?')).asks).toEqual(['spell']);
    expect(analyzeContext(ask('How many tickets do you need?')).asks).toEqual(['quantity']);
    expect(analyzeContext([]).asks).toEqual(['none']);
  });

  it('takes the expected number of digits and the kind of id from the question', () => {
    const c = analyzeContext(ask('Could you read me your 10-digit account number?'));
    expect(c.asks).toContain('account');
    expect(c.expectedDigits).toBe(10);
    expect(c.idKind).toBe('account');
    expect(c.yesNo).toBe(false);
    expect(analyzeContext(ask('And the last four of your social?')).expectedDigits).toBe(4);
  });

  it('tells read-backs, choices and yes/no questions from requests', () => {
    expect(analyzeContext(ask("So that's 555-212-4437, correct?"))).toMatchObject({
      asks: ['confirm'],
      yesNo: true,
    });
    expect(analyzeContext(ask('Should I go with cash or card?')).asks).toEqual(['choice']);
    expect(analyzeContext(ask('Would you like a receipt?')).yesNo).toBe(true);
    expect(analyzeContext(ask('Do you have your account number handy?'))).toMatchObject({
      asks: ['account', 'aux_request'],
      yesNo: false,
    });
    expect(analyzeContext(ask('Could you spell that so I get it right?')).asks).toEqual(['spell']);
  });

  it('uses the last assistant message before the current turn, its last question first', () => {
    const c = analyzeContext([
      { role: 'assistant', content: "What's your email?" },
      { role: 'user', content: 'john at gmail dot com' },
      { role: 'assistant', content: 'Got it. And your phone number? Take your time.' },
    ]);
    expect(c.asks).toEqual(['phone']);
    expect(
      analyzeContext([
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'hello' },
      ]).present,
    ).toBe(false);
  });
});

describe('hashed feature ids', () => {
  const input = { context: ask("What's your phone number?"), text: 'my number is five five five' };

  it('are sorted, unique, within [1, buckets) and deterministic', () => {
    const ids = extractFeatureIds(input, 4096);
    expect(ids.length).toBeGreaterThan(40);
    for (let i = 0; i < ids.length; i++) {
      expect(ids[i]).toBeGreaterThanOrEqual(1);
      expect(ids[i]).toBeLessThan(4096);
      if (i > 0) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
    }
    expect([...extractFeatureIds(input, 4096)]).toEqual([...ids]);
    expect(fnv1a('abc')).toBe(0x1a47e90b);
    expect([...hashFeatures(['x', 'x', 'y'], 1000)].length).toBe(2);
  });

  it('cross the request with the user side, so the context changes the features', () => {
    const strings = featureStrings(input);
    expect(strings).toContain('ask=phone|td=3');
    expect(strings).toContain('w1=five');
    const other = featureStrings({ ...input, context: ask('How many tickets do you need?') });
    expect(other).toContain('ask=quantity|td=3');
    expect(other).not.toContain('ask=phone|td=3');
  });

  it('treat formatted and spoken transcripts alike', () => {
    const spoken = featureStrings({ context: [], text: 'my number is five five five two one two' });
    const formatted = featureStrings({ context: [], text: 'My number is 555-212.' });
    expect(formatted).toEqual(spoken);
  });
});
