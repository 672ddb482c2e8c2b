/**
 * voicechart inspector: the session statechart with its active states, the events, a speech
 * timeline and each turn's latency waterfall, live over /ws or from a recorded JSONL log
 * (Stately wire format, see src/inspect/stately.ts). Plain ES module, no dependencies, nothing
 * loaded from elsewhere; data only ever reaches the page as text (textContent), never as markup.
 */

/** Rows kept in the event list; older matches are summarized in one line. */
const MAX_ROWS = 800;
/** Longest JSON shown in the details pane. */
const DETAILS_MAX_CHARS = 60_000;
/** Time stamps above this are epoch ms (a foreign producer), not session ms. */
const EPOCH_MS = 1e11;

// ---------------------------------------------------------------------------------------------
// Helpers

/** @param {unknown} v @returns {number | null} */
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** @param {unknown} v @returns {v is Record<string, any>} */
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Creates an element. Strings among the children become text nodes; `text` sets textContent.
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = String(v);
    else if (k === 'style') Object.assign(node.style, v);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = String(dv);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** @param {number | null} ms */
function fmtMs(ms) {
  if (ms === null) return '–';
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
}

/** Session time. @param {number | null} ms */
function fmtClock(ms) {
  if (ms === null) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}:${((ms - m * 60_000) / 1000).toFixed(3).padStart(6, '0')}`;
}

/** Tick spacing giving at most `maxTicks` ticks over `span` ms. */
function niceStep(span, maxTicks) {
  const steps = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000];
  for (const s of [...steps, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000]) {
    if (span / s <= maxTicks) return s;
  }
  return 3_600_000 * Math.ceil(span / maxTicks / 3_600_000);
}

/** @param {number} v @param {number} lo @param {number} hi */
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** Compact one-line JSON, cut to `max` characters. */
function compact(value, max = 140) {
  let s;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Like {@link compact}, but stops walking once `max` characters are written (big inputs). */
function preview(value, max = 140) {
  let out = '';
  const walk = (v, depth) => {
    if (out.length > max) return;
    if (v === null || typeof v !== 'object') {
      out +=
        typeof v === 'string' ? JSON.stringify(v.length > max ? v.slice(0, max) : v) : String(v);
      return;
    }
    if (depth > 6) {
      out += Array.isArray(v) ? '[…]' : '{…}';
      return;
    }
    if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && out.length <= max; i++) {
        if (i > 0) out += ',';
        walk(v[i], depth + 1);
      }
      out += ']';
      return;
    }
    out += '{';
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (out.length > max) break;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(k)}:`;
      walk(x, depth + 1);
    }
    out += '}';
  };
  walk(value, 0);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** Colour family of an event type. @param {string} type */
function family(type) {
  const head = type.split('.')[0] ?? '';
  if (head === 'vad') return 'vad';
  if (head === 'stt' || head === 'eot') return 'stt';
  if (head === 'llm' || head === 'gen') return 'llm';
  if (head === 'tts' || head === 'playout' || head === 'speech') return 'speech';
  if (head === 'tool') return 'tool';
  if (head === 'session') return 'cmd';
  if (head === 'xstate') return 'sys';
  if (type === 'state') return 'state';
  if (type === 'actor') return 'actor';
  return 'misc';
}

/** A state value as text: `user: silent · agent: SPEAKING.playing · generation: idle`. */
function valueText(value, top = true) {
  if (typeof value === 'string') return value;
  if (!isObj(value)) return value === undefined ? '' : compact(value, 80);
  const keys = Object.keys(value);
  if (top) {
    // Regions in the chart's order (logs sort keys alphabetically).
    const order = state.graph ? state.graph.children.map((c) => c.key) : [];
    const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
    keys.sort((a, b) => rank(a) - rank(b));
    return keys.map((k) => `${k}: ${valueText(value[k], false)}`).join(' · ');
  }
  if (keys.length === 1) {
    const [k] = keys;
    const sub = valueText(value[k], false);
    return sub ? `${k}.${sub}` : k;
  }
  return `{${keys.map((k) => `${k}.${valueText(value[k], false)}`).join(', ')}}`;
}

