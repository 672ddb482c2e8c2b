// AsyncQueue bridges synchronous pushes to one async consumer: FIFO order, end drains,
// fail drains then throws once, close (or leaving the loop) drops everything and stops pushes.
import { describe, expect, it, vi } from 'vitest';
import { AsyncQueue } from '../../src/providers/index.ts';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('AsyncQueue', () => {
  it('delivers buffered items in order, then ends', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.push(2);
    expect(q.size).toBe(2);
    q.end();
    expect(q.push(3)).toBe(false);
    expect(await collect(q)).toEqual([1, 2]);
    expect(q.size).toBe(0);
  });

  it('wakes a waiting consumer', async () => {
    const q = new AsyncQueue<string>();
    const pending = collect(q);
    await Promise.resolve();
    q.push('a');
    setTimeout(() => {
      q.push('b');
      q.end();
    }, 5);
    expect(await pending).toEqual(['a', 'b']);
  });

  it('fail delivers buffered items, then throws once', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('boom'));
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 1 });
    await expect(it.next()).rejects.toThrow('boom');
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('fail rejects a waiting consumer', async () => {
    const q = new AsyncQueue<number>();
    const pending = collect(q);
    await Promise.resolve();
    q.fail(new Error('late'));
    await expect(pending).rejects.toThrow('late');
  });

  it('close drops buffered items, ends waiters and calls onClose once', async () => {
    const onClose = vi.fn();
    const q = new AsyncQueue<number>({ onClose });
    const waiting = new AsyncQueue<number>();
    const pending = collect(waiting);
    await Promise.resolve();
    waiting.close();
    expect(await pending).toEqual([]);
    q.push(1);
    q.close();
    q.close();
    expect(q.size).toBe(0);
    expect(q.closed).toBe(true);
    expect(q.push(2)).toBe(false);
    expect(await collect(q)).toEqual([]);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('leaving a for-await loop closes the queue', async () => {
    const onClose = vi.fn();
    const q = new AsyncQueue<number>({ onClose });
    for (let i = 0; i < 5; i++) q.push(i);
    for await (const n of q) if (n === 1) break;
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(q.size).toBe(0);
    expect(q.push(9)).toBe(false);
  });

  it('handles many items without losing order', async () => {
    const q = new AsyncQueue<number>();
    const n = 10_000;
    const consumer = collect(q);
    for (let i = 0; i < n; i++) {
      q.push(i);
      if (i % 997 === 0) await Promise.resolve();
    }
    q.end();
    const got = await consumer;
    expect(got).toHaveLength(n);
    expect(got.every((x, i) => x === i)).toBe(true);
  });

  it('pull after partial drain of a large buffer keeps order', async () => {
    const q = new AsyncQueue<number>();
    for (let i = 0; i < 3000; i++) q.push(i);
    const it = q[Symbol.asyncIterator]();
    for (let i = 0; i < 2000; i++) expect((await it.next()).value).toBe(i);
    expect(q.size).toBe(1000);
    q.push(3000);
    q.end();
    const rest: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest[0]).toBe(2000);
    expect(rest.at(-1)).toBe(3000);
    expect(rest).toHaveLength(1001);
  });
});
