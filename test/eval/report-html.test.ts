import { describe, expect, it } from 'vitest';
import type { EvalResult, ScenarioResult } from '../../src/eval/metrics-types.ts';
import { escapeHtml, histogramBins, renderReport } from '../../src/eval/report-html.ts';
import {
  emptyEvalResult,
  evalResultFixture,
  HOSTILE_SCENARIO_NAME,
} from '../helpers/eval-result-fixture.ts';

/** Elements whose class list contains `cls`. */
function countClass(html: string, cls: string): number {
  return html.match(new RegExp(`class="(?:[^"]* )?${cls}(?: [^"]*)?"`, 'g'))?.length ?? 0;
}

/** The per-scenario `<details>` sections, in order. */
function scenarioSections(html: string): string[] {
  return html.split('<details class="scenario').slice(1);
}

/** One `<svg ... data-plot="...">...</svg>` of `html` per plot. */
function plots(html: string, plot: string): string[] {
  return html.match(new RegExp(`<svg[^>]*data-plot="${plot}"[\\s\\S]*?</svg>`, 'g')) ?? [];
}

function histogram(html: string, kind: string): string {
  const svg = plots(html, 'histogram').find((s) => s.includes(`data-kind="${kind}"`));
  if (svg === undefined) throw new Error(`no ${kind} histogram`);
  return svg;
}

function barCounts(svg: string): number[] {
  return [...svg.matchAll(/class="hist-bar" data-count="(\d+)"/g)].map((m) => Number(m[1]));
}

