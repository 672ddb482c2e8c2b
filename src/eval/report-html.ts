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
import type {
  BargeIn,
  EvalResult,
  ExpectationResult,
  ScenarioResult,
  SpeechSpan,
  TurnMetrics,
} from './metrics-types.ts';

// ---------------------------------------------------------------------------------------------
// Formatting helpers

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const esc = escapeHtml;

function isNum(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function groupDigits(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(Math.round(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1,220 ms`, or `—` for a missing value. */
function fmtMs(v: number | null | undefined): string {
  return isNum(v) ? `${groupDigits(v)} ms` : '—';
}

function fmtCount(v: number | null | undefined): string {
  return isNum(v) ? groupDigits(v) : '—';
}

/** Seconds with at most 3 decimals and no float noise: `12.5 s`. */
function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** An SVG coordinate with at most one decimal. */
function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** JSON of an expectation figure, never throwing. */
function fmtValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    const text = JSON.stringify(v);
    return text === undefined ? String(v) : text;
  } catch {
    return String(v);
  }
}

/** Cuts `text` to what fits in `widthPx` at about `charPx` per character. */
function fitText(text: string, widthPx: number, charPx = 6.1): string {
  const chars = Array.from(text);
  const max = Math.floor(widthPx / charPx);
  if (chars.length <= max) return text;
  if (max < 3) return '';
  return chars.slice(0, max - 1).join('') + '…';
}

/** A tick step of 1, 2 or 5 × 10^k so that `range` holds about `count` steps. */
function niceStep(range: number, count: number): number {
  if (!(range > 0) || !Number.isFinite(range)) return 1;
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * mag;
}

function sortedNumbers(values: readonly (number | null | undefined)[]): number[] {
  return values.filter(isNum).sort((a, b) => a - b);
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] ?? null;
  const a = sorted[mid - 1];
  const b = sorted[mid];
  return a === undefined || b === undefined ? null : (a + b) / 2;
}

/** Nearest-rank percentile. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

function scenarioAnchor(index: number): string {
  return `scenario-${index + 1}`;
}

function title(text: string): string {
  return `<title>${esc(text)}</title>`;
}

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
// Timeline: user and agent speech on two lanes

const TL = {
  width: 1000,
  left: 64,
  right: 16,
  markerY: 4,
  userY: 20,
  agentY: 58,
  laneH: 30,
  turnsY: 96,
  axisY: 126,
  height: 148,
} as const;

function timelineDomain(s: ScenarioResult): { start: number; end: number } {
  const times: number[] = [s.durationMs];
  for (const span of s.timeline) times.push(span.startMs, span.endMs);
  for (const b of s.bargeIns) times.push(b.onsetMs, b.agentStoppedMs ?? Number.NaN);
  for (const t of s.turns)
    times.push(t.commitMs, t.endOfSpeechMs ?? Number.NaN, t.firstAudioMs ?? Number.NaN);
  const finite = times.filter(isNum);
  const start = Math.min(0, ...finite);
  const end = Math.max(start + 1000, ...finite);
  return { start, end };
}

function spanRect(span: SpeechSpan, x: (ms: number) => number): string {
  const isUser = span.who === 'user';
  const y = isUser ? TL.userY : TL.agentY;
  const x0 = x(Math.min(span.startMs, span.endMs));
  const w = Math.max(1.5, Math.abs(x(span.endMs) - x(span.startMs)));
  const classes = [isUser ? 'tl-user' : 'tl-agent'];
  if (span.cut !== undefined) classes.push('tl-cut', `tl-cut-${span.cut}`);
  const dur = span.endMs - span.startMs;
  const tip = `${isUser ? 'User' : 'Agent'} ${span.id}: ${fmtSeconds(span.startMs)} – ${fmtSeconds(span.endMs)} (${fmtMs(dur)})${span.cut === undefined ? '' : `, cut: ${span.cut}`}${span.text === undefined ? '' : `\n“${span.text}”`}`;
  let out = `<g><rect class="${classes.join(' ')}" x="${px(x0)}" y="${y}" width="${px(w)}" height="${TL.laneH}" rx="3">${title(tip)}</rect>`;
  const label = fitText(span.text ?? span.id, w - 8);
  if (label !== '') {
    out += `<text class="span-label" x="${px(x0 + 4)}" y="${y + TL.laneH / 2 + 4}">${esc(label)}</text>`;
  }
  if (span.cut !== undefined) {
    // A cut mark at the end of the span: a bar and a small ✕ above it.
    const xe = x0 + w;
    out += `<rect class="cut-mark cut-${span.cut}" x="${px(xe - 3)}" y="${y - 3}" width="3" height="${TL.laneH + 6}">${title(`cut: ${span.cut}`)}</rect>`;
  }
  return `${out}</g>`;
}

function bargeInMark(b: BargeIn, x: (ms: number) => number): string {
  const xo = x(b.onsetMs);
  const tip = `Barge-in ${b.stepId}${b.backchannel ? ' (backchannel)' : ''} at ${fmtSeconds(b.onsetMs)}: ${b.outcome}; agent stopped ${b.agentStoppedMs === null ? 'never' : `at ${fmtSeconds(b.agentStoppedMs)}`}, reaction ${fmtMs(b.reactionMs)}`;
  let out = `<g class="tl-bargein outcome-${b.outcome}">${title(tip)}`;
  out += `<line x1="${px(xo)}" x2="${px(xo)}" y1="${TL.markerY + 8}" y2="${TL.agentY + TL.laneH}" class="bargein-line"/>`;
  out += `<path d="M${px(xo - 5)} ${TL.markerY}L${px(xo + 5)} ${TL.markerY}L${px(xo)} ${TL.markerY + 9}Z" class="bargein-head"/>`;
  if (isNum(b.agentStoppedMs)) {
    const xs = x(b.agentStoppedMs);
    const yr = TL.agentY - 4;
    out += `<line x1="${px(xo)}" x2="${px(xs)}" y1="${yr}" y2="${yr}" class="reaction-line"/>`;
  }
  return `${out}</g>`;
}

function commitTick(
  t: TurnMetrics,
  x: (ms: number) => number,
  prevX: number,
): {
  svg: string;
  x: number;
} {
  const xc = x(t.commitMs);
  const tip = `Turn ${t.index} committed at ${fmtSeconds(t.commitMs)}${t.falseCutoff ? ' (false cut-off)' : ''}\n“${t.text}”`;
  const cls = t.falseCutoff ? 'tl-commit false-cutoff' : 'tl-commit';
  let svg = `<g class="${cls}">${title(tip)}<line x1="${px(xc)}" x2="${px(xc)}" y1="${TL.turnsY - 4}" y2="${TL.turnsY + 8}"/>`;
  // Labels would collide when commits are closer than ~22 px.
  const showLabel = xc - prevX >= 22;
  if (showLabel) {
    svg += `<text x="${px(xc)}" y="${TL.turnsY + 20}" text-anchor="middle">T${t.index}</text>`;
  }
  return { svg: `${svg}</g>`, x: showLabel ? xc : prevX };
}

function timeAxis(
  start: number,
  end: number,
  x: (ms: number) => number,
  y: number,
  gridTop: number,
): string {
  const step = niceStep(end - start, 10);
  const parts: string[] = [
    `<line class="axis" x1="${px(x(start))}" x2="${px(x(end))}" y1="${y}" y2="${y}"/>`,
  ];
  const first = Math.ceil(start / step) * step;
  for (let t = first, i = 0; t <= end + 1e-9 && i < 200; t = first + ++i * step) {
    const xt = x(t);
    parts.push(
      `<line class="grid" x1="${px(xt)}" x2="${px(xt)}" y1="${gridTop}" y2="${y}"/>`,
      `<line class="axis" x1="${px(xt)}" x2="${px(xt)}" y1="${y}" y2="${y + 4}"/>`,
      `<text class="tick" x="${px(xt)}" y="${y + 16}" text-anchor="middle">${esc(fmtSeconds(t))}</text>`,
    );
  }
  return parts.join('');
}

function renderTimeline(s: ScenarioResult): string {
  const { start, end } = timelineDomain(s);
  const plotW = TL.width - TL.left - TL.right;
  const pxPerMs = plotW / (end - start);
  const x = (ms: number): number => TL.left + (ms - start) * pxPerMs;
  const parts: string[] = [];
  parts.push(
    `<rect class="lane-bg" x="${TL.left}" y="${TL.userY}" width="${plotW}" height="${TL.laneH}"/>`,
    `<rect class="lane-bg" x="${TL.left}" y="${TL.agentY}" width="${plotW}" height="${TL.laneH}"/>`,
    `<text class="lane-label" x="${TL.left - 8}" y="${TL.userY + 19}" text-anchor="end">User</text>`,
    `<text class="lane-label" x="${TL.left - 8}" y="${TL.agentY + 19}" text-anchor="end">Agent</text>`,
    `<text class="lane-label" x="${TL.left - 8}" y="${TL.turnsY + 8}" text-anchor="end">Turns</text>`,
  );
  parts.push(timeAxis(start, end, x, TL.axisY, TL.userY));
  const spans = [...s.timeline].sort((a, b) => a.startMs - b.startMs);
  for (const span of spans) parts.push(spanRect(span, x));
  let prevX = Number.NEGATIVE_INFINITY;
  for (const t of [...s.turns].sort((a, b) => a.commitMs - b.commitMs)) {
    const tick = commitTick(t, x, prevX);
    prevX = tick.x;
    parts.push(tick.svg);
  }
  for (const b of s.bargeIns) parts.push(bargeInMark(b, x));
  const empty =
    s.timeline.length === 0
      ? `<text class="no-data" x="${TL.width / 2}" y="${TL.agentY + 4}" text-anchor="middle">no speech recorded</text>`
      : '';
  return `<svg class="plot timeline" data-plot="timeline" viewBox="0 0 ${TL.width} ${TL.height}" width="100%" role="img" aria-label="Speech timeline">${parts.join('')}${empty}</svg>
<div class="legend">
<span><i class="sw sw-user"></i>user speech</span>
<span><i class="sw sw-agent"></i>agent speech</span>
<span><i class="sw sw-cut-interrupted"></i>cut: interrupted</span>
<span><i class="sw sw-cut-paused"></i>cut: paused</span>
<span><i class="sw sw-bargein"></i>barge-in onset (red: interrupted, amber: resumed, grey: ignored)</span>
<span><i class="sw sw-commit"></i>turn commit</span>
</div>`;
}

// ---------------------------------------------------------------------------------------------
// Per-turn latency waterfall, aligned on the end of the user's speech

const WF = {
  width: 1000,
  labelW: 250,
  right: 170,
  top: 8,
  rowH: 28,
  barH: 16,
  axisH: 30,
} as const;

function renderWaterfall(s: ScenarioResult): string {
  if (s.turns.length === 0) {
    return `<svg class="plot waterfall" data-plot="waterfall" viewBox="0 0 ${WF.width} 40" width="100%" role="img" aria-label="Latency waterfall"><text class="no-data" x="${WF.width / 2}" y="24" text-anchor="middle">no turns</text></svg>`;
  }
  // Times relative to the end of speech (or to the commit when the end of speech is unknown).
  const rows = s.turns.map((t) => {
    const anchor = isNum(t.endOfSpeechMs) ? t.endOfSpeechMs : t.commitMs;
    return {
      t,
      commit: t.commitMs - anchor,
      audio: isNum(t.firstAudioMs) ? t.firstAudioMs - anchor : null,
      eosKnown: isNum(t.endOfSpeechMs),
    };
  });
  const values = [0];
  for (const r of rows) values.push(r.commit, r.audio ?? 0);
  const finite = values.filter(isNum);
  const step = niceStep(Math.max(1, Math.max(...finite) - Math.min(...finite)), 6);
  const lo = Math.floor(Math.min(...finite) / step) * step;
  const hi = Math.max(lo + step, Math.ceil(Math.max(...finite) / step) * step);
  const plotX0 = WF.labelW;
  const plotW = WF.width - WF.labelW - WF.right;
  const x = (ms: number): number => plotX0 + ((ms - lo) / (hi - lo)) * plotW;
  const height = WF.top + rows.length * WF.rowH + WF.axisH;
  const axisY = WF.top + rows.length * WF.rowH + 4;
  const parts: string[] = [];
  // Grid and axis (ms after the end of speech).
  parts.push(
    `<line class="axis" x1="${px(x(lo))}" x2="${px(x(hi))}" y1="${axisY}" y2="${axisY}"/>`,
  );
  for (let v = lo, i = 0; v <= hi + 1e-9 && i < 100; v = lo + ++i * step) {
    const xv = x(v);
    parts.push(
      `<line class="${v === 0 ? 'grid zero' : 'grid'}" x1="${px(xv)}" x2="${px(xv)}" y1="${WF.top}" y2="${axisY}"/>`,
      `<text class="tick" x="${px(xv)}" y="${axisY + 15}" text-anchor="middle">${esc(groupDigits(v))}</text>`,
    );
  }
  parts.push(
    `<text class="tick axis-title" x="${WF.labelW - 12}" y="${axisY + 15}" text-anchor="end">ms after end of speech</text>`,
  );
  rows.forEach((r, i) => {
    const y0 = WF.top + i * WF.rowH;
    const yb = y0 + (WF.rowH - WF.barH) / 2;
    const t = r.t;
    if (i % 2 === 1) {
      parts.push(`<rect class="row-bg" x="0" y="${y0}" width="${WF.width}" height="${WF.rowH}"/>`);
    }
    const labelText = `T${t.index}${t.stepId === null ? '' : ` · ${t.stepId}`}`;
    const quote = fitText(`“${t.text}”`, WF.labelW - 16 - labelText.length * 7.2);
    parts.push(
      `<text class="wf-label" x="8" y="${yb + 12}"><tspan class="wf-turn">${esc(labelText)}</tspan> <tspan class="wf-text">${esc(quote)}</tspan>${title(`Turn ${t.index}: “${t.text}”`)}</text>`,
    );
    const notes: string[] = [];
    let barEnd = x(0);
    if (r.eosKnown && isNum(t.endOfSpeechMs)) {
      const a = x(Math.min(0, r.commit));
      const w = Math.abs(x(r.commit) - x(0));
      const ms = t.endOfUtteranceDelayMs ?? r.commit;
      parts.push(
        `<rect class="wf-eou" x="${px(a)}" y="${yb}" width="${px(Math.max(1.5, w))}" height="${WF.barH}" rx="2">${title(`End-of-utterance delay (end of speech ${fmtSeconds(t.endOfSpeechMs)} → commit ${fmtSeconds(t.commitMs)}): ${fmtMs(ms)}`)}</rect>`,
      );
      if (w >= 52) {
        parts.push(
          `<text class="bar-label" x="${px(a + w / 2)}" y="${yb + 12}" text-anchor="middle">${esc(fmtMs(ms))}</text>`,
        );
      }
      barEnd = Math.max(barEnd, a + w);
    } else {
      notes.push('end of speech unknown: bar starts at the commit');
    }
    if (r.audio !== null && isNum(t.firstAudioMs)) {
      const a = x(Math.min(r.commit, r.audio));
      const w = Math.abs(x(r.audio) - x(r.commit));
      const ms = t.firstAudioMs - t.commitMs;
      parts.push(
        `<rect class="${r.eosKnown ? 'wf-reply' : 'wf-reply unanchored'}" x="${px(a)}" y="${yb}" width="${px(Math.max(1.5, w))}" height="${WF.barH}" rx="2">${title(`Commit ${fmtSeconds(t.commitMs)} → first audio ${fmtSeconds(t.firstAudioMs)}: ${fmtMs(ms)}`)}</rect>`,
      );
      if (w >= 52) {
        parts.push(
          `<text class="bar-label" x="${px(a + w / 2)}" y="${yb + 12}" text-anchor="middle">${esc(fmtMs(ms))}</text>`,
        );
      }
      barEnd = Math.max(barEnd, a + w);
    } else {
      notes.push('no reply audio');
    }
    if (isNum(t.voiceToVoiceMs)) notes.unshift(`v2v ${fmtMs(t.voiceToVoiceMs)}`);
    if (t.falseCutoff) notes.push('⚠ false cut-off');
    const noteCls = t.falseCutoff ? 'wf-note hot' : 'wf-note';
    parts.push(
      `<text class="${noteCls}" x="${px(barEnd + 6)}" y="${yb + 12}">${esc(notes.join(' · '))}</text>`,
    );
  });
  return `<svg class="plot waterfall" data-plot="waterfall" viewBox="0 0 ${WF.width} ${height}" width="100%" role="img" aria-label="Latency waterfall">${parts.join('')}</svg>
<div class="legend">
<span><i class="sw sw-eou"></i>end of speech → commit (end-of-utterance delay)</span>
<span><i class="sw sw-reply"></i>commit → first agent audio</span>
</div>`;
}

// ---------------------------------------------------------------------------------------------
// Histograms across the suite

const HIST = { width: 330, height: 190, left: 30, right: 14, top: 18, bottom: 40 } as const;

interface Bin {
  from: number;
  to: number;
  count: number;
}

/** Bins of a nice width (1, 2 or 5 × 10^k ms), about 8 of them; the last bin includes its end. */
export function histogramBins(values: readonly number[]): Bin[] {
  const sorted = sortedNumbers(values);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  if (min === undefined || max === undefined) return [];
  const step = Math.max(10, niceStep(max - min > 0 ? max - min : Math.abs(max) * 0.2, 8));
  const from = Math.floor(min / step) * step;
  const n = Math.max(1, Math.ceil((max - from) / step));
  const bins: Bin[] = [];
  for (let i = 0; i < n; i++)
    bins.push({ from: from + i * step, to: from + (i + 1) * step, count: 0 });
  for (const v of sorted) {
    const i = Math.min(n - 1, Math.max(0, Math.floor((v - from) / step)));
    const bin = bins[i];
    if (bin !== undefined) bin.count++;
  }
  return bins;
}

function renderHistogram(
  titleText: string,
  values: readonly (number | null)[],
  kind: string,
): string {
  const sorted = sortedNumbers(values);
  const head = `<figure class="hist"><figcaption><b>${esc(titleText)}</b>`;
  if (sorted.length === 0) {
    return `${head}<span class="dim hist-stats">n = 0</span></figcaption><svg class="plot histogram" data-plot="histogram" data-kind="${esc(kind)}" viewBox="0 0 ${HIST.width} ${HIST.height}" width="100%" role="img" aria-label="${esc(titleText)}: no data"><rect class="lane-bg" x="${HIST.left}" y="${HIST.top}" width="${HIST.width - HIST.left - HIST.right}" height="${HIST.height - HIST.top - HIST.bottom}"/><text class="no-data" x="${(HIST.width + HIST.left - HIST.right) / 2}" y="${(HIST.height + HIST.top - HIST.bottom) / 2 + 4}" text-anchor="middle">no data</text></svg></figure>`;
  }
  const bins = histogramBins(sorted);
  const stats = `n = ${sorted.length} · median ${fmtMs(median(sorted))} · p95 ${fmtMs(percentile(sorted, 95))} · max ${fmtMs(sorted[sorted.length - 1])}`;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const plotW = HIST.width - HIST.left - HIST.right;
  const plotH = HIST.height - HIST.top - HIST.bottom;
  const baseY = HIST.top + plotH;
  const binW = plotW / bins.length;
  const parts: string[] = [];
  // Y grid: counts.
  const yStep = Math.max(1, Math.ceil(niceStep(maxCount, 4)));
  for (let c = 0; c <= maxCount; c += yStep) {
    const y = baseY - (c / maxCount) * plotH;
    parts.push(
      `<line class="grid" x1="${HIST.left}" x2="${HIST.left + plotW}" y1="${px(y)}" y2="${px(y)}"/>`,
      `<text class="tick" x="${HIST.left - 6}" y="${px(y + 4)}" text-anchor="end">${c}</text>`,
    );
  }
  const labelEvery = Math.max(1, Math.ceil(40 / binW));
  bins.forEach((b, i) => {
    const h = (b.count / maxCount) * plotH;
    const xb = HIST.left + i * binW;
    const gap = Math.min(4, binW * 0.15);
    parts.push(
      `<rect class="hist-bar" data-count="${b.count}" x="${px(xb + gap / 2)}" y="${px(baseY - h)}" width="${px(binW - gap)}" height="${px(h)}">${title(`${groupDigits(b.from)}–${groupDigits(b.to)} ms: ${b.count}`)}</rect>`,
    );
    if (b.count > 0) {
      parts.push(
        `<text class="bar-count" x="${px(xb + binW / 2)}" y="${px(baseY - h - 4)}" text-anchor="middle">${b.count}</text>`,
      );
    }
    if (i % labelEvery === 0) {
      parts.push(
        `<text class="tick" x="${px(xb)}" y="${baseY + 14}" text-anchor="middle">${esc(groupDigits(b.from))}</text>`,
      );
    }
  });
  const last = bins[bins.length - 1];
  if (last !== undefined && bins.length % labelEvery === 0) {
    parts.push(
      `<text class="tick" x="${px(HIST.left + plotW)}" y="${baseY + 14}" text-anchor="middle">${esc(groupDigits(last.to))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${HIST.left}" x2="${HIST.left + plotW}" y1="${baseY}" y2="${baseY}"/>`,
    `<text class="tick axis-title" x="${HIST.left + plotW / 2}" y="${baseY + 32}" text-anchor="middle">ms</text>`,
  );
  return `${head}<span class="dim hist-stats">${esc(stats)}</span></figcaption><svg class="plot histogram" data-plot="histogram" data-kind="${esc(kind)}" viewBox="0 0 ${HIST.width} ${HIST.height}" width="100%" role="img" aria-label="${esc(titleText)}">${parts.join('')}</svg></figure>`;
}

function renderHistograms(result: EvalResult): string {
  const turns = result.scenarios.flatMap((s) => s.turns);
  const bargeIns = result.scenarios.flatMap((s) => s.bargeIns);
  return `<section><h2>Across the suite</h2><div class="hists">
${renderHistogram(
  'Voice-to-voice latency',
  turns.map((t) => t.voiceToVoiceMs),
  'voice-to-voice',
)}
${renderHistogram(
  'End-of-utterance delay',
  turns.map((t) => t.endOfUtteranceDelayMs),
  'end-of-utterance',
)}
${renderHistogram(
  'Barge-in reaction time',
  bargeIns.map((b) => b.reactionMs),
  'barge-in-reaction',
)}
</div></section>`;
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
