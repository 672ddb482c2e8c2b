/**
 * Turn-taking metrics of one simulated conversation, from the caller's script (the truth about
 * when the user spoke) and the session's events (what the agent did), and the checks of a
 * scenario's expectations.
 */
import type { SessionStats } from '../machines/session-types.ts';
import type { AgentSessionEvent } from '../session/agent-session.ts';
import type { PlayedSpan } from '../session/audio-output.ts';
import type { CallerSimulator } from '../sim/caller.ts';
import { type SimulatedLlmRequest, tokenize } from '../sim/scripted-providers.ts';
import { isBackchannel } from '../text/backchannel.ts';
import type { ChatMessage } from '../text/chat-context.ts';
import { transcriptTokens } from '../text/transcripts.ts';
import type {
  BargeIn,
  ExpectationResult,
  ScenarioResult,
  SpeechSpan,
  TurnMetrics,
} from './metrics-types.ts';
import type { ScenarioExpect } from './scenario-types.ts';

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
}

interface Commit {
  at: number;
  text: string;
  stats: SessionStats;
  statsBefore: SessionStats;
}

const ZERO_STATS: SessionStats = {
  userTurns: 0,
  llmRequests: 0,
  speculativeRequests: 0,
  speculativeReused: 0,
  speculativeDiscarded: 0,
  interruptions: 0,
  falseInterruptionResumes: 0,
  backchannelResumes: 0,
  timeouts: {},
  errors: 0,
};

/** Collects what happened during a run; {@link MetricsCollector.result} computes the metrics. */
export class MetricsCollector {
  private readonly caller: CallerSimulator;
  private readonly spans: PlayedSpan[] = [];
  private readonly events: AgentSessionEvent[] = [];
  private readonly commits: Commit[] = [];
  private lastStats: SessionStats = ZERO_STATS;

  constructor(caller: CallerSimulator) {
    this.caller = caller;
  }

  readonly onSpan = (span: PlayedSpan): void => {
    this.spans.push(span);
  };

  /** Every session event, with the session's counters right after it. */
  onEvent(event: AgentSessionEvent, stats: SessionStats): void {
    this.events.push(event);
    if (event.type === 'user.turnCompleted') {
      this.commits.push({ at: event.at, text: event.text, stats, statsBefore: this.lastStats });
    }
    this.lastStats = stats;
  }

  /** Agent speech as heard: played spans merged per segment into contiguous stretches. */
  private agentSpans(): SpeechSpan[] {
    const out: SpeechSpan[] = [];
    const sorted = [...this.spans].sort((a, b) => a.atMs - b.atMs);
    for (const s of sorted) {
      const start = s.atMs;
      const end = s.atMs + (s.toMs - s.fromMs);
      const prev = out.at(-1);
      if (prev && prev.id === s.segmentId && Math.abs(prev.endMs - start) < 1) prev.endMs = end;
      else out.push({ who: 'agent', startMs: start, endMs: end, id: s.segmentId });
    }
    // A stretch that ends where a pause or an interruption happened is marked cut.
    for (const span of out) {
      const cut = this.events.find(
        (e) =>
          (e.type === 'agent.paused' || e.type === 'agent.interrupted') &&
          Math.abs(e.at - span.endMs) < 1,
      );
      if (cut) span.cut = cut.type === 'agent.paused' ? 'paused' : 'interrupted';
    }
    return out;
  }

  private userSpans(): SpeechSpan[] {
    return this.caller.segments.map((s) => ({
      who: 'user' as const,
      startMs: s.startMs,
      endMs: s.endMs,
      id: s.stepId,
      text: s.kind === 'noise' ? `(${s.text})` : s.text,
    }));
  }

