/**
 * ONNX models for the local providers (Silero VAD, our turn detector): one onnxruntime-node
 * session per provider, single-threaded, loaded on first use (or by `prewarm`), shared by the
 * provider's streams, retried after a failed load, released on close.
 */
import type * as Ort from 'onnxruntime-node';
import { ProviderError } from '../errors.ts';

/** The onnxruntime-node module, imported on first use (it loads a native library). */
export type OnnxRuntime = typeof Ort;

/** Opens a model file with one intra-op and one inter-op thread (predictable on shared cores). */
export async function openOnnxSession(
  path: string,
): Promise<{ ort: OnnxRuntime; session: Ort.InferenceSession }> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return { ort, session };
}

/**
 * A model loaded once, on first use.
 *
 * @example
 * ```ts
 * const model = new LazyModel('silero-vad', () => loadIt(), (m) => m.session.release());
 * const { session } = await model.get();
 * await model.close();
 * ```
 */
export class LazyModel<T> {
  private loading: Promise<T> | null = null;
  private closed = false;
  private readonly label: string;
  private readonly load: () => Promise<T>;
  private readonly release: (model: T) => Promise<void>;

  constructor(label: string, load: () => Promise<T>, release: (model: T) => Promise<void>) {
    this.label = label;
    this.load = load;
    this.release = release;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The model, loading it if needed; a failed load is tried again by the next call. */
  get(): Promise<T> {
    if (this.closed) return Promise.reject(new ProviderError(this.label, 'the provider is closed'));
    if (this.loading === null) {
      const loading = this.load();
      this.loading = loading;
      loading.catch(() => {
        if (this.loading === loading) this.loading = null;
      });
    }
    return this.loading;
  }

  /** Releases the model; later `get()` calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loading = this.loading;
    this.loading = null;
    if (!loading) return;
    try {
      await this.release(await loading);
    } catch {
      // A failed load has nothing to release.
    }
  }
}
