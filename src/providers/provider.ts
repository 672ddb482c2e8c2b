/**
 * The lifecycle shared by every provider kind (STT, VAD, LLM, TTS, ...).
 */

/**
 * Common shape of providers: a label for logs and errors, static capabilities, runtime
 * option updates, and explicit warm-up / shutdown.
 *
 * @example
 * ```ts
 * async function start(providers: readonly Provider<unknown>[]) {
 *   await Promise.all(providers.map((p) => p.prewarm()));
 * }
 * ```
 */
export interface Provider<Capabilities, Options extends object = object> {
  /** Human-readable identifier, e.g. `'deepgram-stt'`; used in logs and {@link ProviderError}s. */
  readonly label: string;
  /** What the provider can do; constant for the provider's lifetime. */
  readonly capabilities: Capabilities;
  /** Changes options for subsequent requests (in-flight requests may keep the old ones). */
  updateOptions(opts: Partial<Options>): void;
  /** Opens connections / loads models ahead of the first request, to cut first-turn latency. */
  prewarm(): Promise<void>;
  /** Releases resources; streams still open are closed. Idempotent. */
  close(): Promise<void>;
}