  private turns(agent: readonly SpeechSpan[], llm: readonly SimulatedLlmRequest[]): TurnMetrics[] {
    const speech = this.caller.segments.filter((s) => s.kind === 'speech');
    return this.commits.map((c, i) => {
      const before = speech.filter((s) => s.startMs <= c.at);
      const last = before.at(-1);
      const endOfSpeech = before.reduce<number | null>(
        (end, s) => (s.endMs <= c.at ? Math.max(end ?? 0, s.endMs) : end),
        null,
      );
      // A false cut-off: the user's line (started before the commit) goes on after it.
      const line = this.caller.lines.find((l) => l.startMs < c.at && l.endMs > c.at + 1);
      const nextCommit = this.commits[i + 1]?.at ?? Number.POSITIVE_INFINITY;
      const firstAudio =
        agent.find((s) => s.startMs >= c.at && s.startMs < nextCommit)?.startMs ?? null;
      const forTurn = llm.filter((r) => r.turn === i + 1);
      return {
        index: i + 1,
        text: c.text,
        stepId: last?.stepId ?? null,
        endOfSpeechMs: endOfSpeech,
        commitMs: c.at,
        firstAudioMs: firstAudio,
        endOfUtteranceDelayMs: endOfSpeech === null ? null : c.at - endOfSpeech,
        voiceToVoiceMs:
          endOfSpeech === null || firstAudio === null ? null : firstAudio - endOfSpeech,
        falseCutoff: line !== undefined,
        llm: {
          requests:
            llm.length > 0 ? forTurn.length : c.stats.llmRequests - c.statsBefore.llmRequests,
          speculative: c.stats.speculativeRequests - this.statsAt(i - 1).speculativeRequests,
          reused: c.stats.speculativeReused - this.statsAt(i - 1).speculativeReused,
          discarded: c.stats.speculativeDiscarded - this.statsAt(i - 1).speculativeDiscarded,
        },
      };
    });
  }

  private statsAt(commitIndex: number): SessionStats {
    return commitIndex < 0 ? ZERO_STATS : (this.commits[commitIndex]?.stats ?? ZERO_STATS);
  }

  private bargeIns(agent: readonly SpeechSpan[]): BargeIn[] {
    const out: BargeIn[] = [];
    const seen = new Set<string>();
    for (const s of this.caller.segments) {
      if (seen.has(s.stepId)) continue;
      const talking = agent.some((a) => a.startMs < s.startMs && a.endMs > s.startMs);
      if (!talking) continue;
      seen.add(s.stepId);
      const stop = this.events.find(
        (e) => (e.type === 'agent.paused' || e.type === 'agent.interrupted') && e.at >= s.startMs,
      );
      const stopAt = stop && stop.at <= s.endMs + 3000 ? stop.at : null;
      let outcome: BargeIn['outcome'] = 'ignored';
      if (stopAt !== null) {
        const after = this.events.find(
          (e) =>
            (e.type === 'agent.interrupted' || e.type === 'agent.falseInterruptionResumed') &&
            e.at >= stopAt,
        );
        outcome = after?.type === 'agent.falseInterruptionResumed' ? 'resumed' : 'interrupted';
        if (!after) outcome = 'interrupted';
      }
      const stepText = this.caller.segments
        .filter((x) => x.stepId === s.stepId && x.kind === 'speech')
        .map((x) => x.text)
        .join(' ');
      out.push({
        stepId: s.stepId,
        onsetMs: s.startMs,
        agentStoppedMs: stopAt,
        reactionMs: stopAt === null ? null : stopAt - s.startMs,
        outcome,
        backchannel: stepText !== '' && isBackchannel(stepText),
      });
    }
    return out;
  }

