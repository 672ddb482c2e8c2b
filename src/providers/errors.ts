/**
 * Errors raised by providers (STT, TTS, LLM, ...). They carry the provider label and
 * whether retrying may help, so the session can decide between retry, fallback and giving up.
 */

/** Construction options for {@link ProviderError}. */
export interface ProviderErrorOptions {
  /** Whether the same request may succeed if retried (network blips, 429, 5xx). Default false. */
  retryable?: boolean;
  /** Provider- or transport-specific code, e.g. `'429'`, `'ECONNRESET'`, `'timeout'`. */
  code?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A failure of a provider. The message is prefixed with the provider label and, when set,
 * suffixed with the code and a retry hint, e.g. `deepgram-stt: connection lost (code ECONNRESET, retryable)`.
 *
 * @example
 * ```ts
 * throw new ProviderError('openai-llm', 'rate limited', { retryable: true, code: '429' });
 * ```
 */
export class ProviderError extends Error {
  /** Label of the provider that failed. */
  readonly provider: string;
  /** Whether retrying the same request may succeed. */
  readonly retryable: boolean;
  /** Provider- or transport-specific code. */
  readonly code?: string;

  constructor(provider: string, message: string, opts: ProviderErrorOptions = {}) {
    const retryable = opts.retryable ?? false;
    const details = [
      ...(opts.code === undefined ? [] : [`code ${opts.code}`]),
      ...(retryable ? ['retryable'] : []),
    ];
    const suffix = details.length > 0 ? ` (${details.join(', ')})` : '';
    super(
      `${provider}: ${message}${suffix}`,
      opts.cause === undefined ? {} : { cause: opts.cause },
    );
    this.name = 'ProviderError';
    this.provider = provider;
    this.retryable = retryable;
    if (opts.code !== undefined) this.code = opts.code;
  }

  /**
   * Wraps any thrown value as a `ProviderError` (returned as is when it already is one).
   *
   * @example
   * ```ts
   * catch (err) { throw ProviderError.wrap('my-tts', err, 'synthesis failed'); }
   * ```
   */
  static wrap(provider: string, err: unknown, context = 'failed'): ProviderError {
    if (err instanceof ProviderError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new ProviderError(provider, `${context}: ${reason}`, { cause: err });
  }
}

/**
 * A provider call exceeded its deadline. Retryable by default, with code `'timeout'`.
 *
 * @example
 * ```ts
 * throw new ProviderTimeoutError('eleven-tts', 'first audio', 3000);
 * // message: 'eleven-tts: first audio timed out after 3000 ms (code timeout, retryable)'
 * ```
 */
export class ProviderTimeoutError extends ProviderError {
  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(
    provider: string,
    operation: string,
    timeoutMs: number,
    opts: ProviderErrorOptions = {},
  ) {
    super(provider, `${operation} timed out after ${timeoutMs} ms`, {
      retryable: true,
      code: 'timeout',
      ...opts,
    });
    this.name = 'ProviderTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
