/**
 * Every threshold of the session statechart. All durations are milliseconds; a key whose unit is
 * not milliseconds says so in its name. Defaults follow LiveKit Agents' tuned values where it has
 * one (same names), so behaviour is familiar; see README "Configuration".
 */
export interface SessionConfig {
  // Endpointing: when does the user's turn end?
  /** Wait after end of speech when the turn detector is sure the turn is complete (p = 1). */
  readonly minEndpointingDelay: number;
  /** Wait after end of speech when the turn detector is sure the turn is not complete (p = 0). */
  readonly maxEndpointingDelay: number;
  /**
   * Shape of the probability → delay curve: `delay = min + (max − min) · (1 − p)^exponent`.
   * 1 is linear; larger values keep the delay near the minimum until the detector is unsure.
   */
  readonly endpointingCurveExponent: number;
  /** After end of speech with no transcript yet, wait this long for one before dropping the turn. */
  readonly noTranscriptTimeout: number;

  // Interruptions
  /** Master switch: may the user interrupt the agent at all (a speech can still opt out). */
  readonly allowInterruptions: boolean;
  /** User speech needed to interrupt while the agent is SPEAKING. */
  readonly minInterruptionDuration: number;
  /** Words needed to interrupt while SPEAKING (0: duration alone decides). */
  readonly minInterruptionWords: number;
  /** User speech needed to interrupt while the agent is THINKING (nothing audible yet). */
  readonly thinkingMinInterruptionDuration: number;
  /** Words needed to interrupt while THINKING. */
  readonly thinkingMinInterruptionWords: number;
  /** Pause on barge-in, then resume if nothing meaningful was said (false: stop at once). */
  readonly resumeFalseInterruption: boolean;
  /** How long a paused agent waits, after the user stops, before it resumes. */
  readonly falseInterruptionTimeout: number;
  /** Phrases that acknowledge rather than interrupt ("mhm", "okay"); they resume a paused agent. */
  readonly backchannelPhrases: readonly string[];

  // Preemptive generation
  /** Start the LLM on a final transcript before the turn is committed. */
  readonly preemptiveGeneration: boolean;
  /** Cap on speculative LLM requests per user turn. */
  readonly maxSpeculativeRequests: number;

  // Replies
  /** LLM steps after tool calls before the reply must stop calling tools. */
  readonly maxToolSteps: number;
  /** Words per second used to estimate what was heard when the TTS gives no word timings. */
  readonly speakingRateWordsPerSecond: number;

  // Watchdogs: every wait ends, the session never wedges.
  /** LLM request sent, no first token yet. */
  readonly llmFirstTokenTimeout: number;
  /** Whole LLM step (request to end of stream). */
  readonly llmResponseTimeout: number;
  /** Text sent to TTS, no audio yet. */
  readonly ttsFirstAudioTimeout: number;
  /** All text sent to TTS, synthesis not finished. */
  readonly ttsResponseTimeout: number;
  /** Synthesis finished: playout must end within the remaining audio plus this grace. */
  readonly playoutGraceTimeout: number;
  /** A tool call started, no result yet. */
  readonly toolTimeout: number;
  /** A speech was told to stop; it must report where it stopped within this. */
  readonly interruptSettleTimeout: number;

