// Transcripts compare equal regardless of case, punctuation and spacing; CJK and Thai are
// compared character by character, and word counts treat each CJK character as a word.
import { describe, expect, it } from 'vitest';
import {
  countWords,
  joinTranscripts,
  normalizeTranscript,
  transcriptsEquivalent,
} from '../../src/text/index.ts';

describe('normalizeTranscript', () => {
  it('lower-cases, strips punctuation and collapses whitespace', () => {
    expect(normalizeTranscript('  Hello,   World!\n How are   you? ')).toBe(
      'hello world how are you',
    );
    expect(normalizeTranscript("Don't stop—ever.")).toBe('dont stop ever');
    expect(normalizeTranscript('Mm-hmm.')).toBe('mm hmm');
  });

  it('keeps non-Latin letters and combining marks', () => {
    expect(normalizeTranscript('Ça va? Très BIEN!')).toBe('ça va très bien');
    expect(normalizeTranscript('Привет, МИР!')).toBe('привет мир');
    expect(normalizeTranscript('नमस्ते!')).toBe('नमस्ते');
  });
});

describe('transcriptsEquivalent', () => {
  it('ignores case and punctuation', () => {
    expect(transcriptsEquivalent('Hello, world!', 'hello world')).toBe(true);
    expect(transcriptsEquivalent("I'm fine.", 'im fine')).toBe(true);
    expect(transcriptsEquivalent('hello world', 'hello word')).toBe(false);
    expect(transcriptsEquivalent('hello', 'hello hello')).toBe(false);
  });

  it('compares CJK and Thai per character, whatever the segmentation', () => {
    expect(transcriptsEquivalent('今天 天气 很好', '今天天气很好。')).toBe(true);
    expect(transcriptsEquivalent('こんにちは、世界', 'こんにちは 世界')).toBe(true);
    expect(transcriptsEquivalent('สวัสดี ครับ', 'สวัสดีครับ')).toBe(true);
    expect(transcriptsEquivalent('今天天气很好', '今天天气不好')).toBe(false);
    expect(transcriptsEquivalent('OK 你好', 'ok你好')).toBe(true);
  });

  it('treats empty and punctuation-only as equal', () => {
    expect(transcriptsEquivalent('', '...')).toBe(true);
  });
});

describe('countWords', () => {
  it('counts words and CJK characters', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('Hello there, friend.')).toBe(3);
    expect(countWords('你好世界')).toBe(4);
    expect(countWords('I said 你好')).toBe(4);
  });
});

describe('joinTranscripts', () => {
  it('space-joins trimmed parts and skips empty ones', () => {
    expect(joinTranscripts('I want ', ' a pizza')).toBe('I want a pizza');
    expect(joinTranscripts('', 'hello')).toBe('hello');
    expect(joinTranscripts('hello', '   ')).toBe('hello');
    expect(joinTranscripts(' ', '')).toBe('');
  });

  it('does not insert spaces between CJK characters', () => {
    expect(joinTranscripts('你好', '世界')).toBe('你好世界');
    expect(joinTranscripts('你好', 'world')).toBe('你好 world');
  });
});
