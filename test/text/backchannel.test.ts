// Short acknowledgements (alone, repeated or combined) are backchannels; anything with other
// content is not.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKCHANNEL_PHRASES,
  defaultBackchannelClassifier,
  isBackchannel,
} from '../../src/text/index.ts';

describe('isBackchannel', () => {
  it.each([
    'mhm',
    'Mm-hmm.',
    'mm hmm',
    'Uh-huh',
    'uh huh',
    'Hmm...',
    'okay',
    'OK!',
    'right',
    'Yeah.',
    'yep',
    'yes',
    'sure',
    'Got it.',
    'I see',
    'alright',
    'cool',
    'nice',
    'great',
    'exactly',
    'true',
    'ah',
    'Oh!',
    'wow',
    'okay okay',
    'Yeah, right.',
    'mhm got it',
    'oh okay, I see',
    'yeaaah',
    'hmmmm',
  ])('%j is a backchannel', (t) => {
    expect(isBackchannel(t, DEFAULT_BACKCHANNEL_PHRASES)).toBe(true);
  });

  it.each([
    '',
    '...',
    'okay but wait',
    'no',
    'stop',
    'wait',
    'yeah I have a question',
    'what',
    'okay so what about tomorrow',
    'got',
  ])('%j is not a backchannel', (t) => {
    expect(isBackchannel(t, DEFAULT_BACKCHANNEL_PHRASES)).toBe(false);
  });

  it('uses the given phrase list', () => {
    expect(isBackchannel('d’accord', ['d’accord', 'oui'])).toBe(true);
    expect(isBackchannel('oui oui, d’accord', ['d’accord', 'oui'])).toBe(true);
    expect(isBackchannel('okay', ['oui'])).toBe(false);
    expect(isBackchannel('嗯嗯', ['嗯'])).toBe(true);
  });

  it('defaultBackchannelClassifier uses the context phrases', () => {
    const ctx = { agentText: 'So the plan is', phrases: DEFAULT_BACKCHANNEL_PHRASES };
    expect(defaultBackchannelClassifier('uh huh', ctx)).toBe(true);
    expect(defaultBackchannelClassifier('hold on', ctx)).toBe(false);
  });
});
