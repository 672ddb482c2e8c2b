/**
 * The HTML report of `voicechart eval --report out.html`: one self-contained file (inline CSS,
 * inline SVG drawn here, a few lines of inline JS for the expand/collapse buttons), no network.
 *
 * Sections: the suite summary and a table of scenarios; histograms across the suite
 * (voice-to-voice latency, end-of-utterance delay, barge-in reaction); then one collapsible
 * section per scenario (failed ones open) with a speech timeline, a per-turn latency waterfall,
 * the barge-ins, the expectations and the final chat.
 *
 * Every string that comes from the data is HTML-escaped. Every time may be `null` (the event
 * did not happen); a suite without scenarios renders too.
 */
import type { ChatMessage } from '../text/chat-context.ts';
import type { BargeIn, EvalResult, ExpectationResult, ScenarioResult } from './metrics-types.ts';

import {
  esc,
  escapeHtml,
  fmtCount,
  fmtMs,
  fmtSeconds,
  fmtValue,
  isNum,
  scenarioAnchor,
} from './report-format.ts';
import {
  histogramBins,
  renderHistograms,
  renderTimeline,
  renderWaterfall,
} from './report-plots.ts';

export { escapeHtml, histogramBins };

// ---------------------------------------------------------------------------------------------
// Header: suite summary and the scenario table

function statCard(label: string, value: string, note = '', tone = ''): string {
  const cls = tone === '' ? 'card' : `card ${tone}`;
  const noteHtml = note === '' ? '' : `<div class="card-note">${note}</div>`;
  return `<div class="${cls}"><div class="card-label">${label}</div><div class="card-value">${value}</div>${noteHtml}</div>`;
}

function renderSummary(result: EvalResult): string {
  const a = result.aggregate;
  const verdict =
    a.scenarios === 0
      ? '<span class="badge neutral">no scenarios</span>'
      : a.failed > 0
        ? `<span class="badge fail">${fmtCount(a.failed)} failed</span>`
        : '<span class="badge ok">all passed</span>';
  const speedup = isNum(a.speedup) && a.speedup > 0 ? `×${Number(a.speedup.toFixed(1))}` : '—';
  const cards = [
    statCard(
      'Scenarios',
      `${fmtCount(a.passed)} / ${fmtCount(a.scenarios)}`,
      'passed',
      a.failed > 0 ? 'bad' : '',
    ),
    statCard('User turns', fmtCount(a.userTurns)),
    statCard('False cut-offs', fmtCount(a.falseCutoffs), '', a.falseCutoffs > 0 ? 'warn' : ''),
    statCard('Interruptions', fmtCount(a.interruptions), 'hard barge-ins'),
    statCard('Resumes', fmtCount(a.falseInterruptionResumes), 'after false interruptions'),
    statCard(
      'Backchannels that interrupted',
      fmtCount(a.backchannelsInterrupting),
      '',
      a.backchannelsInterrupting > 0 ? 'warn' : '',
    ),
    statCard(
      'Voice-to-voice',
      fmtMs(a.voiceToVoiceMedianMs),
      `median · p95 ${fmtMs(a.voiceToVoiceP95Ms)}`,
    ),
    statCard('Barge-in reaction', fmtMs(a.bargeInReactionMedianMs), 'median'),
    statCard(
      'LLM requests',
      fmtCount(a.llmRequests),
      `speculative: ${fmtCount(a.speculativeReused)} reused · ${fmtCount(a.speculativeDiscarded)} discarded`,
    ),
    statCard('Wasted tokens', fmtCount(a.wastedTokens), 'streamed, then thrown away'),
    statCard('Speed-up', speedup, 'simulated time / wall time'),
  ];
  return `<header class="top">
<div class="title-row"><h1>voicechart eval</h1>${verdict}</div>
<div class="meta">Started ${esc(result.startedAt)} · report format v${esc(String(result.version))}</div>
</header>
<section class="cards" aria-label="Suite summary">${cards.join('')}</section>`;
}

function failedExpectationsHtml(s: ScenarioResult): string {
  const failed = s.expectations.filter((e) => !e.ok);
  const items = failed.map(
    (e) =>
      `<li><span class="exp-name">${esc(e.name)}</span>: expected <code>${esc(fmtValue(e.expected))}</code>, got <code>${esc(fmtValue(e.actual))}</code></li>`,
  );
  if (s.error !== undefined) items.unshift(`<li class="run-error">run error: ${esc(s.error)}</li>`);
  return items.length === 0
    ? '<span class="dim">—</span>'
    : `<ul class="fails">${items.join('')}</ul>`;
}

