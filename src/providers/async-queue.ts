/**
 * A minimal push-to-pull bridge: producers `push` synchronously, one consumer iterates with
 * `for await`. Used to implement the streaming provider interfaces.
 */

/** Construction options for {@link AsyncQueue}. */
export interface AsyncQueueOptions {
  /** Called once when the queue is closed (by `close()` or by the consumer leaving its loop). */
  onClose?: () => void;
}

type Waiter<T> = {
  resolve: (r: IteratorResult<T>) => void;
  reject: (err: unknown) => void;
};

/**
 * An unbounded FIFO with an async iterator. `end()` lets the consumer drain what is
 * buffered and then finish; `fail(err)` drains then throws `err` once; `close()` drops the
 * buffer and finishes at once. Leaving a `for await` loop early (break, throw) closes the
 * queue, so later pushes are dropped instead of piling up.
 *
 * @example
 * ```ts
 * const q = new AsyncQueue<number>();
 * q.push(1);
 * q.push(2);
 * q.end();
 * for await (const n of q) console.log(n); // 1, 2
 * ```
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  /** Index of the next item: shifting arrays is O(n), so consumed slots are compacted lazily. */
  private head = 0;
  private waiters: Waiter<T>[] = [];
  private state: 'open' | 'ended' | 'failed' | 'closed' = 'open';
  private error: unknown;
  private readonly onClose: (() => void) | undefined;

  constructor(opts: AsyncQueueOptions = {}) {
    this.onClose = opts.onClose;
  }

  /** Number of buffered items. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True once `end`, `fail` or `close` was called: pushes are dropped from then on. */
  get finished(): boolean {
    return this.state !== 'open';
  }

  /** True once closed (by `close()` or by the consumer leaving its loop). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Adds an item; returns false (and drops it) if the queue is finished. */
  push(item: T): boolean {
    if (this.state !== 'open') return false;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ done: false, value: item });
    else this.items.push(item);
    return true;
  }

  /** No more items: the consumer drains the buffer, then iteration ends. */
  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    this.settleWaiters();
  }

  /** Fails the queue: the consumer drains the buffer, then `next()` throws `err` (once). */
  fail(err: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.error = err;
    this.settleWaiters();
  }

  /** Drops buffered items and ends iteration now. Idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.items = [];
    this.head = 0;
    this.settleWaiters();
    this.onClose?.();
  }

  /** Resolves the next item, or `done` once finished and drained. */
  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head] as T;
      this.items[this.head] = undefined as T; // release the reference now
      this.head++;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.state === 'open') {
      return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    if (this.state === 'failed') {
      // Throw once; afterwards the iterator is simply done.
      this.state = 'ended';
      return Promise.reject(this.error);
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  /** Called on a state change; waiters only exist while the buffer is empty. */
  private settleWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (this.state === 'failed' && waiters.length > 0) {
      for (const w of waiters) w.reject(this.error);
      this.state = 'ended';
      return;
    }
    for (const w of waiters) w.resolve({ done: true, value: undefined });
  }
}
