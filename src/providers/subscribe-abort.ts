/**
 * Abort-signal plumbing shared by the streaming adapters.
 */

/**
 * Calls `handler(reason)` when `signal` aborts (on a microtask if it already has), and
 * returns the unsubscribe function, so long-lived signals do not accumulate listeners.
 *
 * @example
 * ```ts
 * const unsubscribe = subscribeAbort(opts.signal, (reason) => queue.fail(reason));
 * // ... when the work is done:
 * unsubscribe();
 * ```
 */
export function subscribeAbort(
  signal: AbortSignal | undefined,
  handler: (reason: unknown) => void,
): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    queueMicrotask(() => handler(signal.reason));
    return () => {};
  }
  const listener = () => handler(signal.reason);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