  result(input: {
    name: string;
    description: string;
    file: string;
    mode: 'events' | 'audio';
    durationMs: number;
    wallMs: number;
    chat: readonly ChatMessage[];
    stats: SessionStats;
    llmRequests: readonly SimulatedLlmRequest[];
    expect: ScenarioExpect;
  }): ScenarioResult {
    const agent = this.agentSpans();
    const timeline = [...this.userSpans(), ...agent].sort((a, b) => a.startMs - b.startMs);
    const turns = this.turns(agent, input.llmRequests);
    const bargeIns = this.bargeIns(agent);
    const v2v = turns.flatMap((t) => (t.voiceToVoiceMs === null ? [] : [t.voiceToVoiceMs]));
    const reactions = bargeIns.flatMap((b) => (b.reactionMs === null ? [] : [b.reactionMs]));
    const replies = input.chat.filter((m) => m.role === 'assistant' && m.content.trim() !== '');
    const toolCalls = input.chat.flatMap((m) =>
      m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.name) : [],
    );
    const summary: ScenarioResult['summary'] = {
      userTurns: turns.length,
      agentReplies: replies.length,
      falseCutoffs: turns.filter((t) => t.falseCutoff).length,
      interruptions: this.events.filter(
        (e) => e.type === 'agent.interrupted' && e.reason === 'user',
      ).length,
      falseInterruptionResumes: this.events.filter(
        (e) => e.type === 'agent.falseInterruptionResumed',
      ).length,
      backchannelResumes: this.events.filter(
        (e) => e.type === 'agent.falseInterruptionResumed' && e.reason === 'backchannel',
      ).length,
      backchannelsInterrupting: bargeIns.filter((b) => b.backchannel && b.outcome === 'interrupted')
        .length,
      voiceToVoiceMedianMs: median(v2v),
      voiceToVoiceMaxMs: v2v.length > 0 ? Math.max(...v2v) : null,
      bargeInReactionMedianMs: median(reactions),
      llmRequests: input.stats.llmRequests,
      speculativeRequests: input.stats.speculativeRequests,
      speculativeReused: input.stats.speculativeReused,
      speculativeDiscarded: input.stats.speculativeDiscarded,
      wastedTokens: wastedTokens(input.llmRequests, input.chat),
      errors: this.events.filter((e) => e.type === 'error').length,
      userAway: this.events.some((e) => e.type === 'user.away'),
      toolCalls,
    };
    const expectations = checkExpectations(input.expect, {
      summary,
      turns,
      bargeIns,
      chat: input.chat,
    });
    return {
      name: input.name,
      description: input.description,
      file: input.file,
      mode: input.mode,
      ok: expectations.every((e) => e.ok),
      durationMs: input.durationMs,
      wallMs: input.wallMs,
      turns,
      summary,
      bargeIns,
      timeline,
      expectations,
      chat: [...input.chat],
    };
  }
}

/**
 * Tokens streamed beyond what the conversation used: every token of every request, minus, for
 * each user turn with a reply in the chat, one complete reply's worth.
 */
function wastedTokens(
  requests: readonly SimulatedLlmRequest[],
  chat: readonly ChatMessage[],
): number {
  const total = requests.reduce((n, r) => n + r.tokens, 0);
  let used = 0;
  const turns = new Set(requests.map((r) => r.turn));
  for (const turn of turns) {
    const best = requests
      .filter((r) => r.turn === turn && r.text !== '')
      .find((r) =>
        chat.some(
          (m) =>
            m.role === 'assistant' &&
            m.content !== '' &&
            r.text.startsWith(m.content.trim().slice(0, 20)),
        ),
      );
    if (best) used += Math.min(best.tokens, tokenize(best.text).length);
  }
  return Math.max(0, total - used);
}

const contains = (haystack: string, needle: string) =>
  transcriptTokens(haystack).join(' ').includes(transcriptTokens(needle).join(' '));

