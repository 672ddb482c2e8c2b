/**
 * The eval report's SVG plots, drawn here with no library: a speech timeline and a per-turn
 * latency waterfall per scenario, and histograms across the suite. Times may be null.
 */

import { median, percentile } from './metrics.ts';
import type {
  BargeIn,
  EvalResult,
  ScenarioResult,
  SpeechSpan,
  TurnMetrics,
} from './metrics-types.ts';
import {
  esc,
  fitText,
  fmtMs,
  fmtSeconds,
  groupDigits,
  isNum,
  niceStep,
  px,
  title,
} from './report-format.ts';

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

export function renderTimeline(s: ScenarioResult): string {
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

export function renderWaterfall(s: ScenarioResult): string {
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
  const sorted = values.filter(isNum).sort((a, b) => a - b);
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
  const sorted = values.filter(isNum).sort((a, b) => a - b);
  const head = `<figure class="hist"><figcaption><b>${esc(titleText)}</b>`;
  if (sorted.length === 0) {
    return `${head}<span class="dim hist-stats">n = 0</span></figcaption><svg class="plot histogram" data-plot="histogram" data-kind="${esc(kind)}" viewBox="0 0 ${HIST.width} ${HIST.height}" width="100%" role="img" aria-label="${esc(titleText)}: no data"><rect class="lane-bg" x="${HIST.left}" y="${HIST.top}" width="${HIST.width - HIST.left - HIST.right}" height="${HIST.height - HIST.top - HIST.bottom}"/><text class="no-data" x="${(HIST.width + HIST.left - HIST.right) / 2}" y="${(HIST.height + HIST.top - HIST.bottom) / 2 + 4}" text-anchor="middle">no data</text></svg></figure>`;
  }
  const bins = histogramBins(sorted);
  const stats = `n = ${sorted.length} · median ${fmtMs(median(sorted))} · p95 ${fmtMs(percentile(sorted, 0.95))} · max ${fmtMs(sorted[sorted.length - 1])}`;
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

export function renderHistograms(result: EvalResult): string {
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
