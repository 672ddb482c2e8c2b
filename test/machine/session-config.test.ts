/**
 * Session configuration: `resolveSessionConfig` merges a patch over a base and rejects bad values
 * with an error naming the key and what was expected; the defaults are LiveKit Agents' tuned
 * values where LiveKit has the same setting; `endpointingDelayFor` never waits longer for a more
 * confident turn detector.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SESSION_CONFIG,
  endpointingDelayFor,
  resolveSessionConfig,
  type SessionConfig,
} from '../../src/machines/session-config.ts';

/** Bypasses the type checker, like a JavaScript caller or a parsed JSON file would. */
const loose = (patch: Record<string, unknown>) => patch as Partial<SessionConfig>;

describe('resolveSessionConfig', () => {
  it('with no patch returns the defaults; a patch overrides only its keys', () => {
    expect(resolveSessionConfig()).toEqual(DEFAULT_SESSION_CONFIG);
    const config = resolveSessionConfig({ minEndpointingDelay: 300, preemptiveGeneration: false });
    expect(config).toEqual({
      ...DEFAULT_SESSION_CONFIG,
      minEndpointingDelay: 300,
      preemptiveGeneration: false,
    });
  });

  it('merges over the given base (updateConfig) without mutating it', () => {
    const base = resolveSessionConfig({ minEndpointingDelay: 300 });
    const snapshot = { ...base };
    const next = resolveSessionConfig({ toolTimeout: 1000 }, base);
    expect(next).toMatchObject({ minEndpointingDelay: 300, toolTimeout: 1000 });
    expect(base).toEqual(snapshot);
  });

  it('accepts zero for every duration and count', () => {
    expect(() =>
      resolveSessionConfig({
        minEndpointingDelay: 0,
        maxEndpointingDelay: 0,
        minInterruptionDuration: 0,
        minInterruptionWords: 0,
        falseInterruptionTimeout: 0,
        maxSpeculativeRequests: 0,
        userAwayTimeout: 0,
      }),
    ).not.toThrow();
  });

  it('an unknown key (a typo) names the key and the valid ones', () => {
    expect(() => resolveSessionConfig(loose({ minEndpointDelay: 300 }))).toThrow(TypeError);
    expect(() => resolveSessionConfig(loose({ minEndpointDelay: 300 }))).toThrow(
      /unknown key "minEndpointDelay"; expected one of .*minEndpointingDelay/,
    );
  });

  it('a negative duration names the key and the expected range', () => {
    expect(() => resolveSessionConfig({ toolTimeout: -1 })).toThrow(RangeError);
    expect(() => resolveSessionConfig({ toolTimeout: -1 })).toThrow(
      'SessionConfig.toolTimeout: expected a finite number >= 0, got -1',
    );
    expect(() => resolveSessionConfig({ minInterruptionWords: -2 })).toThrow(
      /SessionConfig\.minInterruptionWords: expected a finite number >= 0, got -2/,
    );
  });

  it('NaN, Infinity and non-numbers are rejected for numeric keys', () => {
    expect(() => resolveSessionConfig({ llmFirstTokenTimeout: Number.NaN })).toThrow(
      /SessionConfig\.llmFirstTokenTimeout: expected a finite number >= 0, got NaN/,
    );
    expect(() => resolveSessionConfig({ userAwayTimeout: Number.POSITIVE_INFINITY })).toThrow(
      /SessionConfig\.userAwayTimeout: .* got Infinity/,
    );
    expect(() => resolveSessionConfig(loose({ playoutGraceTimeout: '2000' }))).toThrow(
      /SessionConfig\.playoutGraceTimeout: expected a finite number >= 0, got 2000/,
    );
    expect(() => resolveSessionConfig({ endpointingCurveExponent: 0 })).toThrow(
      /SessionConfig\.endpointingCurveExponent: expected a finite number > 0, got 0/,
    );
    expect(() => resolveSessionConfig({ speakingRateWordsPerSecond: Number.NaN })).toThrow(
      /SessionConfig\.speakingRateWordsPerSecond: expected a finite number > 0, got NaN/,
    );
  });

  it('a non-boolean switch names the key and expects a boolean', () => {
    expect(() => resolveSessionConfig(loose({ preemptiveGeneration: 'yes' }))).toThrow(TypeError);
    expect(() => resolveSessionConfig(loose({ preemptiveGeneration: 'yes' }))).toThrow(
      'SessionConfig.preemptiveGeneration: expected a boolean, got yes',
    );
    expect(() => resolveSessionConfig(loose({ allowInterruptions: 1 }))).toThrow(
      /SessionConfig\.allowInterruptions: expected a boolean, got 1/,
    );
  });

  it('maxEndpointingDelay below minEndpointingDelay names both values', () => {
    expect(() => resolveSessionConfig({ maxEndpointingDelay: 400 })).toThrow(
      'SessionConfig.maxEndpointingDelay (400) must be >= minEndpointingDelay (500)',
    );
    // Checked on the merged result: raising only the minimum above the base maximum fails too.
    expect(() => resolveSessionConfig({ minEndpointingDelay: 4000 })).toThrow(
      /maxEndpointingDelay \(3000\) must be >= minEndpointingDelay \(4000\)/,
    );
    expect(
      resolveSessionConfig({ minEndpointingDelay: 800, maxEndpointingDelay: 800 }),
    ).toMatchObject({ minEndpointingDelay: 800, maxEndpointingDelay: 800 });
  });

  it('backchannelPhrases must be an array of strings', () => {
    const message = 'SessionConfig.backchannelPhrases: expected an array of strings';
    expect(() => resolveSessionConfig(loose({ backchannelPhrases: 'mhm' }))).toThrow(message);
    expect(() => resolveSessionConfig(loose({ backchannelPhrases: ['mhm', 3] }))).toThrow(message);
    expect(
      resolveSessionConfig({ backchannelPhrases: ['mhm', 'd’accord'] }).backchannelPhrases,
    ).toEqual(['mhm', 'd’accord']);
  });
});

