/**
 * Clocks for sessions. The machine never reads time; the session's actors stamp events with
 * `clock.now()` and XState schedules the machine's delays on the same clock, so a session runs
 * identically on wall time ({@link SystemClock}) and on virtual time ({@link SimulatedClock}).
 */

/** What a session needs of a clock: XState's `Clock` plus `now()`. */
export interface SessionClock {
  /** Milliseconds since the clock's origin (the session start for {@link SystemClock}). */
  now(): number;
  setTimeout(fn: () => void, timeoutMs: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Wall time from a monotonic source, origin at construction. */
export class SystemClock implements SessionClock {
  private readonly origin = performance.now();
  now(): number {
    return performance.now() - this.origin;
  }
  setTimeout(fn: () => void, timeoutMs: number): unknown {
    return setTimeout(fn, timeoutMs);
  }
  clearTimeout(id: unknown): void {
    clearTimeout(id as ReturnType<typeof setTimeout>);
  }
}

/**
 * Wall time sped up `speed` times: a 20-second recording plays in 20/speed seconds. Providers'
 * own latencies count `speed` times over in session time, so keep the speed low enough for the
 * pipeline to keep up (the file transport's fast mode).
 */
export class ScaledClock implements SessionClock {
  private readonly origin = performance.now();
  readonly speed: number;
  constructor(speed: number) {
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new RangeError(`ScaledClock: speed must be a positive number, got ${speed}`);
    }
    this.speed = speed;
  }
  now(): number {
    return (performance.now() - this.origin) * this.speed;
  }
  setTimeout(fn: () => void, timeoutMs: number): unknown {
    return setTimeout(fn, timeoutMs / this.speed);
  }
  clearTimeout(id: unknown): void {
    clearTimeout(id as ReturnType<typeof setTimeout>);
  }
}

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * Virtual time for deterministic tests and simulations: a 60-second conversation runs in
 * milliseconds. Unlike XState's own `SimulatedClock` (which this replaces and is compatible
 * with), each timer fires with `now()` equal to its own due time, in due order, so events
 * stamped inside timers carry exact times.
 *
 * @example
 * const clock = new SimulatedClock();
 * const session = createAgentSession({ ..., clock });
 * await clock.advance(1500); // fires every timer due in the next 1.5 s, in order
 */
export class SimulatedClock implements SessionClock {
  private current = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, timeoutMs: number): number {
    const id = this.nextId++;
    const delay = Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 0;
    this.timers.push({ id, due: this.current + delay, fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Due time of the next timer, or null. */
  nextDue(): number | null {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due) best = t;
    return best ? best.due : null;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (and timers those schedule)
   * in order. Between timers it lets promise callbacks and immediates run, so async actors keep
   * up with virtual time.
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`SimulatedClock.advance: expected ms >= 0, got ${ms}`);
    }
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(time: number): Promise<void> {
    if (time < this.current) {
      throw new RangeError(`SimulatedClock.advanceTo: ${time} is before now (${this.current})`);
    }
    await settle();
    for (;;) {
      const next = this.takeNext(time);
      if (!next) break;
      this.current = next.due;
      next.fn();
      await settle();
    }
    this.current = time;
  }

  /** Fires timers until none is left or `limitMs` of virtual time passed (then throws). */
  async runAll(limitMs = 600_000): Promise<void> {
    const end = this.current + limitMs;
    for (;;) {
      const due = this.nextDue();
      if (due === null) return;
      if (due > end)
        throw new Error(`SimulatedClock.runAll: timers still pending after ${limitMs} ms`);
      await this.advanceTo(due);
    }
  }

  private takeNext(limit: number): Timer | undefined {
    let index = -1;
    for (let i = 0; i < this.timers.length; i++) {
      const t = this.timers[i]!;
      if (t.due > limit) continue;
      if (index < 0 || t.due < this.timers[index]!.due) index = i;
    }
    if (index < 0) return undefined;
    return this.timers.splice(index, 1)[0];
  }
}

/** Lets queued promise callbacks and immediates run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
