/**
 * Our own semantic turn detector: a small ONNX model (hashed text features → embedding bag →
 * MLP → P(complete)) trained offline on synthetic task-oriented dialogues, shipped in
 * `models/turn-detector/` and run in process by `onnxruntime-node`. See
 * `models/turn-detector/README.md` for how it is trained and how well it does.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ort from 'onnxruntime-node';
import { ProviderError } from '../errors.ts';
import type { EndOfTurnRequest, TurnDetector, TurnDetectorCapabilities } from '../turn-detector.ts';
import { LazyModel, openOnnxSession } from './onnx-model.ts';
import {
  extractFeatureIds,
  FEATURE_VERSION,
  type TurnContextMessage,
  type TurnFeatureInput,
} from './turn-features.ts';

/** The detector has no runtime options (the model decides; the session maps p to a delay). */
export type OnnxTurnDetectorOptions = Record<never, never>;

/** Construction options of {@link OnnxTurnDetector}. */
export interface OnnxTurnDetectorConfig {
  /** Default `'onnx-turn-detector'`. */
  label?: string;
  /** Path of the ONNX model. Default: `models/turn-detector/model.onnx` of this package. */
  modelPath?: string;
  /** Path of the model's config JSON. Default: `config.json` next to the model. */
  configPath?: string;
}

/** The model's config file (written by the training pipeline). */
export interface TurnDetectorModelConfig {
  featureVersion: number;
  hashBuckets: number;
  input: string;
  output: string;
}

const LABEL = 'onnx-turn-detector';

/** The shipped model, resolved from this file (works from `src/` and from `dist/`). */
export const DEFAULT_TURN_MODEL_PATH = fileURLToPath(
  new URL('../../../models/turn-detector/model.onnx', import.meta.url),
);
/** The shipped model's config. */
export const DEFAULT_TURN_CONFIG_PATH = fileURLToPath(
  new URL('../../../models/turn-detector/config.json', import.meta.url),
);

interface Loaded {
  ort: typeof Ort;
  session: Ort.InferenceSession;
  config: TurnDetectorModelConfig;
}

function readConfig(label: string, path: string): TurnDetectorModelConfig {
  if (!existsSync(path)) {
    throw new ProviderError(
      label,
      `model config ${path} is missing; run \`npm run train:turn\` to build the turn detector (or pass configPath)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ProviderError(label, `model config ${path} is not valid JSON`, { cause: err });
  }
  const c = parsed as Partial<TurnDetectorModelConfig> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.featureVersion !== 'number' ||
    typeof c.hashBuckets !== 'number' ||
    !Number.isInteger(c.hashBuckets) ||
    c.hashBuckets < 2 ||
    typeof c.input !== 'string' ||
    typeof c.output !== 'string'
  ) {
    throw new ProviderError(
      label,
      `model config ${path} lacks featureVersion, hashBuckets, input or output`,
    );
  }
  if (c.featureVersion !== FEATURE_VERSION) {
    throw new ProviderError(
      label,
      `model config ${path} is for feature version ${c.featureVersion}, but this code extracts version ${FEATURE_VERSION}; retrain with \`npm run train:turn\``,
    );
  }
  return {
    featureVersion: c.featureVersion,
    hashBuckets: c.hashBuckets,
    input: c.input,
    output: c.output,
  };
}

/** The detector's view of the chat: role and text of each message. */
function contextOf(req: EndOfTurnRequest): TurnContextMessage[] {
  return req.messages.map((m) => ({ role: m.role, content: m.content }));
}

/**
 * End-of-turn detection with the model in `models/turn-detector/` (6.3 MB, English).
 *
 * - {@link OnnxTurnDetector.prewarm} (or {@link OnnxTurnDetector.load}) reads the config and
 *   creates the ONNX session (one intra-op and one inter-op thread); a prediction before that
 *   loads it on demand. A missing model file fails with a {@link ProviderError} that says how
 *   to build it.
 * - {@link OnnxTurnDetector.predictEndOfTurn} extracts the features (the assistant's last
 *   message and the transcript, a few tens of microseconds) and runs the model through ORT's
 *   asynchronous `run`, so the inference itself is off the event loop.
 * - An aborted `signal` rejects with its reason.
 *
 * @example
 * ```ts
 * const detector = await OnnxTurnDetector.load();
 * const p = await detector.predictEndOfTurn({ messages, transcript: 'my number is five five five' });
 * ```
 */
