/**
 * A suite of scenarios: run them in order, aggregate their metrics into the stable
 * {@link EvalResult} JSON.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { median, percentile } from './metrics.ts';
import { EVAL_RESULT_VERSION, type EvalResult, type ScenarioResult } from './metrics-types.ts';
import { runScenario } from './runner.ts';
import { loadScenario, ScenarioError, scenarioFiles } from './scenario.ts';

export interface RunSuiteOptions {
  /** Write each scenario's inspection log here as `<scenario file name>.inspect.jsonl`. */
  inspectDir?: string;
  /** Called after each scenario, e.g. for a progress line. */
  onResult?: (result: ScenarioResult, index: number, total: number) => void;
}

/** A result for a scenario that could not run (bad file, crash). */
function failedRun(file: string, name: string, error: string): ScenarioResult {
  return {
    name,
    description: '',
    file,
    mode: 'events',
    ok: false,
    durationMs: 0,
    wallMs: 0,
    turns: [],
    summary: {
      userTurns: 0,
      agentReplies: 0,
      falseCutoffs: 0,
      interruptions: 0,
      falseInterruptionResumes: 0,
      backchannelResumes: 0,
      backchannelsInterrupting: 0,
      voiceToVoiceMedianMs: null,
      voiceToVoiceMaxMs: null,
      bargeInReactionMedianMs: null,
      llmRequests: 0,
      speculativeRequests: 0,
      speculativeReused: 0,
      speculativeDiscarded: 0,
      wastedTokens: 0,
      errors: 0,
      userAway: false,
      toolCalls: [],
    },
    bargeIns: [],
    timeline: [],
    expectations: [],
    chat: [],
    error,
  };
}

export function aggregate(scenarios: readonly ScenarioResult[]): EvalResult['aggregate'] {
  const sum = (f: (s: ScenarioResult) => number) => scenarios.reduce((n, s) => n + f(s), 0);
  const v2v = scenarios.flatMap((s) =>
    s.turns.flatMap((t) => (t.voiceToVoiceMs === null ? [] : [t.voiceToVoiceMs])),
  );
  const reactions = scenarios.flatMap((s) =>
    s.bargeIns.flatMap((b) => (b.reactionMs === null ? [] : [b.reactionMs])),
  );
  const simulated = sum((s) => s.durationMs);
  const wall = sum((s) => s.wallMs);
  return {
    scenarios: scenarios.length,
    passed: scenarios.filter((s) => s.ok).length,
    failed: scenarios.filter((s) => !s.ok).length,
    userTurns: sum((s) => s.summary.userTurns),
    falseCutoffs: sum((s) => s.summary.falseCutoffs),
    interruptions: sum((s) => s.summary.interruptions),
    falseInterruptionResumes: sum((s) => s.summary.falseInterruptionResumes),
    backchannelsInterrupting: sum((s) => s.summary.backchannelsInterrupting),
    voiceToVoiceMedianMs: median(v2v),
    voiceToVoiceP95Ms: percentile(v2v, 0.95),
    bargeInReactionMedianMs: median(reactions),
    llmRequests: sum((s) => s.summary.llmRequests),
    speculativeReused: sum((s) => s.summary.speculativeReused),
    speculativeDiscarded: sum((s) => s.summary.speculativeDiscarded),
    wastedTokens: sum((s) => s.summary.wastedTokens),
    speedup: wall > 0 ? simulated / wall : 0,
  };
}

/** Runs every scenario of `path` (a file or a folder); bad files become failed results. */
export async function runSuite(path: string, opts: RunSuiteOptions = {}): Promise<EvalResult> {
  const startedAt = new Date().toISOString();
  const files = scenarioFiles(path);
  if (opts.inspectDir) mkdirSync(opts.inspectDir, { recursive: true });
  const scenarios: ScenarioResult[] = [];
  for (const [i, file] of files.entries()) {
    let result: ScenarioResult;
    try {
      const scenario = loadScenario(file);
      try {
        const logPath = opts.inspectDir
          ? join(opts.inspectDir, `${basename(file).replace(/\.(ya?ml|json)$/i, '')}.inspect.jsonl`)
          : null;
        result = await runScenario(scenario, {
          file,
          ...(logPath ? { onInspectLog: (text: string) => writeFileSync(logPath, text) } : {}),
        });
      } catch (error) {
        result = failedRun(
          file,
          scenario.name,
          error instanceof Error ? error.message : String(error),
        );
      }
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      result = failedRun(file, file, error.message);
    }
    scenarios.push(result);
    opts.onResult?.(result, i, files.length);
  }
  return { version: EVAL_RESULT_VERSION, startedAt, scenarios, aggregate: aggregate(scenarios) };
}
