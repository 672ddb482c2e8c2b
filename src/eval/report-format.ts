/** Formatting and escaping shared by the eval report's sections and plots. */
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

export const esc = escapeHtml;

export function isNum(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function groupDigits(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(Math.round(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1,220 ms`, or `—` for a missing value. */
export function fmtMs(v: number | null | undefined): string {
  return isNum(v) ? `${groupDigits(v)} ms` : '—';
}

export function fmtCount(v: number | null | undefined): string {
  return isNum(v) ? groupDigits(v) : '—';
}

/** Seconds with at most 3 decimals and no float noise: `12.5 s`. */
export function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** An SVG coordinate with at most one decimal. */
export function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** JSON of an expectation figure, never throwing. */
export function fmtValue(v: unknown): string {
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
export function fitText(text: string, widthPx: number, charPx = 6.1): string {
  const chars = Array.from(text);
  const max = Math.floor(widthPx / charPx);
  if (chars.length <= max) return text;
  if (max < 3) return '';
  return chars.slice(0, max - 1).join('') + '…';
}

/** A tick step of 1, 2 or 5 × 10^k so that `range` holds about `count` steps. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0) || !Number.isFinite(range)) return 1;
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * mag;
}

export function scenarioAnchor(index: number): string {
  return `scenario-${index + 1}`;
}

export function title(text: string): string {
  return `<title>${esc(text)}</title>`;
}