export class OnnxTurnDetector implements TurnDetector<OnnxTurnDetectorOptions> {
  readonly label: string;
  readonly capabilities: TurnDetectorCapabilities = { languages: ['en'] };
  /** Path of the ONNX model this provider loads. */
  readonly modelPath: string;
  /** Path of the model's config JSON. */
  readonly configPath: string;
  private readonly loaded: LazyModel<Loaded>;

  constructor(config: OnnxTurnDetectorConfig = {}) {
    this.label = config.label ?? LABEL;
    this.loaded = new LazyModel(
      this.label,
      () => this.loadModel(),
      (model) => model.session.release(),
    );
    this.modelPath = config.modelPath ?? DEFAULT_TURN_MODEL_PATH;
    this.configPath =
      config.configPath ??
      (config.modelPath === undefined
        ? DEFAULT_TURN_CONFIG_PATH
        : join(dirname(config.modelPath), 'config.json'));
  }

  /**
   * Creates a detector and loads its model.
   *
   * @example
   * ```ts
   * const detector = await OnnxTurnDetector.load();
   * ```
   */
  static async load(config: OnnxTurnDetectorConfig = {}): Promise<OnnxTurnDetector> {
    const detector = new OnnxTurnDetector(config);
    await detector.prewarm();
    return detector;
  }

  /** Nothing is tunable; unknown keys throw. */
  updateOptions(opts: Partial<OnnxTurnDetectorOptions>): void {
    const keys = Object.keys(opts);
    if (keys.length > 0) {
      throw new ProviderError(this.label, `unknown option ${keys.join(', ')}; it has none`);
    }
  }

  /** Loads the config and the ONNX session (once; concurrent calls share the load). */
  async prewarm(): Promise<void> {
    await this.model();
  }

  /** Probability in [0, 1] that the user's turn is complete. */
  async predictEndOfTurn(req: EndOfTurnRequest): Promise<number> {
    req.signal?.throwIfAborted();
    const [p] = await this.predictMany([{ context: contextOf(req), text: req.transcript }]);
    req.signal?.throwIfAborted();
    return p!;
  }

  /**
   * P(complete) for many inputs at once (one batched run; used by the CLI and the benchmark).
   *
   * @example
   * ```ts
   * const [p] = await detector.predictMany([{ context: [], text: 'yes that is right' }]);
   * ```
   */
  async predictMany(inputs: readonly TurnFeatureInput[]): Promise<Float32Array> {
    if (inputs.length === 0) return new Float32Array(0);
    const { ort, session, config } = await this.model();
    const rows = inputs.map((input) => extractFeatureIds(input, config.hashBuckets));
    let width = 1;
    for (const r of rows) width = Math.max(width, r.length);
    // Padding id 0 has a zero embedding, so padded rows sum to the same vector.
    const data = new BigInt64Array(rows.length * width);
    rows.forEach((r, i) => {
      for (let k = 0; k < r.length; k++) data[i * width + k] = BigInt(r[k]!);
    });
    let out: Ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({
        [config.input]: new ort.Tensor('int64', data, [rows.length, width]),
      });
    } catch (err) {
      throw ProviderError.wrap(this.label, err, 'inference failed');
    }
    const probs = out[config.output]?.data;
    if (!(probs instanceof Float32Array) || probs.length !== rows.length) {
      throw new ProviderError(
        this.label,
        `unexpected model output; expected ${rows.length} probabilities`,
      );
    }
    return probs;
  }

  /** Releases the ONNX session. Idempotent. */
  close(): Promise<void> {
    return this.loaded.close();
  }

  private model(): Promise<Loaded> {
    return this.loaded.get();
  }

  private async loadModel(): Promise<Loaded> {
    const config = readConfig(this.label, this.configPath);
    if (!existsSync(this.modelPath)) {
      throw new ProviderError(
        this.label,
        `model file ${this.modelPath} is missing; run \`npm run train:turn\` to build the turn detector (or pass modelPath)`,
      );
    }
    try {
      const { ort, session } = await openOnnxSession(this.modelPath);
      if (
        !session.inputNames.includes(config.input) ||
        !session.outputNames.includes(config.output)
      ) {
        await session.release();
        throw new Error(
          `model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; the config expects ${config.input} → ${config.output}`,
        );
      }
      return { ort, session, config };
    } catch (err) {
      throw ProviderError.wrap(this.label, err, `loading ${this.modelPath} failed`);
    }
  }
}