/** First key of a compound state's value (`{SPEAKING: 'playing'}` → SPEAKING). */
function topKey(value) {
  if (typeof value === 'string') return value;
  if (isObj(value)) return Object.keys(value)[0] ?? null;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Event store: a stream of Stately inspection events, split into sessions (a new root actor
// starts a new session), with per-event metadata computed once.

/**
 * @typedef {{kind: 'event' | 'state' | 'snapshot' | 'actor' | 'other', type: string,
 *   actors: string[], source: string | null, target: string | null, root: boolean,
 *   t: number | null, tm: number, changed?: string[]}} Meta
 */

class Session {
  /** @param {number} n */
  constructor(n) {
    this.n = n;
    /** @type {any[]} */
    this.events = [];
    /** @type {Meta[]} */
    this.meta = [];
    /** @type {Map<string, string>} sessionId → actor name */
    this.names = new Map();
    /** @type {string | null} */
    this.rootId = null;
    /** @type {string | null} */
    this.definition = null;
    this.prevRootValue = '';
    /** @type {Map<string, string>} */
    this.prevRegions = new Map();
    this.tmax = 0;
    /** @type {number | null} */
    this.epochBase = null;
  }

  /** Best session time of an event: its own `at`, the machine's `now`, else when it was sent. */
  timeOf(e) {
    if (e.type === '@xstate.event' && isObj(e.event)) {
      const at = num(e.event.at);
      if (at !== null) return at;
    }
    if (e.type === '@xstate.snapshot' && isObj(e.snapshot) && isObj(e.snapshot.context)) {
      const now = num(e.snapshot.context.now);
      if (now !== null) return now;
    }
    const created = Number(e.createdAt);
    if (typeof e.createdAt !== 'string' && typeof e.createdAt !== 'number') return null;
    if (!Number.isFinite(created)) return null;
    if (created > EPOCH_MS) {
      this.epochBase ??= created;
      return created - this.epochBase;
    }
    return created;
  }

  push(e) {
    const name = (id) => (typeof id === 'string' ? (this.names.get(id) ?? id) : null);
    const t = this.timeOf(e);
    if (t !== null) this.tmax = Math.max(this.tmax, t);
    /** @type {Meta} */
    let m;
    if (e.type === '@xstate.actor') {
      const n = typeof e.name === 'string' ? e.name : String(e.sessionId ?? '?');
      if (typeof e.sessionId === 'string') this.names.set(e.sessionId, n);
      if (!e.parentId && this.rootId === null && typeof e.sessionId === 'string') {
        this.rootId = e.sessionId;
        if (typeof e.definition === 'string') this.definition = e.definition;
      }
      const parent = name(e.parentId);
      m = { kind: 'actor', type: 'actor', actors: [n], source: parent, target: n, root: false };
    } else if (e.type === '@xstate.snapshot') {
      const snap = isObj(e.snapshot) ? e.snapshot : {};
      if (this.rootId === null && isObj(snap.value) && typeof e.sessionId === 'string') {
        this.rootId = e.sessionId;
      }
      const root = e.sessionId === this.rootId;
      let kind = /** @type {Meta['kind']} */ ('snapshot');
      /** @type {string[]} */
      let changed = [];
      if (root) {
        const v = compact(snap.value ?? null, 100_000);
        if (v !== this.prevRootValue) kind = 'state';
        this.prevRootValue = v;
        // Which regions moved, for a short line in the list.
        const regions = isObj(snap.value) ? snap.value : { '': snap.value };
        const next = new Map(Object.entries(regions).map(([k, r]) => [k, compact(r, 100_000)]));
        changed = [...next.keys()].filter((k) => this.prevRegions.get(k) !== next.get(k));
        this.prevRegions = next;
      }
      const n = name(e.sessionId) ?? '?';
      m = {
        kind,
        type: root ? 'state' : 'snapshot',
        actors: [n],
        source: null,
        target: n,
        root,
        changed,
      };
    } else if (e.type === '@xstate.event') {
      const ev = isObj(e.event) ? e.event : {};
      const type = typeof ev.type === 'string' ? ev.type : '(no type)';
      const source = name(e.sourceId);
      const target = name(e.sessionId);
      const actors = [source, target].filter((a) => a !== null);
      const root = e.sessionId === this.rootId;
      m = { kind: 'event', type, actors, source, target, root };
    } else {
      const type = typeof e.type === 'string' ? e.type : '(unknown)';
      m = { kind: 'other', type, actors: [], source: null, target: null, root: false };
    }
    m.t = t;
    m.tm = this.tmax;
    this.events.push(e);
    this.meta.push(m);
  }

  /** Index of the last event at or before session time `ms`. */
  indexAt(ms) {
    let lo = 0;
    let hi = this.meta.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.meta[mid].tm <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

class Stream {
  constructor() {
    /** @type {Session[]} */
    this.sessions = [];
    /** Lines or messages that were not inspection events. */
    this.bad = 0;
  }

  add(e) {
    if (!isObj(e) || typeof e.type !== 'string') {
      this.bad++;
      return;
    }
    let s = this.sessions.at(-1);
    const newRoot = e.type === '@xstate.actor' && !e.parentId;
    if (!s || (newRoot && s.rootId !== null)) {
      s = new Session(this.sessions.length + 1);
      this.sessions.push(s);
    }
    s.push(e);
  }

  /** Parses JSONL (or a JSON array) into a stream. */
  static fromText(text) {
    const stream = new Stream();
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[')) {
      try {
        for (const e of JSON.parse(trimmed)) stream.add(e);
        return stream;
      } catch {
        // Not one JSON array: read it line by line.
      }
    }
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      try {
        stream.add(JSON.parse(line));
      } catch {
        stream.bad++;
      }
    }
    return stream;
  }
}

// ---------------------------------------------------------------------------------------------
// Model: what the session looked like after event `pos` (active states, speech spans, turns).
// Fed in order; moving back rebuilds it from the start.

class Model {
  /** @param {Session} session */
  constructor(session) {
    this.session = session;
    this.pos = -1;
    this.now = 0;
    /** Root state value; null before the first root snapshot. */
    this.value = null;
    /** @type {string | null} */
    this.status = null;
    this.snapshotIndex = -1;
    /** @type {{start: number, end: number | null, text: string}[]} */
    this.userSpans = [];
    /** @type {Map<string, {id: string, start: number, end: number | null, cut: boolean, turn: number}>} */
    this.segments = new Map();
    /** @type {Map<string, string>} segment → text sent to it */
    this.segmentText = new Map();
    /** @type {any[]} */
    this.turns = [];
    /** @type {Map<string, number>} generation → first delta */
    this.genFirst = new Map();
    /** @type {Map<string, number>} generation → request time */
    this.genRequested = new Map();
    /** @type {number | null} */
    this.pendingEos = null;
    /** @type {string[]} */
    this.pendingText = [];
    /** @type {string | null} */
    this.pendingCommand = null;
    /** @type {string | null} */
    this.agentTop = null;
  }

  /** Applies events up to and including `pos`. */
  advanceTo(pos) {
    const { events, meta } = this.session;
    for (let i = this.pos + 1; i <= pos && i < events.length; i++) this.feed(events[i], meta[i], i);
  }

  /** @param {any} e @param {Meta} m @param {number} i */
  feed(e, m, i) {
    this.pos = i;
    this.now = Math.max(this.now, m.tm);
    if (e.type === '@xstate.snapshot' && m.root) {
      this.onRootSnapshot(isObj(e.snapshot) ? e.snapshot : {}, m, i);
      return;
    }
    if (e.type !== '@xstate.event' || !isObj(e.event)) return;
    const ev = e.event;
    if (
      m.type === 'speech.text' &&
      m.target?.startsWith('segment-') &&
      typeof ev.text === 'string'
    ) {
      const redacted = ev.text.startsWith('[redacted');
      const prev = this.segmentText.get(m.target) ?? '';
      this.segmentText.set(m.target, redacted ? '[redacted]' : prev + ev.text);
      return;
    }
    if (!m.root) return;
    const at = num(ev.at) ?? m.t ?? this.now;
    const turn = this.turns.at(-1);
    switch (m.type) {
      case 'vad.speechStarted':
        this.userSpans.push({ start: num(ev.startedAt) ?? at, end: null, text: '' });
        break;
      case 'vad.speechEnded': {
        const end = num(ev.endedAt) ?? at;
        const open = this.userSpans.at(-1);
        if (open && open.end === null) open.end = Math.max(open.start, end);
        else this.userSpans.push({ start: end, end, text: '' });
        this.pendingEos = end;
        break;
      }
      case 'stt.final':
        if (typeof ev.text === 'string' && ev.text.trim()) {
          this.pendingText.push(ev.text.trim());
          const span = this.userSpans.at(-1);
          if (span) span.text = span.text ? `${span.text} ${ev.text.trim()}` : ev.text.trim();
        }
        break;
      case 'session.say':
      case 'session.generateReply':
        this.pendingCommand = m.type === 'session.say' ? 'say' : 'generateReply';
        if (typeof ev.text === 'string') this.pendingText.push(`(say) ${ev.text}`);
        break;
      case 'llm.delta':
        if (typeof ev.generationId === 'string') {
          if (!this.genFirst.has(ev.generationId)) this.genFirst.set(ev.generationId, at);
          if (turn && turn.firstDeltaGen === null) turn.firstDeltaGen = ev.generationId;
        }
        break;
      case 'tts.firstAudio':
        if (turn && turn.firstAudio === null) turn.firstAudio = at;
        break;
      case 'playout.started':
        if (typeof ev.segmentId === 'string' && !this.segments.has(ev.segmentId)) {
          this.segments.set(ev.segmentId, {
            id: ev.segmentId,
            start: at,
            end: null,
            cut: false,
            turn: turn ? turn.n : 0,
          });
          if (turn) turn.segments.push(ev.segmentId);
        }
        break;
      case 'playout.finished': {
        const seg = typeof ev.segmentId === 'string' ? this.segments.get(ev.segmentId) : undefined;
        if (seg && seg.end === null) {
          seg.end = Math.max(seg.start, at);
          seg.cut = ev.interrupted === true;
        }
        break;
      }
      default:
        break;
    }
  }

  onRootSnapshot(snap, m, i) {
    if (snap.value !== undefined) this.value = snap.value;
    if (typeof snap.status === 'string') this.status = snap.status;
    this.snapshotIndex = i;
    const ctx = isObj(snap.context) ? snap.context : {};
    const gen = isObj(ctx.generation) ? ctx.generation : null;
    if (gen && typeof gen.id === 'string' && !this.genRequested.has(gen.id)) {
      const req = num(gen.requestedAt);
      if (req !== null) this.genRequested.set(gen.id, req);
    }
    const top = isObj(this.value) ? topKey(this.value.agent) : null;
    if (top === 'THINKING' && this.agentTop !== 'THINKING') this.commitTurn(ctx, gen, m, i);
    this.agentTop = top;
  }

  commitTurn(ctx, gen, m, i) {
    const prev = this.turns.at(-1);
    const fallback = num(ctx.now) ?? m.t ?? this.now;
    let commit = num(isObj(ctx.reply) ? ctx.reply.committedAt : null) ?? fallback;
    if (prev && commit < prev.commit) commit = fallback;
    const heardUser = this.pendingText.some((t) => !t.startsWith('(say)'));
    this.turns.push({
      n: this.turns.length + 1,
      index: i,
      eos: this.pendingCommand && !heardUser ? null : this.pendingEos,
      commit,
      genId: gen && typeof gen.id === 'string' ? gen.id : null,
      text: this.pendingText.join(' '),
      command: this.pendingCommand,
      firstDeltaGen: null,
      firstAudio: null,
      segments: [],
    });
    this.pendingEos = null;
    this.pendingText = [];
    this.pendingCommand = null;
  }

  /** Turns with their milestones resolved (times in session ms, null when not reached). */
  resolvedTurns() {
    return this.turns.map((t) => {
      const gen = t.genId && this.genFirst.has(t.genId) ? t.genId : t.firstDeltaGen;
      const firstToken = gen ? (this.genFirst.get(gen) ?? null) : null;
      let llmStart = gen ? (this.genRequested.get(gen) ?? null) : null;
      if (llmStart === null || firstToken === null || llmStart > firstToken) {
        llmStart = firstToken !== null && t.commit <= firstToken ? t.commit : firstToken;
      }
      const segs = t.segments.map((id) => this.segments.get(id)).filter((s) => s !== undefined);
      const open = segs.some((s) => s.end === null);
      return {
        ...t,
        gen,
        firstToken,
        llmStart,
        speculative: firstToken !== null && firstToken < t.commit,
        playStart: segs.length > 0 ? segs[0].start : null,
        playEnd: segs.length > 0 && !open ? Math.max(...segs.map((s) => s.end ?? 0)) : null,
        open,
        cut: segs.some((s) => s.cut),
      };
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The statechart graph (/machine.json, or the root actor's definition as a fallback)

/**
 * @typedef {{id: string, key: string, type: string, initial?: string, description?: string,
 *   children: GraphNode[], transitions: {event: string, targets: string[], guard?: string}[]}} GraphNode
 */

/** Builds a graph from an XState config (the `definition` of a root actor event). */
function graphFromConfig(cfg, id, key) {
  const states = isObj(cfg.states) ? cfg.states : {};
  const keys = Object.keys(states);
  const type =
    cfg.type === 'parallel' || cfg.type === 'final' || cfg.type === 'history'
      ? cfg.type
      : keys.length > 0
        ? 'compound'
        : 'atomic';
  const parentId = id.includes('.') ? id.slice(0, id.lastIndexOf('.')) : id;
  const resolve = (target) => {
    if (typeof target !== 'string') return null;
    if (target.startsWith('#')) return target.slice(1);
    if (target.startsWith('.')) return id + target;
    return `${parentId}.${target}`;
  };
  const transitions = [];
  const add = (event, spec) => {
    for (const t of Array.isArray(spec) ? spec : [spec]) {
      const obj = typeof t === 'string' ? { target: t } : isObj(t) ? t : {};
      const targets = (Array.isArray(obj.target) ? obj.target : [obj.target])
        .map(resolve)
        .filter((x) => x !== null);
      const guard = typeof obj.guard === 'string' ? obj.guard : obj.guard?.type;
      transitions.push({ event, targets, ...(guard ? { guard: String(guard) } : {}) });
    }
  };
  if (isObj(cfg.on)) for (const [event, spec] of Object.entries(cfg.on)) add(event, spec);
  if (isObj(cfg.after))
    for (const [delay, spec] of Object.entries(cfg.after)) add(`after ${delay}`, spec);
  if (cfg.always) add('always', cfg.always);
  return {
    id,
    key,
    type,
    ...(type === 'compound'
      ? { initial: typeof cfg.initial === 'string' ? cfg.initial : keys[0] }
      : {}),
    children: keys.map((k) => graphFromConfig(isObj(states[k]) ? states[k] : {}, `${id}.${k}`, k)),
    transitions,
  };
}

/** @param {any} node @returns {node is GraphNode} */
function isGraphNode(node) {
  return isObj(node) && typeof node.key === 'string' && Array.isArray(node.children);
}

/** Active state paths of a value, e.g. {agent: {SPEAKING: 'playing'}} → session.agent, … */
function activePaths(value, prefix, out = new Set([prefix])) {
  if (typeof value === 'string') out.add(`${prefix}.${value}`);
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      out.add(`${prefix}.${k}`);
      activePaths(v, `${prefix}.${k}`, out);
    }
  }
  return out;
}

/** The machine's initial configuration. @param {GraphNode} node */
function initialPaths(node, path, out = new Set()) {
  out.add(path);
  if (node.type === 'parallel')
    for (const c of node.children) initialPaths(c, `${path}.${c.key}`, out);
  else if (node.children.length > 0) {
    const c = node.children.find((k) => k.key === node.initial) ?? node.children[0];
    initialPaths(c, `${path}.${c.key}`, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Page state

const ui = {
  chart: $('chart'),
  chartCaption: $('chart-caption'),
  stateInfo: $('state-info'),
  source: $('source'),
  sessionPick: $('session-pick'),
  sessionSelect: /** @type {HTMLSelectElement} */ ($('session-select')),
  liveButton: $('live-button'),
  fileInput: /** @type {HTMLInputElement} */ ($('file-input')),
  scrubber: /** @type {HTMLInputElement} */ ($('scrubber')),
  scrubLabel: $('scrub-label'),
  timeline: $('timeline'),
  waterfall: $('waterfall'),
  events: $('events'),
  eventsCount: $('events-count'),
  actorFilter: /** @type {HTMLSelectElement} */ ($('actor-filter')),
  typeFilter: /** @type {HTMLInputElement} */ ($('type-filter')),
  details: $('details'),
  detailsTitle: $('details-title'),
  detailsBody: $('details-body'),
  drop: $('drop-overlay'),
};

const state = {
  /** @type {GraphNode | null} */
  graph: null,
  graphSource: '',
  rootPath: 'session',
  /** @type {Map<string, HTMLElement>} state path → element */
  stateEls: new Map(),
  /** @type {Map<string, HTMLElement>} state id → element */
  stateById: new Map(),
  /** @type {Map<string, GraphNode>} state path → node */
  nodes: new Map(),
  /** @type {string | null} */
  selectedState: null,
  /** @type {string | null} */
  hoveredState: null,
  live: new Stream(),
  liveStatus: 'connecting',
  liveReceived: 0,
  /** @type {{stream: Stream, name: string} | null} */
  log: null,
  sessionIndex: 0,
  followSession: true,
  /** Position: index of the last event shown; follows new events when at the end. */
  pos: -1,
  follow: true,
  /** @type {Model | null} */
  model: null,
  /** @type {number | null} */
  selectedEvent: null,
  list: { session: /** @type {Session | null} */ (null), sig: '', last: -1, shown: 0, hidden: 0 },
  actorNamesKey: '',
  frame: 0,
  /** What the timeline and the waterfall were last drawn for (they scale with the page). */
  drawn: { session: /** @type {Session | null} */ (null), pos: -2, events: -1 },
};

/** The stream on view: the opened log, else the live one. */
const stream = () => state.log?.stream ?? state.live;

function currentSession() {
  const sessions = stream().sessions;
  if (sessions.length === 0) return null;
  if (state.followSession) state.sessionIndex = sessions.length - 1;
  state.sessionIndex = clamp(state.sessionIndex, 0, sessions.length - 1);
  return sessions[state.sessionIndex];
}

function invalidate() {
  if (state.frame) return;
  state.frame = requestAnimationFrame(() => {
    state.frame = 0;
    render();
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering: statechart

/** @param {GraphNode} graph @param {string} source */
function setGraph(graph, source) {
  state.graph = graph;
  state.graphSource = source;
  state.rootPath = graph.id || graph.key;
  state.stateEls = new Map();
  state.stateById = new Map();
  state.nodes = new Map();
  ui.chart.replaceChildren(renderState(graph, state.rootPath, null));
  renderStateInfo();
}

function transitionLines(node) {
  return node.transitions.map((t) => {
    const to = t.targets.length ? t.targets.map(shortId).join(', ') : '(stays)';
    return `${t.event} → ${to}${t.guard ? ` [${t.guard}]` : ''}`;
  });
}

/** `session.agent.LISTENING.userSpeaking` → `agent.LISTENING.userSpeaking`. */
function shortId(id) {
  const root = `${state.rootPath}.`;
  return id.startsWith(root) ? id.slice(root.length) : id;
}

/** @param {GraphNode} node @param {string} path @param {GraphNode | null} parent */
function renderState(node, path, parent) {
  const leaf = node.children.length === 0;
  const classes = ['state', leaf ? 'leaf' : 'box', `t-${node.type}`];
  if (parent?.type === 'compound' && parent.initial === node.key) classes.push('initial');
  if (parent?.type === 'parallel') classes.push('region');
  const tip = [node.id, node.description ?? '', ...transitionLines(node)]
    .filter(Boolean)
    .join('\n');
  const box = el('div', {
    class: classes.join(' '),
    data: { stateId: node.id || path, statePath: path },
    title: tip,
  });
  const label = el(
    'div',
    { class: 'state-label' },
    el('span', { class: 'state-name', text: node.key }),
    node.type === 'parallel' ? el('span', { class: 'badge', text: 'parallel' }) : null,
    node.type === 'final' ? el('span', { class: 'badge', text: 'final' }) : null,
  );
  box.append(label);
  if (!leaf) {
    const kids = el('div', { class: node.type === 'parallel' ? 'kids regions' : 'kids substates' });
    const leaves = node.children.filter((c) => c.children.length === 0);
    const boxes = node.children.filter((c) => c.children.length > 0);
    if (node.type !== 'parallel' && leaves.length > 0) {
      const col = el('div', { class: 'leafcol' });
      for (const c of leaves) col.append(renderState(c, `${path}.${c.key}`, node));
      kids.append(col);
      for (const c of boxes) kids.append(renderState(c, `${path}.${c.key}`, node));
    } else {
      for (const c of node.children) kids.append(renderState(c, `${path}.${c.key}`, node));
    }
    box.append(kids);
  }
  box.addEventListener('click', (ev) => {
    ev.stopPropagation();
    state.selectedState = state.selectedState === path ? null : path;
    renderStateInfo();
  });
  box.addEventListener('mouseover', (ev) => {
    ev.stopPropagation();
    if (state.hoveredState !== path) {
      state.hoveredState = path;
      renderStateInfo();
    }
  });
  state.stateEls.set(path, box);
  state.stateById.set(node.id || path, box);
  state.nodes.set(path, node);
  return box;
}

function renderStateInfo() {
  for (const e of ui.chart.querySelectorAll('.selected, .target')) {
    e.classList.remove('selected', 'target');
  }
  const path = state.selectedState ?? state.hoveredState;
  const node = path ? state.nodes.get(path) : undefined;
  if (!path || !node) {
    ui.stateInfo.replaceChildren(
      el('span', {
        class: 'hint',
        text: 'Point at a state to list its transitions; click to keep it. Active states are highlighted.',
      }),
    );
    return;
  }
  if (state.selectedState === path) state.stateEls.get(path)?.classList.add('selected');
  const items = node.transitions.map((t) => {
    for (const target of t.targets) state.stateById.get(target)?.classList.add('target');
    return el(
      'li',
      {},
      el('code', { class: 'tr-event', text: t.event }),
      ' → ',
      el('span', {
        class: 'tr-target',
        text: t.targets.length ? t.targets.map(shortId).join(', ') : '(stays)',
      }),
      t.guard ? el('span', { class: 'tr-guard', text: ` [${t.guard}]` }) : null,
    );
  });
  const parts = [
    el(
      'div',
      { class: 'si-head' },
      el('strong', { text: node.id || path }),
      el('span', {
        class: 'caption',
        text: ` ${node.type}${node.initial ? `, initial ${node.initial}` : ''}`,
      }),
      state.selectedState === path
        ? el('span', { class: 'caption', text: ' · pinned (click again to release)' })
        : null,
    ),
    node.description ? el('div', { class: 'si-desc', text: node.description }) : null,
    items.length
      ? el('ul', { class: 'si-list' }, ...items)
      : el('div', { class: 'caption', text: 'no transitions of its own' }),
  ];
  ui.stateInfo.replaceChildren(...parts.filter((p) => p !== null));
}

function renderActive(model) {
  let active = new Set();
  let caption = 'waiting for a session…';
  if (state.graph && model) {
    if (model.value !== null) {
      active = activePaths(model.value, state.rootPath);
      caption = valueText(model.value);
      if (model.status && model.status !== 'active') caption += ` (${model.status})`;
    } else {
      active = initialPaths(state.graph, state.rootPath);
      caption = 'initial state (no snapshot yet)';
    }
  } else if (!state.graph) {
    caption = 'no statechart: /machine.json unavailable';
  }
  for (const [path, element] of state.stateEls) {
    const on = active.has(path);
    if (element.classList.contains('active') !== on) element.classList.toggle('active', on);
  }
  ui.chartCaption.textContent = caption;
}

// ---------------------------------------------------------------------------------------------
// Rendering: event list

function filterSettings() {
  const kinds = new Set(
    [...document.querySelectorAll('.kinds input:checked')].map(
      (i) => /** @type {HTMLElement} */ (i).dataset.kind,
    ),
  );
  if (kinds.has('event')) kinds.add('other');
  const terms = ui.typeFilter.value
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  const include = terms.filter((t) => !t.startsWith('-'));
  const exclude = terms.filter((t) => t.startsWith('-') && t.length > 1).map((t) => t.slice(1));
  const actor = ui.actorFilter.value;
  return {
    kinds,
    include,
    exclude,
    actor,
    sig: [...kinds].sort().join() + '|' + terms.join() + '|' + actor,
  };
}

const FAMILIES = {
  'family:llm': /^(spec|gen)-/,
  'family:segment': /^segment-/,
  'family:tool': /^tool-/,
};

/** @param {Meta} m @param {ReturnType<typeof filterSettings>} f */
function matches(m, f) {
  if (!f.kinds.has(m.kind)) return false;
  if (f.actor) {
    const re = FAMILIES[/** @type {keyof typeof FAMILIES} */ (f.actor)];
    const name = f.actor.slice(5);
    if (!m.actors.some((a) => (re ? re.test(a) : a === name))) return false;
  }
  const type = m.type.toLowerCase();
  if (f.include.length > 0 && !f.include.some((t) => type.includes(t))) return false;
  return !f.exclude.some((t) => type.includes(t));
}

function updateActorOptions(session) {
  const names = session ? [...new Set(session.names.values())] : [];
  const key = names.join('|');
  if (key === state.actorNamesKey) return;
  state.actorNamesKey = key;
  const chosen = ui.actorFilter.value;
  const fixed = names.filter((n) => !Object.values(FAMILIES).some((re) => re.test(n)));
  const dynamic = names.filter((n) => Object.values(FAMILIES).some((re) => re.test(n)));
  const options = [el('option', { value: '', text: 'all actors' })];
  for (const n of fixed) options.push(el('option', { value: `name:${n}`, text: n }));
  const fams = [
    ['family:llm', 'LLM generations (spec-*, gen-*)'],
    ['family:segment', 'speech segments (segment-*)'],
    ['family:tool', 'tools (tool-*)'],
  ];
  for (const [value, text] of fams) {
    const re = FAMILIES[/** @type {keyof typeof FAMILIES} */ (value)];
    if (dynamic.some((n) => re.test(n))) options.push(el('option', { value, text }));
  }
  if (dynamic.length > 0) {
    const group = el('optgroup', { label: 'each' });
    for (const n of dynamic) group.append(el('option', { value: `name:${n}`, text: n }));
    options.push(group);
  }
  ui.actorFilter.replaceChildren(...options);
  ui.actorFilter.value = chosen;
  if (ui.actorFilter.value !== chosen) {
    // The chosen actor is not in this session: keep it as an option rather than drop the filter.
    ui.actorFilter.append(el('option', { value: chosen, text: chosen.replace(/^\w+:/, '') }));
    ui.actorFilter.value = chosen;
  }
}

function eventSummary(ev) {
  const parts = [];
  if (typeof ev.text === 'string') parts.push(`“${ev.text}”`);
  for (const key of ['generationId', 'segmentId', 'callId', 'requestId']) {
    if (typeof ev[key] === 'string' || typeof ev[key] === 'number')
      parts.push(`${key.replace(/Id$/, '')} ${ev[key]}`);
  }
  for (const key of ['startedAt', 'endedAt', 'stoppedAt', 'resumedAt']) {
    if (num(ev[key]) !== null) parts.push(`${key} ${fmtClock(ev[key])}`);
  }
  if (num(ev.probability) !== null) parts.push(`p=${ev.probability.toFixed(3)}`);
  if (num(ev.positionMs) !== null) parts.push(`at ${fmtMs(ev.positionMs)}`);
  if (ev.interrupted === true) parts.push('interrupted');
  if (ev.isError === true) parts.push('error');
  if (isObj(ev.call))
    parts.push(
      `${ev.call.name ?? '?'}(${typeof ev.call.arguments === 'string' ? ev.call.arguments : ''})`,
    );
  if (typeof ev.output === 'string') parts.push(`→ ${ev.output}`);
  if (typeof ev.message === 'string') parts.push(ev.message);
  if (parts.length > 0) return parts.join(' · ');
  const rest = { ...ev };
  delete rest.type;
  delete rest.at;
  return Object.keys(rest).length > 0 ? preview(rest) : '';
}

/** @param {any} e @param {Meta} m @param {Session} s */
function summary(e, m, s) {
  if (m.kind === 'actor') {
    const status =
      isObj(e.snapshot) && typeof e.snapshot.status === 'string' ? e.snapshot.status : '';
    return `${m.source ? `spawned by ${m.source}` : 'root actor started'}${status && status !== 'active' ? ` (${status})` : ''}`;
  }
  if (e.type === '@xstate.snapshot') {
    const snap = isObj(e.snapshot) ? e.snapshot : {};
    if (m.root) {
      if (!isObj(snap.value) || !m.changed?.length) return valueText(snap.value);
      const v = /** @type {Record<string, unknown>} */ (snap.value);
      return m.changed.map((k) => `${k}: ${valueText(v[k], false)}`).join(' · ');
    }
    return typeof snap.status === 'string' ? snap.status : '';
  }
  if (m.kind === 'event') return isObj(e.event) ? eventSummary(e.event) : '';
  void s;
  return preview(e);
}

function actorText(m) {
  if (m.kind !== 'event') return m.actors[0] ?? '';
  if (m.root) return m.source && m.source !== m.target ? m.source : (m.target ?? '');
  return `${m.source ?? '?'} → ${m.target ?? '?'}`;
}

/** @param {Session} s @param {number} i */
function eventRow(s, i) {
  const e = s.events[i];
  const m = s.meta[i];
  const sum = summary(e, m, s);
  const actor = actorText(m);
  return el(
    'div',
    {
      class: `ev k-${m.kind} f-${family(m.type)}${state.selectedEvent === i ? ' selected' : ''}`,
      data: { index: i },
    },
    el('span', { class: 'ev-id', text: e.id ?? i + 1 }),
    el('span', { class: 'ev-t', text: m.t === null ? '' : (m.t / 1000).toFixed(3) }),
    el('span', { class: 'ev-actor', text: actor, title: actor }),
    el('span', { class: 'ev-type', text: m.type, title: m.type }),
    el('span', { class: 'ev-sum', text: sum, title: sum.length > 60 ? sum.slice(0, 2000) : null }),
  );
}

function renderList(session, pos) {
  const f = filterSettings();
  const box = ui.events;
  const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 24;
  const L = state.list;
  if (!session) {
    box.replaceChildren(el('p', { class: 'empty', text: 'No events yet.' }));
    Object.assign(L, { session: null, sig: '', last: -1, shown: 0, hidden: 0 });
    ui.eventsCount.textContent = '';
    return;
  }
  if (L.session === session && L.sig === f.sig && pos === L.last) return;
  // A big jump forward is cheaper rebuilt than appended and trimmed.
  if (L.session !== session || L.sig !== f.sig || pos < L.last || pos - L.last > MAX_ROWS) {
    const picked = [];
    let hidden = 0;
    for (let i = pos; i >= 0; i--) {
      if (!matches(session.meta[i], f)) continue;
      if (picked.length < MAX_ROWS) picked.push(i);
      else hidden++;
    }
    picked.reverse();
    const rows = picked.map((i) => eventRow(session, i));
    if (hidden > 0) rows.unshift(moreRow(hidden));
    box.replaceChildren(...rows);
    Object.assign(L, { session, sig: f.sig, last: pos, shown: picked.length, hidden });
  } else {
    const added = [];
    for (let i = L.last + 1; i <= pos; i++)
      if (matches(session.meta[i], f)) added.push(eventRow(session, i));
    box.append(...added);
    L.shown += added.length;
    L.last = pos;
    const extra = L.shown - MAX_ROWS;
    if (extra > 0) {
      box.querySelector('.more')?.remove();
      for (let k = 0; k < extra; k++) box.firstElementChild?.remove();
      L.shown = MAX_ROWS;
      L.hidden += extra;
      box.prepend(moreRow(L.hidden));
    }
  }
  if (L.shown === 0)
    box.replaceChildren(el('p', { class: 'empty', text: 'No event matches the filters.' }));
  ui.eventsCount.textContent = `${L.shown + L.hidden} of ${pos + 1} events${L.hidden ? ` (last ${L.shown} listed)` : ''}`;
  if (stick || !state.follow) box.scrollTop = box.scrollHeight;
}

function moreRow(n) {
  return el('div', {
    class: 'more',
    text: `${n} earlier matching events not listed: narrow the filters or move the scrubber`,
  });
}

function showDetails(i) {
  const s = currentSession();
  if (!s?.events[i]) {
    ui.details.hidden = true;
    state.selectedEvent = null;
    return;
  }
  state.selectedEvent = i;
  const e = s.events[i];
  const m = s.meta[i];
  let text = JSON.stringify(e, null, 2) ?? '';
  if (typeof e.definition === 'string') {
    const copy = { ...e, definition: `[${e.definition.length} characters of machine config]` };
    text = JSON.stringify(copy, null, 2);
  }
  if (text.length > DETAILS_MAX_CHARS)
    text = `${text.slice(0, DETAILS_MAX_CHARS)}\n… (${text.length} characters)`;
  ui.detailsTitle.textContent = `#${e.id ?? i + 1} ${m.type} · ${actorText(m)} · ${fmtClock(m.t)}`;
  ui.detailsBody.textContent = text;
  ui.details.hidden = false;
  for (const row of ui.events.querySelectorAll('.ev.selected')) row.classList.remove('selected');
  ui.events.querySelector(`.ev[data-index="${i}"]`)?.classList.add('selected');
}

// ---------------------------------------------------------------------------------------------
// Rendering: timeline and waterfall

function pct(v, lo, hi) {
  return `${(((v - lo) / (hi - lo || 1)) * 100).toFixed(3)}%`;
}

function axis(lo, hi, fmt, maxTicks) {
  const step = niceStep(hi - lo, maxTicks);
  const ticks = el('div', { class: 'axis' });
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
    // A label at the very right edge would be cut off.
    if ((v - lo) / (hi - lo) > 0.96) break;
    ticks.append(
      el(
        'span',
        { class: 'tick', style: { left: pct(v, lo, hi) } },
        el('span', { class: 'tick-label', text: fmt(v) }),
      ),
    );
  }
  return ticks;
}

function renderTimeline(session, model) {
  if (!session || !model || (model.userSpans.length === 0 && model.segments.size === 0)) {
    ui.timeline.replaceChildren(el('p', { class: 'empty', text: 'No speech yet.' }));
    return;
  }
  const lo = 0;
  const hi = Math.max(session.tmax, model.now, 1000);
  const now = model.now;
  const fmt = (v) =>
    v === 0
      ? '0'
      : `${v >= 60_000 ? `${Math.floor(v / 60_000)}:${String(Math.round((v % 60_000) / 1000)).padStart(2, '0')}` : `${Math.round(v / 100) / 10} s`}`;
  const span = (cls, start, end, title, text) =>
    el(
      'div',
      {
        class: `span ${cls}`,
        style: { left: pct(start, lo, hi), width: `max(2px, ${pct(end - start + lo, lo, hi)})` },
        title,
      },
      text ? el('span', { class: 'span-text', text }) : null,
    );
  const userLane = el('div', { class: 'lane-track' });
  for (const u of model.userSpans) {
    const end = u.end ?? now;
    const title = `user speech ${fmtClock(u.start)} – ${u.end === null ? 'now' : fmtClock(u.end)} (${fmtMs(end - u.start)})${u.text ? `\n“${u.text}”` : ''}`;
    userLane.append(span(`tl-user${u.end === null ? ' open' : ''}`, u.start, end, title, u.text));
  }
  const agentLane = el('div', { class: 'lane-track' });
  for (const seg of model.segments.values()) {
    const end = seg.end ?? now;
    const text = model.segmentText.get(seg.id) ?? '';
    const how = seg.end === null ? 'playing' : seg.cut ? 'cut' : 'finished';
    const title = `${seg.id} (turn ${seg.turn}) ${fmtClock(seg.start)} – ${seg.end === null ? 'now' : fmtClock(seg.end)} (${fmtMs(end - seg.start)}, ${how})${text ? `\n“${text}”` : ''}`;
    const s = span(
      `tl-agent${seg.cut ? ' cut' : ''}${seg.end === null ? ' open' : ''}`,
      seg.start,
      end,
      title,
      text,
    );
    s.dataset.segment = seg.id;
    agentLane.append(s);
  }
  for (const t of model.turns) {
    agentLane.append(
      el('div', {
        class: 'tl-commit',
        style: { left: pct(t.commit, lo, hi) },
        title: `turn ${t.n}: decision at ${fmtClock(t.commit)}`,
      }),
    );
  }
  const lanes = el(
    'div',
    { class: 'lanes' },
    el('div', { class: 'lane' }, el('span', { class: 'lane-name', text: 'user' }), userLane),
    el('div', { class: 'lane' }, el('span', { class: 'lane-name', text: 'agent' }), agentLane),
    el(
      'div',
      { class: 'lane axis-lane' },
      el('span', { class: 'lane-name' }),
      el('div', { class: 'lane-track' }, axis(lo, hi, fmt, 10)),
    ),
  );
  const cursorTrack = el(
    'div',
    { class: 'cursor-track' },
    el('div', {
      class: 'cursor',
      style: { left: pct(now, lo, hi) },
      title: `cursor ${fmtClock(now)}`,
    }),
  );
  const wrap = el('div', { class: 'timeline-body', title: '' }, lanes, cursorTrack);
  wrap.addEventListener('click', (ev) => {
    const track = userLane.getBoundingClientRect();
    const x = (ev.clientX - track.left) / (track.width || 1);
    if (x < 0 || x > 1) return;
    scrubTo(session.indexAt(lo + x * (hi - lo)));
  });
  ui.timeline.replaceChildren(wrap);
}

const STAGES = [
  ['eou', 'end of speech → decision'],
  ['llm', 'LLM first token'],
  ['tts', 'TTS first audio'],
  ['play', 'playout'],
];

function renderWaterfall(model) {
  const turns = model ? model.resolvedTurns() : [];
  if (turns.length === 0) {
    ui.waterfall.replaceChildren(
      el('p', {
        class: 'empty',
        text: 'No turn yet: a row appears when the agent decides to answer (enters THINKING).',
      }),
    );
    return;
  }
  // Everything relative to the end of the user's speech (or the decision when there was none).
  let lo = 0;
  let hi = 300;
  for (const t of turns) {
    const a = t.eos ?? t.commit;
    for (const v of [t.commit, t.firstToken, t.firstAudio, t.playStart])
      if (v !== null) hi = Math.max(hi, v - a);
    if (t.llmStart !== null) lo = Math.min(lo, t.llmStart - a);
  }
  hi *= 1.22;
  const rows = [
    el(
      'div',
      { class: 'wf-axis' },
      el('span'),
      el(
        'div',
        { class: 'wf-track' },
        axis(lo, hi, (v) => (v === 0 ? '0' : `${v > 0 ? '+' : ''}${fmtMs(v)}`), 8),
      ),
    ),
  ];
  const now = model?.now ?? 0;
  for (const t of turns) {
    const a = t.eos ?? t.commit;
    const v2v = t.eos !== null && t.playStart !== null ? t.playStart - t.eos : null;
    const quote = t.text ? `“${t.text}”` : t.command ? `(${t.command})` : '';
    const head = el(
      'div',
      { class: 'wf-head' },
      el('span', { class: 'wf-name', text: `Turn ${t.n}` }),
      el('span', { class: 'wf-quote', text: quote, title: quote }),
      el('span', {
        class: 'wf-total',
        text:
          v2v !== null
            ? `voice-to-voice ${fmtMs(v2v)}`
            : t.eos === null
              ? 'no user speech'
              : 'in progress',
      }),
    );
    const ttsFrom = t.firstToken === null ? t.commit : Math.max(t.commit, t.firstToken);
    const playEnd = t.playEnd ?? (t.open ? now : null);
    /** @type {Record<string, [number | null, number | null, string]>} */
    const bars = {
      eou: [t.eos, t.commit, t.eos === null ? 'no end of speech' : fmtMs(t.commit - t.eos)],
      llm: [
        t.llmStart,
        t.firstToken,
        t.firstToken === null
          ? 'no token yet'
          : `${fmtMs(t.firstToken - (t.llmStart ?? t.commit))}${t.speculative ? ' · speculative, before the decision' : ''}`,
      ],
      tts: [
        ttsFrom,
        t.firstAudio,
        t.firstAudio === null ? 'no audio yet' : fmtMs(t.firstAudio - ttsFrom),
      ],
      play: [
        t.playStart,
        playEnd,
        t.playStart === null
          ? 'not played'
          : `${t.playEnd === null ? 'playing' : t.cut ? 'cut after' : 'played'} ${playEnd === null ? '' : fmtMs(playEnd - t.playStart)}`,
      ],
    };
    const lines = STAGES.map(([key, name]) => {
      const [from, to, label] = bars[key];
      const track = el(
        'div',
        { class: 'wf-track' },
        el('span', { class: 'wf-zero', style: { left: pct(0, lo, hi) } }),
      );
      if (from !== null && to !== null) {
        const x0 = clamp(from - a, lo, hi);
        const x1 = clamp(to - a, lo, hi);
        const clipped = to - a > hi;
        const cls = `wf-bar wf-${key}${key === 'play' && t.cut ? ' cut' : ''}${clipped ? ' clipped' : ''}`;
        track.append(
          el('span', {
            class: cls,
            style: { left: pct(x0, lo, hi), width: `max(2px, ${pct(x1 - x0 + lo, lo, hi)})` },
            title: `${name}: ${fmtClock(from)} → ${fmtClock(to)} (${label})`,
          }),
        );
        const endPct = ((x1 - lo) / (hi - lo)) * 100;
        const labelEl = el('span', {
          class: `wf-label${key === 'play' && t.cut ? ' cut' : ''}`,
          text: label,
        });
        if (endPct < 70) labelEl.style.left = `calc(${endPct.toFixed(3)}% + 6px)`;
        else {
          labelEl.classList.add('before');
          labelEl.style.right = `calc(${(100 - ((x0 - lo) / (hi - lo)) * 100).toFixed(3)}% + 6px)`;
        }
        track.append(labelEl);
      } else {
        track.append(
          el('span', {
            class: 'wf-label missing',
            style: { left: `calc(${pct(0, lo, hi)} + 6px)` },
            text: label,
          }),
        );
      }
      return el('div', { class: 'wf-row' }, el('span', { class: 'wf-stage', text: name }), track);
    });
    rows.push(el('div', { class: 'wf-turn', data: { turn: t.n } }, head, ...lines));
  }
  ui.waterfall.replaceChildren(...rows);
}

// ---------------------------------------------------------------------------------------------
// Main render

function render() {
  const session = currentSession();
  const n = session ? session.events.length : 0;
  if (state.follow || state.pos >= n) state.pos = n - 1;
  state.pos = clamp(state.pos, n > 0 ? 0 : -1, n - 1);

  if (!session) state.model = null;
  else {
    if (!state.model || state.model.session !== session || state.model.pos > state.pos)
      state.model = new Model(session);
    state.model.advanceTo(state.pos);
  }
  const model = state.model;

  if (!state.graph && session?.definition) {
    try {
      const cfg = JSON.parse(session.definition);
      if (isObj(cfg))
        setGraph(graphFromConfig(cfg, cfg.id ?? 'session', cfg.id ?? 'session'), 'the log');
    } catch {
      // No usable definition: the chart stays empty.
    }
  }

  renderActive(model);
  renderScrubber(session);
  updateActorOptions(session);
  renderList(session, state.pos);
  const d = state.drawn;
  if (d.session !== session || d.pos !== state.pos || d.events !== n) {
    renderTimeline(session, model);
    renderWaterfall(model);
    Object.assign(d, { session, pos: state.pos, events: n });
  }
  renderHeader();
  document.body.dataset.events = String(n);
  document.body.dataset.pos = String(state.pos);
  document.body.dataset.received = String(state.liveReceived);
  document.body.dataset.mode = state.log ? 'log' : 'live';
}

function renderScrubber(session) {
  const n = session ? session.events.length : 0;
  const s = ui.scrubber;
  s.disabled = n === 0;
  s.max = String(Math.max(0, n - 1));
  s.value = String(Math.max(0, state.pos));
  if (!session || n === 0) {
    ui.scrubLabel.textContent = 'no events';
    return;
  }
  const e = session.events[state.pos];
  const m = session.meta[state.pos];
  const end = state.pos === n - 1;
  const mode = end ? (state.log ? 'end of log' : 'live') : 'paused';
  ui.scrubLabel.textContent = `event ${state.pos + 1} / ${n} · ${fmtClock(m.tm)} · #${e.id ?? state.pos + 1} ${m.type} · ${mode}`;
  ui.scrubLabel.dataset.mode = end && !state.log ? 'live' : 'paused';
}

function renderHeader() {
  const src = ui.source;
  if (state.log) {
    const bad = state.log.stream.bad;
    src.textContent = `log: ${state.log.name}${bad ? ` (${bad} unreadable line${bad === 1 ? '' : 's'} skipped)` : ''}`;
    src.dataset.state = 'log';
    ui.liveButton.hidden = false;
    ui.liveButton.textContent = `Back to live (${state.liveReceived} events)`;
  } else {
    const count = state.live.sessions.reduce((k, s) => k + s.events.length, 0);
    const what =
      {
        connected: 'connected',
        connecting: 'connecting…',
        disconnected: 'disconnected, retrying…',
        off: 'off',
      }[state.liveStatus] ?? state.liveStatus;
    src.textContent = `live: ${what} · ${count} events`;
    src.dataset.state = state.liveStatus;
    ui.liveButton.hidden = true;
  }
  const sessions = stream().sessions;
  ui.sessionPick.hidden = sessions.length < 2;
  if (sessions.length >= 2) {
    const key = `${sessions.length}|${state.sessionIndex}|${state.log ? 'log' : 'live'}`;
    if (ui.sessionSelect.dataset.key !== key) {
      ui.sessionSelect.dataset.key = key;
      ui.sessionSelect.replaceChildren(
        ...sessions.map((s, i) =>
          el('option', {
            value: i,
            text: `${s.n}${i === sessions.length - 1 ? ' (latest)' : ''} · ${s.events.length} events`,
          }),
        ),
      );
      ui.sessionSelect.value = String(state.sessionIndex);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Input

function scrubTo(i) {
  const session = currentSession();
  if (!session) return;
  const n = session.events.length;
  state.pos = clamp(i, 0, n - 1);
  state.follow = state.pos === n - 1;
  invalidate();
}

function resetView() {
  state.model = null;
  state.pos = -1;
  state.follow = true;
  state.followSession = true;
  state.selectedEvent = null;
  state.list.session = null;
  ui.details.hidden = true;
  ui.detailsBody.textContent = '';
}

/** @param {string} text @param {string} name */
function openLog(text, name) {
  state.log = { stream: Stream.fromText(text), name };
  resetView();
  // A post-mortem starts on the first session.
  state.followSession = false;
  state.sessionIndex = 0;
  invalidate();
}

async function openFile(file) {
  try {
    openLog(await file.text(), file.name);
  } catch (err) {
    ui.source.textContent = `could not read ${file.name}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function connectLive() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let socket;
  try {
    socket = new WebSocket(url);
  } catch {
    state.liveStatus = 'off';
    invalidate();
    return;
  }
  state.liveStatus = 'connecting';
  socket.addEventListener('open', () => {
    // The server replays everything so far on each connection: start over.
    state.live = new Stream();
    state.liveReceived = 0;
    state.liveStatus = 'connected';
    if (!state.log) resetView();
    invalidate();
  });
  socket.addEventListener('message', (msg) => {
    state.liveReceived++;
    try {
      state.live.add(JSON.parse(String(msg.data)));
    } catch {
      state.live.bad++;
    }
    // While a log is open this only updates the Back to live button.
    invalidate();
  });
  socket.addEventListener('close', () => {
    state.liveStatus = 'disconnected';
    invalidate();
    setTimeout(connectLive, 2000);
  });
}

async function fetchJson(path) {
  try {
    const res = await fetch(path, { cache: 'no-store' });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

function wire() {
  ui.scrubber.addEventListener('input', () => scrubTo(Number(ui.scrubber.value)));
  $('scrub-start').addEventListener('click', () => scrubTo(0));
  $('scrub-prev').addEventListener('click', () => scrubTo(state.pos - 1));
  $('scrub-next').addEventListener('click', () => scrubTo(state.pos + 1));
  $('scrub-end').addEventListener('click', () => scrubTo(Number.MAX_SAFE_INTEGER));
  ui.typeFilter.addEventListener('input', invalidate);
  ui.actorFilter.addEventListener('change', invalidate);
  for (const box of document.querySelectorAll('.kinds input'))
    box.addEventListener('change', invalidate);
  ui.events.addEventListener('click', (ev) => {
    const row = /** @type {HTMLElement | null} */ (
      /** @type {HTMLElement} */ (ev.target).closest('.ev')
    );
    if (row) showDetails(Number(row.dataset.index));
  });
  $('details-close').addEventListener('click', () => {
    ui.details.hidden = true;
    state.selectedEvent = null;
    for (const row of ui.events.querySelectorAll('.ev.selected')) row.classList.remove('selected');
  });
  $('details-scrub').addEventListener('click', () => {
    if (state.selectedEvent !== null) scrubTo(state.selectedEvent);
  });
  ui.chart.addEventListener('mouseleave', () => {
    state.hoveredState = null;
    renderStateInfo();
  });
  ui.sessionSelect.addEventListener('change', () => {
    const i = Number(ui.sessionSelect.value);
    resetView();
    state.sessionIndex = i;
    state.followSession = !state.log && i === stream().sessions.length - 1;
    invalidate();
  });
  ui.liveButton.addEventListener('click', () => {
    state.log = null;
    resetView();
    invalidate();
  });
  ui.fileInput.addEventListener('change', () => {
    const file = ui.fileInput.files?.[0];
    if (file) openFile(file);
    ui.fileInput.value = '';
  });
  let depth = 0;
  window.addEventListener('dragenter', (ev) => {
    if (!ev.dataTransfer?.types.includes('Files')) return;
    depth++;
    ui.drop.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) ui.drop.hidden = true;
  });
  window.addEventListener('dragover', (ev) => ev.preventDefault());
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    depth = 0;
    ui.drop.hidden = true;
    const file = ev.dataTransfer?.files?.[0];
    if (file) openFile(file);
  });
}

async function boot() {
  wire();
  const [graph, info] = await Promise.all([fetchJson('machine.json'), fetchJson('info.json')]);
  if (isGraphNode(graph)) setGraph(graph, '/machine.json');
  else
    ui.chart.replaceChildren(
      el('p', { class: 'empty', text: 'No statechart: /machine.json could not be loaded.' }),
    );
  if (location.protocol.startsWith('http') && info?.live !== false) connectLive();
  else state.liveStatus = 'off';
  if (isObj(info) && typeof info.log === 'string') {
    try {
      const res = await fetch('log.jsonl', { cache: 'no-store' });
      if (res.ok) openLog(await res.text(), info.log.split(/[\\/]/).pop() || info.log);
    } catch {
      // The live view stays.
    }
  }
  invalidate();
}

boot();