  // Presence
  /** User silent this long while the agent idles: `user.away`. */
  readonly userAwayTimeout: number;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = {
  minEndpointingDelay: 500,
  maxEndpointingDelay: 3000,
  endpointingCurveExponent: 3,
  noTranscriptTimeout: 2000,
  allowInterruptions: true,
  minInterruptionDuration: 500,
  minInterruptionWords: 0,
  thinkingMinInterruptionDuration: 500,
  thinkingMinInterruptionWords: 0,
  resumeFalseInterruption: true,
  falseInterruptionTimeout: 2000,
  backchannelPhrases: [],
  preemptiveGeneration: true,
  maxSpeculativeRequests: 3,
  maxToolSteps: 3,
  speakingRateWordsPerSecond: 2.8,
  llmFirstTokenTimeout: 10_000,
  llmResponseTimeout: 60_000,
  ttsFirstAudioTimeout: 10_000,
  ttsResponseTimeout: 30_000,
  playoutGraceTimeout: 2000,
  toolTimeout: 30_000,
  interruptSettleTimeout: 5000,
  userAwayTimeout: 15_000,
};

const NON_NEGATIVE_KEYS = [
  'minEndpointingDelay',
  'maxEndpointingDelay',
  'noTranscriptTimeout',
  'minInterruptionDuration',
  'minInterruptionWords',
  'thinkingMinInterruptionDuration',
  'thinkingMinInterruptionWords',
  'falseInterruptionTimeout',
  'maxSpeculativeRequests',
  'maxToolSteps',
  'llmFirstTokenTimeout',
  'llmResponseTimeout',
  'ttsFirstAudioTimeout',
  'ttsResponseTimeout',
  'playoutGraceTimeout',
  'toolTimeout',
  'interruptSettleTimeout',
  'userAwayTimeout',
] as const satisfies readonly (keyof SessionConfig)[];

const BOOLEAN_KEYS = [
  'allowInterruptions',
  'resumeFalseInterruption',
  'preemptiveGeneration',
] as const satisfies readonly (keyof SessionConfig)[];

/**
 * Merges a partial config over a base and validates every key, so a typo or a negative timeout
 * fails loudly at creation or at `updateConfig`, naming the key and what was expected.
 *
 * @example
 * const config = resolveSessionConfig({ minEndpointingDelay: 300 });
 */
export function resolveSessionConfig(
  patch: Partial<SessionConfig> = {},
  base: SessionConfig = DEFAULT_SESSION_CONFIG,
): SessionConfig {
  for (const key of Object.keys(patch)) {
    if (!(key in DEFAULT_SESSION_CONFIG)) {
      throw new TypeError(
        `SessionConfig: unknown key "${key}"; expected one of ${Object.keys(DEFAULT_SESSION_CONFIG).join(', ')}`,
      );
    }
  }
  const merged: SessionConfig = { ...base, ...patch };
  for (const key of NON_NEGATIVE_KEYS) {
    const value = merged[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `SessionConfig.${key}: expected a finite number >= 0, got ${String(value)}`,
      );
    }
  }
  for (const key of BOOLEAN_KEYS) {
    if (typeof merged[key] !== 'boolean') {
      throw new TypeError(`SessionConfig.${key}: expected a boolean, got ${String(merged[key])}`);
    }
  }
  const exponent = merged.endpointingCurveExponent;
  if (!Number.isFinite(exponent) || exponent <= 0) {
    throw new RangeError(
      `SessionConfig.endpointingCurveExponent: expected a finite number > 0, got ${exponent}`,
    );
  }
  if (
    !Number.isFinite(merged.speakingRateWordsPerSecond) ||
    merged.speakingRateWordsPerSecond <= 0
  ) {
    throw new RangeError(
      `SessionConfig.speakingRateWordsPerSecond: expected a finite number > 0, got ${merged.speakingRateWordsPerSecond}`,
    );
  }
  if (merged.maxEndpointingDelay < merged.minEndpointingDelay) {
    throw new RangeError(
      `SessionConfig.maxEndpointingDelay (${merged.maxEndpointingDelay}) must be >= minEndpointingDelay (${merged.minEndpointingDelay})`,
    );
  }
  if (
    !Array.isArray(merged.backchannelPhrases) ||
    merged.backchannelPhrases.some((p) => typeof p !== 'string')
  ) {
    throw new TypeError('SessionConfig.backchannelPhrases: expected an array of strings');
  }
  return merged;
}

/**
 * The endpointing delay for a turn-detector probability `p` that the user's turn is complete.
 * Continuous, unlike LiveKit's two-value switch: `min + (max − min) · (1 − p)^exponent`, so a
 * detector that is 0.64 sure waits ~600 ms and one 0.13 sure ~2.2 s with the defaults, instead of
 * jumping between 500 and 3000 around one threshold. With no prediction, `null`: the minimum.
 */
export function endpointingDelayFor(config: SessionConfig, probability: number | null): number {
  const { minEndpointingDelay: min, maxEndpointingDelay: max } = config;
  if (probability === null) return min;
  const p = Math.min(1, Math.max(0, probability));
  return min + (max - min) * (1 - p) ** config.endpointingCurveExponent;
}