function renderScenarioTable(result: EvalResult): string {
  if (result.scenarios.length === 0) {
    return '<section><h2>Scenarios</h2><p class="empty">No scenarios ran.</p></section>';
  }
  const rows = result.scenarios.map((s, i) => {
    const status = s.ok
      ? '<span class="badge ok">ok</span>'
      : '<span class="badge fail">FAIL</span>';
    return `<tr class="${s.ok ? 'row-ok' : 'row-fail'}">
<td><a href="#${scenarioAnchor(i)}">${esc(s.name)}</a><div class="dim small">${esc(s.file)} · ${esc(s.mode)}</div></td>
<td>${status}</td>
<td class="num">${fmtCount(s.summary.userTurns)}</td>
<td class="num">${fmtMs(s.summary.voiceToVoiceMedianMs)}</td>
<td class="num${s.summary.falseCutoffs > 0 ? ' hot' : ''}">${fmtCount(s.summary.falseCutoffs)}</td>
<td class="num">${fmtCount(s.summary.interruptions)}</td>
<td>${failedExpectationsHtml(s)}</td>
</tr>`;
  });
  return `<section><h2>Scenarios</h2>
<table class="scenarios">
<thead><tr><th>Scenario</th><th>Result</th><th class="num">Turns</th><th class="num">V2V median</th><th class="num">False cut-offs</th><th class="num">Interruptions</th><th>Failed expectations</th></tr></thead>
<tbody>${rows.join('')}</tbody>
</table></section>`;
}

// ---------------------------------------------------------------------------------------------
// Per scenario

