/**
 * Shared client setup for the OpenAI-compatible providers: base URL and key resolution
 * (options, then environment), and the mapping of SDK errors to {@link ProviderError}s with
 * messages that say what to fix.
 */

import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { ProviderError, ProviderTimeoutError } from '../errors.ts';

/** The OpenAI platform's API; used when neither `baseURL` nor `OPENAI_BASE_URL` is set. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Sent as the key when none is configured and the server is not the OpenAI platform, so
 * local servers (llama.cpp, Ollama, vLLM, whisper servers), which ignore it, work without
 * `OPENAI_API_KEY`.
 */
export const PLACEHOLDER_API_KEY = 'no-key-configured';

/** Connection settings shared by the OpenAI-compatible providers. */
export interface OpenAiConnectionOptions {
  /**
   * The API root, e.g. `http://127.0.0.1:8080/v1` for a local server. Default:
   * `OPENAI_BASE_URL`, else {@link OPENAI_DEFAULT_BASE_URL}.
   */
  baseURL?: string;
  /**
   * Default: `OPENAI_API_KEY`, else (servers other than api.openai.com only) a placeholder,
   * which local servers accept.
   */
  apiKey?: string;
}

/** Where requests go and with which key, after defaults. */
export interface OpenAiConnection {
  baseURL: string;
  apiKey: string;
  /** False when `apiKey` is the placeholder (no key was given or found in the environment). */
  keyConfigured: boolean;
}

/** Reads an environment variable, treating empty values as unset. */
export function readEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Whether `baseURL` is the OpenAI platform (as opposed to a compatible server). */
export function isOpenAiPlatform(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/** Options first, then `OPENAI_BASE_URL` / `OPENAI_API_KEY`, then the defaults. */
export function resolveConnection(opts: OpenAiConnectionOptions): OpenAiConnection {
  const baseURL = opts.baseURL ?? readEnv('OPENAI_BASE_URL') ?? OPENAI_DEFAULT_BASE_URL;
  const apiKey = opts.apiKey ?? readEnv('OPENAI_API_KEY');
  return apiKey === undefined
    ? { baseURL, apiKey: PLACEHOLDER_API_KEY, keyConfigured: false }
    : { baseURL, apiKey, keyConfigured: true };
}

/**
 * The error for a request to the OpenAI platform without a key, raised before any network
 * traffic; undefined when the connection is usable.
 */
export function missingKeyError(label: string, conn: OpenAiConnection): ProviderError | undefined {
  if (conn.keyConfigured || !isOpenAiPlatform(conn.baseURL)) return undefined;
  return new ProviderError(
    label,
    `no API key for ${conn.baseURL}. Set OPENAI_API_KEY (or pass apiKey), or set OPENAI_BASE_URL (or pass baseURL) to a local OpenAI-compatible server`,
    { code: 'no-api-key' },
  );
}

/**
 * An SDK client. Its retries default to none: the SDK would otherwise retry on its own
 * (twice by default), under the caller's retry policy.
 */
export function createOpenAiClient(
  conn: OpenAiConnection,
  opts: { timeoutMs?: number; maxRetries?: number } = {},
): OpenAI {
  return new OpenAI({
    baseURL: conn.baseURL,
    apiKey: conn.apiKey,
    maxRetries: opts.maxRetries ?? 0,
    ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
  });
}

/** What the failed call was, for error messages. */
export interface ErrorContext {
  label: string;
  baseURL: string;
  model: string;
  /** e.g. `'chat completion'`, `'transcription'`. */
  operation: string;
  /** The SDK request timeout, reported when it fires. */
  timeoutMs?: number;
}

/** The first `code` (e.g. `ECONNREFUSED`) found along an error's `cause` chain. */
export function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** undici's "terminated" / "fetch failed", or a socket-level code (ECONNRESET, UND_ERR_SOCKET). */
export function isNetworkFailure(err: unknown): boolean {
  if (err instanceof APIError && !(err instanceof APIConnectionError)) return false;
  const code = causeCode(err);
  if (code !== undefined && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return true;
  return err instanceof TypeError && /^(terminated|fetch failed)$/.test(err.message);
}

/** An error's message, followed by its cause's when that adds something. */
export function causeMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  const cause = (err as { cause?: unknown } | null | undefined)?.cause;
  if (cause instanceof Error && cause.message !== '' && !message.includes(cause.message)) {
    message += `: ${cause.message}`;
  }
  return message;
}

/** Whether the caller's abort (not a failure) ended the SDK call. */
export function isUserAbort(err: unknown): boolean {
  return err instanceof APIUserAbortError;
}

/** The server's own error message (OpenAI's `{ error: { message } }`), else the SDK's. */
function serverMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (typeof body?.message === 'string' && body.message !== '') return body.message;
  return err.message;
}

/**
 * Maps anything the SDK throws to a {@link ProviderError}: HTTP errors carry the status as
 * `code`; 401 says to set `OPENAI_API_KEY`; 404 to check the model and base URL; a refused
 * connection names the base URL; 408/409/429/5xx and network failures are `retryable`.
 */
export function toProviderError(err: unknown, ctx: ErrorContext): ProviderError {
  if (err instanceof ProviderError) return err;
  const { label, baseURL, operation } = ctx;
  if (err instanceof APIConnectionTimeoutError) {
    return new ProviderTimeoutError(label, `${operation} at ${baseURL}`, ctx.timeoutMs ?? 0, {
      cause: err,
    });
  }
  if (err instanceof APIConnectionError) {
    const code = causeCode(err);
    const message =
      code === 'ECONNREFUSED'
        ? `cannot connect to ${baseURL} (connection refused). Is the server running? Set OPENAI_BASE_URL or pass baseURL to point elsewhere`
        : `cannot reach ${baseURL}: ${causeMessage(err)}`;
    return new ProviderError(label, message, {
      retryable: true,
      code: code ?? 'connection',
      cause: err,
    });
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const detail = `HTTP ${status}: ${serverMessage(err)}`;
    const opts = { code: String(status), cause: err };
    if (status === 401) {
      const hint = isOpenAiPlatform(baseURL)
        ? 'Set OPENAI_API_KEY (or pass apiKey) to a valid key'
        : `Set OPENAI_API_KEY (or pass apiKey) to the key ${baseURL} expects`;
      return new ProviderError(label, `${operation} unauthorized (${detail}). ${hint}`, opts);
    }
    if (status === 404) {
      return new ProviderError(
        label,
        `${operation} not found (${detail}). Check the model name "${ctx.model}" and that the base URL ${baseURL} ends in /v1`,
        opts,
      );
    }
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new ProviderError(label, `${operation} failed (${detail})`, { ...opts, retryable });
  }
  if (err instanceof APIError) {
    // An `error` event inside an otherwise successful stream.
    return new ProviderError(label, `${operation} failed: server reported ${serverMessage(err)}`, {
      cause: err,
    });
  }
  // fetch's own failures (a socket closed mid-body: TypeError "terminated") and anything else.
  const code = causeCode(err);
  const network = isNetworkFailure(err);
  const message = network
    ? `${operation} failed: connection to ${baseURL} lost (${causeMessage(err)})`
    : `${operation} failed: ${causeMessage(err)}`;
  return new ProviderError(label, message, {
    retryable: network,
    ...(code === undefined ? {} : { code }),
    cause: err,
  });
}