/** Checks every expectation of a scenario; each gives one result line. */
export function checkExpectations(
  expect: ScenarioExpect,
  run: {
    summary: ScenarioResult['summary'];
    turns: readonly TurnMetrics[];
    bargeIns: readonly BargeIn[];
    chat: readonly ChatMessage[];
  },
): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const check = (name: string, expected: unknown, actual: unknown, ok: boolean) =>
    out.push({ name, ok, expected, actual });
  const eq = (name: string, expected: unknown, actual: unknown) =>
    check(name, expected, actual, JSON.stringify(expected) === JSON.stringify(actual));
  const s = run.summary;
  const userText = run.chat.filter((m) => m.role === 'user').map((m) => m.content);
  const agentText = run.chat.filter((m) => m.role === 'assistant').map((m) => m.content);

  if (expect.agentReplies !== undefined) eq('agentReplies', expect.agentReplies, s.agentReplies);
  if (expect.minAgentReplies !== undefined) {
    check(
      'minAgentReplies',
      `>= ${expect.minAgentReplies}`,
      s.agentReplies,
      s.agentReplies >= expect.minAgentReplies,
    );
  }
  const maxCutoffs = expect.maxFalseCutoffs ?? 0;
  check('maxFalseCutoffs', `<= ${maxCutoffs}`, s.falseCutoffs, s.falseCutoffs <= maxCutoffs);
  if (expect.interruptions !== undefined)
    eq('interruptions', expect.interruptions, s.interruptions);
  if (expect.falseInterruptionResumes !== undefined) {
    eq('falseInterruptionResumes', expect.falseInterruptionResumes, s.falseInterruptionResumes);
  }
  for (const id of expect.interruptedBy ?? []) {
    const b = run.bargeIns.find((x) => x.stepId === id);
    check(
      `interruptedBy ${id}`,
      'interrupted',
      b?.outcome ?? 'no barge-in',
      b?.outcome === 'interrupted',
    );
  }
  for (const id of expect.notInterruptedBy ?? []) {
    const b = run.bargeIns.find((x) => x.stepId === id);
    check(
      `notInterruptedBy ${id}`,
      'not interrupted',
      b?.outcome ?? 'no barge-in',
      b?.outcome !== 'interrupted',
    );
  }
  if (expect.maxVoiceToVoiceMs !== undefined) {
    const worst = s.voiceToVoiceMaxMs;
    check(
      'maxVoiceToVoiceMs',
      `<= ${expect.maxVoiceToVoiceMs}`,
      worst,
      worst !== null && worst <= expect.maxVoiceToVoiceMs,
    );
  }
  for (const text of expect.userTranscriptContains ?? []) {
    check(
      `userTranscriptContains "${text}"`,
      text,
      userText,
      userText.some((u) => contains(u, text)),
    );
  }
  for (const text of expect.agentTranscriptContains ?? []) {
    check(
      `agentTranscriptContains "${text}"`,
      text,
      agentText,
      agentText.some((a) => contains(a, text)),
    );
  }
  const interrupted = run.chat.filter((m) => m.role === 'assistant' && m.interrupted);
  if (expect.interruptedAssistantPrefix !== undefined) {
    const prefix = expect.interruptedAssistantPrefix;
    check(
      'interruptedAssistantPrefix',
      prefix,
      interrupted.map((m) => m.content),
      interrupted.some((m) => m.content.startsWith(prefix) && m.content.length > 0),
    );
  }
  if (expect.noInterruptedAssistant) {
    check(
      'noInterruptedAssistant',
      [],
      interrupted.map((m) => m.content),
      interrupted.length === 0,
    );
  }
  if (expect.userTurns !== undefined) eq('userTurns', expect.userTurns, s.userTurns);
  if (expect.llmRequests !== undefined) eq('llmRequests', expect.llmRequests, s.llmRequests);
  if (expect.speculativeReused !== undefined)
    eq('speculativeReused', expect.speculativeReused, s.speculativeReused);
  if (expect.speculativeDiscarded !== undefined) {
    eq('speculativeDiscarded', expect.speculativeDiscarded, s.speculativeDiscarded);
  }
  if (expect.userAway !== undefined) eq('userAway', expect.userAway, s.userAway);
  if (expect.minErrors !== undefined)
    check('minErrors', `>= ${expect.minErrors}`, s.errors, s.errors >= expect.minErrors);
  if (expect.toolCalls !== undefined) eq('toolCalls', expect.toolCalls, s.toolCalls);
  return out;
}