function renderScenarioStats(s: ScenarioResult): string {
  const m = s.summary;
  const items: [string, string][] = [
    ['User turns', fmtCount(m.userTurns)],
    ['Agent replies', fmtCount(m.agentReplies)],
    ['False cut-offs', fmtCount(m.falseCutoffs)],
    ['Interruptions', fmtCount(m.interruptions)],
    [
      'Resumes',
      `${fmtCount(m.falseInterruptionResumes)} (${fmtCount(m.backchannelResumes)} backchannel)`,
    ],
    ['Backchannels that interrupted', fmtCount(m.backchannelsInterrupting)],
    ['V2V median / max', `${fmtMs(m.voiceToVoiceMedianMs)} / ${fmtMs(m.voiceToVoiceMaxMs)}`],
    ['Barge-in reaction median', fmtMs(m.bargeInReactionMedianMs)],
    [
      'LLM requests',
      `${fmtCount(m.llmRequests)} (speculative ${fmtCount(m.speculativeRequests)}: ${fmtCount(m.speculativeReused)} reused, ${fmtCount(m.speculativeDiscarded)} discarded)`,
    ],
    ['Wasted tokens', fmtCount(m.wastedTokens)],
    ['Errors', fmtCount(m.errors)],
    ['User away', m.userAway ? 'yes' : 'no'],
    ['Tool calls', m.toolCalls.length === 0 ? '—' : esc(m.toolCalls.join(', '))],
  ];
  return `<dl class="stats">${items.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function renderExpectations(list: readonly ExpectationResult[]): string {
  if (list.length === 0) return '<p class="empty">No expectations.</p>';
  const rows = list.map(
    (e) =>
      `<tr class="${e.ok ? 'row-ok' : 'row-fail'}"><td>${e.ok ? '<span class="badge ok">ok</span>' : '<span class="badge fail">FAIL</span>'}</td><td>${esc(e.name)}</td><td><code>${esc(fmtValue(e.expected))}</code></td><td><code>${esc(fmtValue(e.actual))}</code></td></tr>`,
  );
  return `<table class="expectations"><thead><tr><th></th><th>Expectation</th><th>Expected</th><th>Actual</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderBargeIns(list: readonly BargeIn[]): string {
  if (list.length === 0) return '<p class="empty">No barge-ins.</p>';
  const rows = list.map(
    (b) =>
      `<tr><td class="nowrap">${esc(b.stepId)}${b.backchannel ? ' <span class="tag">backchannel</span>' : ''}</td><td class="num">${esc(fmtSeconds(b.onsetMs))}</td><td class="num">${b.agentStoppedMs === null ? '<span class="dim">never</span>' : esc(fmtSeconds(b.agentStoppedMs))}</td><td class="num">${fmtMs(b.reactionMs)}</td><td><span class="outcome outcome-${b.outcome}">${esc(b.outcome)}</span></td></tr>`,
  );
  return `<table class="bargeins"><thead><tr><th>Step</th><th class="num">Onset</th><th class="num">Agent stopped</th><th class="num">Reaction</th><th>Outcome</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderMessage(m: ChatMessage): string {
  switch (m.role) {
    case 'system':
    case 'developer':
      return `<li class="msg msg-system"><span class="role">${m.role}</span><div class="content">${esc(m.content)}</div></li>`;
    case 'user':
      return `<li class="msg msg-user"><span class="role">user</span><div class="content">${esc(m.content)}</div></li>`;
    case 'assistant': {
      const calls = (m.toolCalls ?? [])
        .map(
          (c) => `<div class="toolcall">→ ${esc(c.name)}(<code>${esc(c.arguments)}</code>)</div>`,
        )
        .join('');
      const flag =
        m.interrupted === true
          ? '<span class="tag hot">interrupted · only what was heard</span>'
          : '';
      const content =
        m.content === ''
          ? ''
          : `<div class="content">${esc(m.content)}${m.interrupted === true ? '<span class="cut-end">⟂</span>' : ''}</div>`;
      const cls = m.interrupted === true ? 'msg msg-assistant interrupted' : 'msg msg-assistant';
      return `<li class="${cls}"><span class="role">assistant</span>${flag}${content}${calls}</li>`;
    }
    case 'tool': {
      const flag = m.isError === true ? '<span class="tag hot">error</span>' : '';
      return `<li class="msg msg-tool"><span class="role">tool</span><span class="tag">${esc(m.name)}</span>${flag}<div class="content"><code>${esc(m.content)}</code></div></li>`;
    }
    default:
      return '';
  }
}

function renderChat(chat: readonly ChatMessage[]): string {
  if (chat.length === 0) return '<p class="empty">Empty chat.</p>';
  return `<ol class="chat">${chat.map(renderMessage).join('')}</ol>`;
}

function renderScenario(s: ScenarioResult, index: number): string {
  const status = s.ok ? '<span class="badge ok">ok</span>' : '<span class="badge fail">FAIL</span>';
  const failedCount = s.expectations.filter((e) => !e.ok).length;
  const brief = [
    `${fmtCount(s.summary.userTurns)} turns`,
    `v2v ${fmtMs(s.summary.voiceToVoiceMedianMs)}`,
    `${fmtSeconds(s.durationMs)} simulated in ${fmtMs(s.wallMs)}`,
  ];
  if (failedCount > 0)
    brief.push(`${failedCount} failed expectation${failedCount === 1 ? '' : 's'}`);
  const error =
    s.error === undefined
      ? ''
      : `<div class="run-error-box">Run error: <code>${esc(s.error)}</code></div>`;
  return `<details class="scenario ${s.ok ? 'is-ok' : 'is-fail'}" id="${scenarioAnchor(index)}"${s.ok ? '' : ' open'}>
<summary>${status}<span class="sc-name">${esc(s.name)}</span><span class="dim small">${esc(brief.join(' · '))}</span></summary>
<div class="sc-body">
<div class="sc-meta"><span>${esc(s.file)}</span><span class="tag">${esc(s.mode)}</span>${s.description === '' ? '' : `<span class="desc">${esc(s.description)}</span>`}</div>
${error}
${renderScenarioStats(s)}
<h3>Timeline</h3>
${renderTimeline(s)}
<h3>Latency per turn</h3>
${renderWaterfall(s)}
<div class="cols">
<div><h3>Expectations</h3>${renderExpectations(s.expectations)}</div>
<div><h3>Barge-ins</h3>${renderBargeIns(s.bargeIns)}</div>
</div>
<h3>Final chat</h3>
${renderChat(s.chat)}
</div>
</details>`;
}

function renderScenarios(result: EvalResult): string {
  if (result.scenarios.length === 0) return '';
  return `<section><div class="section-head"><h2>Scenario details</h2><span class="buttons"><button type="button" data-toggle-all="open">Expand all</button><button type="button" data-toggle-all="close">Collapse all</button></span></div>
${result.scenarios.map(renderScenario).join('\n')}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Page

const CSS = `
:root{--user:#2563eb;--agent:#0d9488;--int:#dc2626;--pause:#d97706;--eou:#8b5cf6;--reply:#0ea5e9;--bar:#6366f1;--fg:#1f2937;--dim:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--ok:#15803d;--fail:#b91c1c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 24px 48px}
h1{font-size:24px;margin:0}
h2{font-size:18px;margin:28px 0 12px}
h3{font-size:14px;margin:20px 0 6px;color:#374151;text-transform:uppercase;letter-spacing:.04em}
.title-row{display:flex;align-items:center;gap:12px}
.meta,.dim{color:var(--dim)}
.small{font-size:12px}
.nowrap{white-space:nowrap}
.empty{color:var(--dim);font-style:italic}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;border-radius:3px;padding:0 3px;overflow-wrap:break-word}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.badge.ok{background:var(--ok)}.badge.fail{background:var(--fail)}.badge.neutral{background:var(--dim)}
.tag{display:inline-block;border:1px solid var(--line);background:#fff;border-radius:4px;padding:0 6px;font-size:11px;color:#374151;margin-left:6px}
.tag.hot{border-color:#fecaca;background:#fef2f2;color:var(--fail)}
.hot{color:var(--fail);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px;margin-top:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card.bad{border-color:#fecaca;background:#fef2f2}.card.warn{border-color:#fde68a;background:#fffbeb}
.card-label{font-size:12px;color:var(--dim)}
.card-value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.card-note{font-size:12px;color:var(--dim)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f1f5f9;font-size:12px;color:#374151;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.row-fail td:first-child{box-shadow:inset 3px 0 var(--fail)}
tbody tr:last-child td{border-bottom:0}
a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}
ul.fails{margin:0;padding-left:16px}
.run-error{color:var(--fail)}
.run-error-box{border:1px solid #fecaca;background:#fef2f2;color:var(--fail);border-radius:6px;padding:8px 10px;margin:8px 0}
.hists{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
figure.hist{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figcaption{font-size:13px;margin-bottom:6px}
.hist-stats{display:block;font-size:12px}
.section-head{display:flex;align-items:baseline;justify-content:space-between}
button{font:inherit;font-size:12px;border:1px solid var(--line);background:#fff;border-radius:6px;padding:3px 10px;margin-left:6px;cursor:pointer}
button:hover{background:#f1f5f9}
details.scenario{background:#fff;border:1px solid var(--line);border-radius:8px;margin-bottom:12px}
details.scenario.is-fail{border-color:#fca5a5}
summary{cursor:pointer;padding:10px 14px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
summary::marker{color:var(--dim)}
.sc-name{font-weight:600;font-size:15px}
.sc-body{padding:0 14px 14px;border-top:1px solid var(--line)}
.sc-meta{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-top:10px;color:var(--dim);font-size:13px}
.sc-meta .tag{margin-left:0}
.desc{color:var(--fg)}
dl.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:2px 24px;margin:12px 0 0}
dl.stats div{display:flex;justify-content:space-between;gap:8px;border-bottom:1px dotted var(--line);padding:2px 0}
dt{color:var(--dim);font-size:12px}dd{margin:0;font-size:12px;font-variant-numeric:tabular-nums;text-align:right}
.cols{display:grid;grid-template-columns:3fr 2fr;gap:16px}
@media (max-width:800px){.cols{grid-template-columns:1fr}}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--dim);margin:2px 0 4px}
.sw{display:inline-block;width:12px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.sw-user{background:var(--user)}.sw-agent{background:var(--agent)}
.sw-cut-interrupted{background:var(--int)}.sw-cut-paused{background:var(--pause)}
.sw-bargein{width:0;height:0;border-left:6px solid transparent;border-right:6px solid transparent;border-top:10px solid var(--int);border-radius:0}
.sw-commit{width:2px;background:#111827}
.sw-eou{background:var(--eou)}.sw-reply{background:var(--reply)}
svg.plot{display:block;font-size:11px;font-family:inherit;overflow:visible}
svg .lane-bg{fill:#f1f5f9}
svg .row-bg{fill:#f8fafc}
svg .lane-label{fill:#374151;font-weight:600;font-size:12px}
svg .grid{stroke:#e5e7eb;stroke-width:1}
svg .grid.zero{stroke:#9ca3af}
svg .axis{stroke:#9ca3af;stroke-width:1}
svg .tick{fill:var(--dim);font-size:10.5px}
svg .axis-title{font-style:italic}
svg .no-data{fill:var(--dim);font-size:14px;font-style:italic}
svg .tl-user{fill:var(--user)}
svg .tl-agent{fill:var(--agent)}
svg .tl-cut{fill-opacity:.72}
svg .cut-mark.cut-interrupted{fill:var(--int)}
svg .cut-mark.cut-paused{fill:var(--pause)}
svg .span-label{fill:#fff;font-size:11px;pointer-events:none}
svg .tl-commit line{stroke:#111827;stroke-width:2}
svg .tl-commit text{fill:#111827;font-size:10.5px;font-weight:600}
svg .tl-commit.false-cutoff line{stroke:var(--fail)}
svg .tl-commit.false-cutoff text{fill:var(--fail)}
svg .bargein-line{stroke-width:1.5;stroke-dasharray:3 2}
svg .reaction-line{stroke-width:3}
svg .outcome-interrupted .bargein-line,svg .outcome-interrupted .reaction-line{stroke:var(--int)}
svg .outcome-interrupted .bargein-head{fill:var(--int)}
svg .outcome-resumed .bargein-line,svg .outcome-resumed .reaction-line{stroke:var(--pause)}
svg .outcome-resumed .bargein-head{fill:var(--pause)}
svg .outcome-ignored .bargein-line,svg .outcome-ignored .reaction-line{stroke:#6b7280}
svg .outcome-ignored .bargein-head{fill:#6b7280}
svg .wf-eou{fill:var(--eou)}
svg .wf-reply{fill:var(--reply)}
svg .wf-reply.unanchored{fill-opacity:.55;stroke:var(--reply);stroke-dasharray:4 2}
svg .wf-label{font-size:12px}
svg .wf-turn{font-weight:600;fill:#111827}
svg .wf-text{fill:var(--dim)}
svg .bar-label{fill:#fff;font-size:10.5px;font-weight:600;pointer-events:none}
svg .wf-note{fill:#374151;font-size:11px}
svg .wf-note.hot{fill:var(--fail)}
svg .hist-bar{fill:var(--bar)}
svg .hist-bar:hover{fill:#4338ca}
svg .bar-count{fill:#374151;font-size:10.5px}
.outcome{font-size:12px;font-weight:600}
.outcome-interrupted{color:var(--int)}.outcome-resumed{color:var(--pause)}.outcome-ignored{color:var(--dim)}
ol.chat{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:5px}
.msg{border:1px solid var(--line);border-radius:8px;padding:4px 10px;max-width:78%;align-self:flex-start}
.msg .role{font-size:10.5px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:var(--dim);margin-right:8px}
.msg .content{white-space:pre-wrap;overflow-wrap:anywhere;display:inline}
.msg .tag{margin-left:0;margin-right:8px}
.msg-user{align-self:flex-end;background:#eff6ff;border-color:#bfdbfe}
.msg-user .role{color:var(--user)}
.msg-assistant{background:#f0fdfa;border-color:#99f6e4}
.msg-assistant .role{color:var(--agent)}
.msg-assistant.interrupted{border-style:dashed;border-color:#fca5a5;background:#fff7f7}
.cut-end{color:var(--int);font-weight:700;margin-left:4px}
.msg-tool{background:#faf5ff;border-color:#e9d5ff;font-size:13px}
.msg-tool .role{color:#7c3aed}
.msg-system{background:#f9fafb;color:var(--dim);font-size:12px}
.toolcall{font-size:12px;color:#7c3aed;display:inline}
footer{margin-top:32px;color:var(--dim);font-size:12px}
`;

const SCRIPT = `
document.addEventListener('click', function (e) {
  var t = e.target;
  if (!(t instanceof Element)) return;
  var toggle = t.closest('[data-toggle-all]');
  if (toggle) {
    var open = toggle.getAttribute('data-toggle-all') === 'open';
    document.querySelectorAll('details.scenario').forEach(function (d) { d.open = open; });
    return;
  }
  var link = t.closest('a[href^="#scenario-"]');
  if (link) {
    var target = document.getElementById(link.getAttribute('href').slice(1));
    if (target) target.open = true;
  }
});
if (location.hash.indexOf('#scenario-') === 0) {
  var initial = document.getElementById(location.hash.slice(1));
  if (initial) initial.open = true;
}
`;

/**
 * Renders an eval result as one self-contained HTML page (no external resources).
 *
 * @example
 * ```ts
 * await writeFile('out.html', renderReport(result));
 * ```
 */
export function renderReport(result: EvalResult): string {
  const a = result.aggregate;
  const pageTitle =
    a.scenarios === 0
      ? 'voicechart eval: no scenarios'
      : `voicechart eval: ${a.passed}/${a.scenarios} passed`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(pageTitle)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${renderSummary(result)}
${renderScenarioTable(result)}
${renderHistograms(result)}
${renderScenarios(result)}
<footer>Generated by voicechart eval. Times are session time; hover plot elements for details.</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