function expectSelfContained(html: string): void {
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html).not.toMatch(/\b(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/@import|url\(/i);
  expect(html).not.toMatch(/<iframe|<object|<embed/i);
}

/** A scenario where nothing worked: every optional time is null. */
function brokenScenario(): ScenarioResult {
  return {
    name: 'Broken <b>run</b>',
    description: '',
    file: 'scenarios/broken.yaml',
    mode: 'audio',
    ok: false,
    durationMs: 0,
    wallMs: 0,
    turns: [
      {
        index: 1,
        text: '',
        stepId: null,
        endOfSpeechMs: null,
        commitMs: 0,
        firstAudioMs: null,
        endOfUtteranceDelayMs: null,
        voiceToVoiceMs: null,
        falseCutoff: false,
        llm: { requests: 0, speculative: 0, reused: 0, discarded: 0 },
      },
    ],
    summary: {
      userTurns: 1,
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
      errors: 1,
      userAway: false,
      toolCalls: [],
    },
    bargeIns: [
      {
        stepId: 'hm',
        onsetMs: 0,
        agentStoppedMs: null,
        reactionMs: null,
        outcome: 'ignored',
        backchannel: true,
      },
    ],
    timeline: [],
    expectations: [
      { name: 'weird', ok: false, expected: undefined, actual: { nested: [1, null] } },
    ],
    chat: [],
    error: 'TTS crashed: <EPIPE> & "gone"',
  };
}

describe('renderReport', () => {
  const fixture = evalResultFixture();
  const html = renderReport(fixture);

  it('is one self-contained HTML page', () => {
    expectSelfContained(html);
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
    // The only script is the inline expand/collapse helper.
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain('<script>');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('names every scenario, escaped', () => {
    for (const s of fixture.scenarios) expect(html).toContain(escapeHtml(s.name));
    expect(html).toContain(
      'Barge-in &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; cut-off',
    );
    expect(html).not.toContain(HOSTILE_SCENARIO_NAME);
    expect(html).not.toContain('alert("x")');
    expect(html).not.toContain('<script>alert');
  });

  it('escapes every string from the data', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const result = evalResultFixture();
    const s = result.scenarios[0]!;
    s.description = evil;
    s.file = evil;
    s.turns[0]!.text = evil;
    s.turns[0]!.stepId = evil;
    s.timeline[0]!.text = evil;
    s.timeline[0]!.id = evil;
    s.bargeIns[0]!.stepId = evil;
    s.expectations[0] = { name: evil, ok: false, expected: evil, actual: [evil] };
    s.summary.toolCalls = [evil];
    s.chat.push(
      { id: 'x1', role: 'user', content: evil },
      { id: 'x2', role: 'assistant', content: evil, interrupted: true },
      {
        id: 'x3',
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c', name: evil, arguments: evil }],
      },
      { id: 'x4', role: 'tool', toolCallId: 'c', name: evil, content: evil, isError: true },
      { id: 'x5', role: 'developer', content: evil },
    );
    s.error = evil;
    result.startedAt = evil;
    const out = renderReport(result);
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expectSelfContained(out);
  });

  it('opens the failed scenarios and lists failed expectations with expected and actual', () => {
    const sections = scenarioSections(html);
    expect(sections).toHaveLength(3);
    expect(sections.map((s) => /^[^>]*\sopen>/.test(s))).toEqual([false, true, false]);
    const table = html.slice(html.indexOf('<table class="scenarios">'), html.indexOf('</table>'));
    expect(table).toContain('FAIL');
    expect(table).toMatch(/interruptions<\/span>: expected <code>1<\/code>, got <code>2<\/code>/);
    expect(table.match(/badge ok/g)).toHaveLength(2);
  });

  it('shows the suite summary', () => {
    const head = html.slice(0, html.indexOf('<table class="scenarios">'));
    for (const text of [
      '2 / 3',
      '1,220 ms',
      'p95 2,400 ms',
      '190 ms',
      '2 reused',
      '3 discarded',
      '×57.5',
      'Backchannels that interrupted',
      'False cut-offs',
    ]) {
      expect(head).toContain(text);
    }
  });

  it('draws a timeline per scenario: one rect per speech span, cut marks, barge-ins, commits', () => {
    const timelines = plots(html, 'timeline');
    expect(timelines).toHaveLength(fixture.scenarios.length);
    fixture.scenarios.forEach((s, i) => {
      const svg = timelines[i]!;
      const users = s.timeline.filter((sp) => sp.who === 'user').length;
      const agents = s.timeline.filter((sp) => sp.who === 'agent').length;
      const cuts = s.timeline.filter((sp) => sp.cut !== undefined).length;
      expect(countClass(svg, 'tl-user'), s.name).toBe(users);
      expect(countClass(svg, 'tl-agent'), s.name).toBe(agents);
      expect(countClass(svg, 'tl-cut'), s.name).toBe(cuts);
      expect(countClass(svg, 'cut-mark'), s.name).toBe(cuts);
      expect(countClass(svg, 'tl-bargein'), s.name).toBe(s.bargeIns.length);
      expect(countClass(svg, 'tl-commit'), s.name).toBe(s.turns.length);
      expect(svg).toContain('>0 s</text>');
    });
    // The fixture's figures, scenario by scenario.
    expect(timelines.map((t) => countClass(t, 'tl-user'))).toEqual([4, 5, 3]);
    expect(timelines.map((t) => countClass(t, 'tl-agent'))).toEqual([4, 4, 3]);
    expect(timelines.map((t) => countClass(t, 'tl-cut-interrupted'))).toEqual([0, 2, 0]);
    expect(timelines.map((t) => countClass(t, 'tl-cut-paused'))).toEqual([1, 0, 0]);
    expect(timelines.map((t) => countClass(t, 'false-cutoff'))).toEqual([0, 1, 0]);
  });

  it('draws a latency waterfall per scenario, bars only for events that happened', () => {
    const waterfalls = plots(html, 'waterfall');
    expect(waterfalls).toHaveLength(fixture.scenarios.length);
    // End of speech → commit: every turn but the one without end of speech.
    expect(waterfalls.map((w) => countClass(w, 'wf-eou'))).toEqual([3, 5, 1]);
    // Commit → first audio: every turn but the false cut-off, which got no reply audio.
    expect(waterfalls.map((w) => countClass(w, 'wf-reply'))).toEqual([3, 4, 2]);
    expect(waterfalls[0]).toContain('650 ms');
    expect(waterfalls[0]).toContain('570 ms');
    expect(waterfalls[0]).toContain('v2v 1,220 ms');
    expect(waterfalls[1]).toContain('no reply audio');
    expect(waterfalls[1]).toContain('false cut-off');
    expect(waterfalls[2]).toContain('end of speech unknown');
  });

  it('draws the suite histograms with every value in some bar', () => {
    expect(plots(html, 'histogram')).toHaveLength(3);
    const v2v = barCounts(histogram(html, 'voice-to-voice'));
    const eou = barCounts(histogram(html, 'end-of-utterance'));
    const reaction = barCounts(histogram(html, 'barge-in-reaction'));
    // 1000–2400 in 200 ms bins; 550–900 in 50 ms bins; 180–220 in 10 ms bins.
    expect(v2v).toEqual([3, 3, 1, 0, 0, 0, 1]);
    expect(eou).toEqual([3, 3, 2, 0, 0, 0, 1]);
    expect(reaction).toEqual([1, 1, 0, 1]);
    expect(html).toContain('n = 8 · median 1,220 ms');
  });

  it('shows the final chat with interrupted replies and tool calls flagged', () => {
    const sections = scenarioSections(html);
    expect(countClass(sections[1]!, 'interrupted')).toBe(2);
    expect(sections[1]).toContain('only what was heard');
    expect(sections[0]).toContain('check_availability');
    expect(countClass(sections[0]!, 'msg-tool')).toBe(1);
    expect(countClass(sections[0]!, 'msg')).toBe(fixture.scenarios[0]!.chat.length);
  });

  it('renders a suite without scenarios', () => {
    const out = renderReport(emptyEvalResult());
    expectSelfContained(out);
    expect(out).toContain('No scenarios ran.');
    expect(out).not.toContain('<details');
    expect(plots(out, 'histogram')).toHaveLength(3);
    expect(out.match(/>no data</g)).toHaveLength(3);
    expect(countClass(out, 'hist-bar')).toBe(0);
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('renders nulls, a run error, an empty timeline and odd numbers', () => {
    const base = emptyEvalResult();
    const result: EvalResult = {
      ...base,
      scenarios: [brokenScenario()],
      aggregate: { ...base.aggregate, scenarios: 1, failed: 1, userTurns: 1, speedup: Infinity },
    };
    const out = renderReport(result);
    expectSelfContained(out);
    expect(out).toContain('Broken &lt;b&gt;run&lt;/b&gt;');
    expect(out).toContain('TTS crashed: &lt;EPIPE&gt; &amp; &quot;gone&quot;');
    expect(out).toContain('no speech recorded');
    expect(out).toContain('Empty chat.');
    expect(countClass(out, 'wf-eou')).toBe(0);
    expect(countClass(out, 'wf-reply')).toBe(0);
    expect(countClass(out, 'tl-bargein outcome-ignored')).toBe(1);
    expect(out.match(/>no data</g)).toHaveLength(3);
    expect(out).toContain('<code>{&quot;nested&quot;:[1,null]}</code>');
    expect(out).not.toMatch(/NaN|Infinity|="undefined"/);
  });
});

describe('histogramBins', () => {
  it('returns no bins for no data', () => {
    expect(histogramBins([])).toEqual([]);
  });

  it('puts equal values in one bin', () => {
    const bins = histogramBins([700, 700, 700]);
    expect(bins).toHaveLength(1);
    expect(bins[0]!.count).toBe(3);
    expect(bins[0]!.from).toBeLessThanOrEqual(700);
    expect(bins[0]!.to).toBeGreaterThan(700);
  });

  it('covers every value with nice, contiguous bins', () => {
    const values = [0, 13, 250, 999, 1000, 4321];
    const bins = histogramBins(values);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(values.length);
    expect(bins[0]!.from).toBeLessThanOrEqual(0);
    expect(bins.at(-1)!.to).toBeGreaterThanOrEqual(4321);
    for (let i = 1; i < bins.length; i++) expect(bins[i]!.from).toBe(bins[i - 1]!.to);
    expect(bins.length).toBeLessThanOrEqual(10);
  });
});