describe('DEFAULT_SESSION_CONFIG', () => {
  it("uses LiveKit Agents' values for the settings LiveKit has (converted to ms)", () => {
    expect(DEFAULT_SESSION_CONFIG).toMatchObject({
      minEndpointingDelay: 500, // min_endpointing_delay 0.5 s
      maxEndpointingDelay: 3000, // max_endpointing_delay 3.0 s
      allowInterruptions: true, // allow_interruptions
      minInterruptionDuration: 500, // min_interruption_duration 0.5 s
      minInterruptionWords: 0, // min_interruption_words
      resumeFalseInterruption: true, // resume_false_interruption
      falseInterruptionTimeout: 2000, // false_interruption_timeout 2.0 s
      maxToolSteps: 3, // max_tool_steps
      userAwayTimeout: 15_000, // user_away_timeout 15.0 s
    });
  });

  it('has the documented values for voicechart-specific settings', () => {
    expect(DEFAULT_SESSION_CONFIG).toMatchObject({
      endpointingCurveExponent: 3,
      noTranscriptTimeout: 2000,
      thinkingMinInterruptionDuration: 500,
      thinkingMinInterruptionWords: 0,
      backchannelPhrases: [],
      preemptiveGeneration: true,
      maxSpeculativeRequests: 3,
      speakingRateWordsPerSecond: 2.8,
      llmFirstTokenTimeout: 10_000,
      llmResponseTimeout: 60_000,
      ttsFirstAudioTimeout: 10_000,
      ttsResponseTimeout: 30_000,
      playoutGraceTimeout: 2000,
      toolTimeout: 30_000,
      interruptSettleTimeout: 5000,
    });
  });

  it('is itself valid and has a default for every key', () => {
    expect(resolveSessionConfig({}, DEFAULT_SESSION_CONFIG)).toEqual(DEFAULT_SESSION_CONFIG);
    expect(Object.keys(DEFAULT_SESSION_CONFIG)).toHaveLength(24);
  });
});

describe('endpointingDelayFor', () => {
  const probabilities = Array.from({ length: 101 }, (_, i) => i / 100);

  it('is monotonic: a more confident detector never waits longer', () => {
    for (const config of [
      DEFAULT_SESSION_CONFIG,
      resolveSessionConfig({ endpointingCurveExponent: 1 }),
      resolveSessionConfig({ endpointingCurveExponent: 0.5 }),
      resolveSessionConfig({ minEndpointingDelay: 200, maxEndpointingDelay: 6000 }),
      resolveSessionConfig({ minEndpointingDelay: 700, maxEndpointingDelay: 700 }),
    ]) {
      const delays = probabilities.map((p) => endpointingDelayFor(config, p));
      for (let i = 1; i < delays.length; i++)
        expect(delays[i]!).toBeLessThanOrEqual(delays[i - 1]!);
      expect(delays[0]).toBe(config.maxEndpointingDelay);
      expect(delays.at(-1)).toBe(config.minEndpointingDelay);
    }
  });

  it('stays within [min, max], clamps out-of-range probabilities, and uses min without a prediction', () => {
    const c = DEFAULT_SESSION_CONFIG;
    for (const p of probabilities) {
      const d = endpointingDelayFor(c, p);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(3000);
    }
    expect(endpointingDelayFor(c, -0.5)).toBe(3000);
    expect(endpointingDelayFor(c, 1.5)).toBe(500);
    expect(endpointingDelayFor(c, null)).toBe(500);
  });

  it('matches the documented examples: 0.64 sure waits ~600 ms, 0.13 sure ~2.2 s', () => {
    expect(endpointingDelayFor(DEFAULT_SESSION_CONFIG, 0.64)).toBeCloseTo(616.64, 2);
    expect(endpointingDelayFor(DEFAULT_SESSION_CONFIG, 0.13)).toBeCloseTo(2146.26, 2);
  });
});
