/**
 * koffi bindings to the CMU pocketsphinx 5prealpha C libraries as packaged by Debian/Ubuntu
 * (`libpocketsphinx3`, `libsphinxbase3`: `libpocketsphinx.so.3`, `libsphinxbase.so.3`).
 * Loaded only inside the pocketsphinx worker thread: every call here is synchronous and
 * some (decoder init, end of utterance) take hundreds of milliseconds.
 *
 * The decoder configuration is built with `cmd_ln_parse_r(NULL, ps_args(), argc, argv, 1)`,
 * which takes an argv array, instead of the variadic `cmd_ln_init` (koffi can call variadic
 * functions, but only with explicit types for every extra argument).
 */

import { existsSync } from 'node:fs';
import koffi, { type LibraryHandle } from 'koffi';

/** Names or paths of the two shared libraries. */
export interface PocketsphinxLibraries {
  sphinxbase: string;
  pocketsphinx: string;
}

/** The one-line install hint shown when the libraries cannot be loaded. */
export const INSTALL_HINT = 'apt-get install libpocketsphinx3 pocketsphinx-en-us';

/** A failure with a stable code: `library_missing`, `model_missing`, `decoder_init`, `decoder`. */
export class PocketsphinxError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PocketsphinxError';
    this.code = code;
  }
}

/** An opaque native pointer, as koffi hands it out. */
type Pointer = object;

/** The C functions used, typed for TypeScript. */
export interface PocketsphinxApi {
  cmdLnParse(argv: readonly string[]): Pointer | null;
  cmdLnFree(config: Pointer): void;
  cmdLnInt(config: Pointer, name: string): number;
  cmdLnStr(config: Pointer, name: string): string | null;
  init(config: Pointer): Pointer | null;
  free(ps: Pointer): void;
  startStream(ps: Pointer): number;
  startUtt(ps: Pointer): number;
  processRaw(ps: Pointer, data: Int16Array, n: number): number;
  endUtt(ps: Pointer): number;
  getHyp(ps: Pointer): string | null;
  getInSpeech(ps: Pointer): number;
  segIter(ps: Pointer): Pointer | null;
  segNext(seg: Pointer): Pointer | null;
  segWord(seg: Pointer): string | null;
  segFrames(seg: Pointer, out: [number, number]): void;
  segProb(seg: Pointer): number;
  logmath(ps: Pointer): Pointer;
  feat(ps: Pointer): Pointer | null;
  logmathExp(logmath: Pointer, logProb: number): number;
}

/** One entry of the best path: a word, filler or silence, with frame bounds (inclusive). */
export interface DecoderSegment {
  /** As in the dictionary: may be `<s>`, `<sil>`, `[NOISE]`, or an alternate like `read(2)`. */
  word: string;
  /** First frame, in frames since `startStream` (the library adds its stream offset). */
  startFrame: number;
  /** Last frame, inclusive. */
  endFrame: number;
  /** Posterior probability in [0, 1] (meaningful with `-bestpath yes`, the default). */
  posterior: number;
}

const loaded = new Map<string, PocketsphinxApi>();

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Loads the libraries (once per thread and path pair) and binds the functions. Throws a
 * {@link PocketsphinxError} with code `library_missing` and the install hint on failure.
 */
export function loadPocketsphinx(libs: PocketsphinxLibraries): PocketsphinxApi {
  const key = `${libs.sphinxbase}\n${libs.pocketsphinx}`;
  const cached = loaded.get(key);
  if (cached) return cached;
  let sb: LibraryHandle;
  let ps: LibraryHandle;
  try {
    sb = koffi.load(libs.sphinxbase);
    ps = koffi.load(libs.pocketsphinx);
  } catch (err) {
    throw new PocketsphinxError(
      'library_missing',
      `pocketsphinx not found: ${INSTALL_HINT} (${oneLine(err)})`,
      { cause: err },
    );
  }
  try {
    const api = bind(sb, ps);
    loaded.set(key, api);
    return api;
  } catch (err) {
    throw new PocketsphinxError(
      'library_missing',
      `pocketsphinx libraries lack an expected function; ${INSTALL_HINT} provides 5prealpha (${oneLine(err)})`,
      { cause: err },
    );
  }
}

function bind(sb: LibraryHandle, ps: LibraryHandle): PocketsphinxApi {
  const cmdLnParseR = sb.func(
    'void *cmd_ln_parse_r(void *inout, void *defn, int32_t argc, const char **argv, int32_t strict)',
  );
  const cmdLnFreeR = sb.func('int cmd_ln_free_r(void *cmdln)');
  const cmdLnIntR = sb.func('long cmd_ln_int_r(void *cmdln, const char *name)');
  const cmdLnStrR = sb.func('const char *cmd_ln_str_r(void *cmdln, const char *name)');
  const errSetLogfp = sb.func('void err_set_logfp(void *fp)');
  const logmathExp = sb.func('double logmath_exp(void *lmath, int logb_p)');
  const psArgs = ps.func('void *ps_args()');
  const psInit = ps.func('void *ps_init(void *config)');
  const psFree = ps.func('int ps_free(void *ps)');
  const psStartStream = ps.func('int ps_start_stream(void *ps)');
  const psStartUtt = ps.func('int ps_start_utt(void *ps)');
  const psProcessRaw = ps.func(
    'int ps_process_raw(void *ps, const int16_t *data, size_t n_samples, int no_search, int full_utt)',
  );
  const psEndUtt = ps.func('int ps_end_utt(void *ps)');
  const psGetHyp = ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *out_best_score)');
  const psGetInSpeech = ps.func('uint8_t ps_get_in_speech(void *ps)');
  // 5prealpha builds differ on whether ps_seg_iter takes an `int32 *out_best_score`; passing
  // the pointer is harmless when it does not (extra register argument, caller cleans up).
  const psSegIter = ps.func('void *ps_seg_iter(void *ps, _Out_ int32_t *out_best_score)');
  const psSegNext = ps.func('void *ps_seg_next(void *seg)');
  const psSegWord = ps.func('const char *ps_seg_word(void *seg)');
  const psSegFrames = ps.func(
    'void ps_seg_frames(void *seg, _Out_ int *out_sf, _Out_ int *out_ef)',
  );
  const psSegProb = ps.func(
    'int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)',
  );
  const psGetLogmath = ps.func('void *ps_get_logmath(void *ps)');
  const psGetFeat = ps.func('void *ps_get_feat(void *ps)');

  // The decoder logs its whole configuration and progress to stderr; a NULL log file turns
  // that off (pass `-logfn <file>` in the decoder arguments to get it back).
  errSetLogfp(null);
  const score = [0];
  const sf = [0];
  const ef = [0];
  const unused = [0];
  return {
    cmdLnParse: (argv) => cmdLnParseR(null, psArgs(), argv.length, [...argv], 1),
    cmdLnFree: (config) => cmdLnFreeR(config),
    cmdLnInt: (config, name) => Number(cmdLnIntR(config, name)),
    cmdLnStr: (config, name) => cmdLnStrR(config, name),
    init: (config) => psInit(config),
    free: (p) => psFree(p),
    startStream: (p) => psStartStream(p),
    startUtt: (p) => psStartUtt(p),
    processRaw: (p, data, n) => psProcessRaw(p, data, n, 0, 0),
    endUtt: (p) => psEndUtt(p),
    getHyp: (p) => psGetHyp(p, score),
    getInSpeech: (p) => psGetInSpeech(p),
    segIter: (p) => psSegIter(p, score),
    segNext: (seg) => psSegNext(seg),
    segWord: (seg) => psSegWord(seg),
    segFrames: (seg, out) => {
      psSegFrames(seg, sf, ef);
      out[0] = sf[0] ?? 0;
      out[1] = ef[0] ?? 0;
    },
    segProb: (seg) => psSegProb(seg, unused, unused, unused),
    logmath: (p) => psGetLogmath(p),
    feat: (p) => psGetFeat(p),
    logmathExp: (lm, logProb) => logmathExp(lm, logProb),
  };
}

/** Files a decoder needs, checked before `ps_init` so a missing model gives a clear error. */
export interface DecoderFiles {
  /** Acoustic model folder (`-hmm`); must contain `mdef`. */
  acousticModel: string;
  /** Pronunciation dictionary (`-dict`). */
  dictionary: string;
  /** N-gram language model (`-lm`) or JSGF grammar (`-jsgf`). */
  languageModel?: string;
  grammar?: string;
}

/** Throws `model_missing` with the first missing file. */
export function checkDecoderFiles(files: DecoderFiles, hint: string): void {
  const required = [
    files.acousticModel,
    `${files.acousticModel}/mdef`,
    files.dictionary,
    ...(files.grammar !== undefined ? [files.grammar] : []),
    ...(files.grammar === undefined && files.languageModel !== undefined
      ? [files.languageModel]
      : []),
  ];
  for (const path of required) {
    if (!existsSync(path)) {
      throw new PocketsphinxError(
        'model_missing',
        `pocketsphinx model not found: ${path} does not exist (${hint})`,
      );
    }
  }
}

/**
 * The live cepstral mean normalization (CMN) state of a decoder, which pocketsphinx updates
 * at every utterance end and keeps for the decoder's lifetime. No function of the 5prealpha
 * API resets it, so this reads the `feat_t` / `cmn_t` structs of sphinxbase 5prealpha
 * (LP64 layout) directly, after checking that known fields hold the expected values; on any
 * mismatch it is not used and the state simply carries over.
 */
class CmnState {
  private readonly cmn: Pointer;
  private readonly mean: Float32Array;
  private readonly sum: Float32Array;
  private readonly initialMean: Float32Array;

  private constructor(cmn: Pointer, mean: Float32Array, sum: Float32Array) {
    this.cmn = cmn;
    this.mean = mean;
    this.sum = sum;
    this.initialMean = mean.slice();
  }

  /** Locates the CMN struct of a freshly initialized decoder, or returns null. */
  static locate(api: PocketsphinxApi, ps: Pointer, config: Pointer): CmnState | null {
    try {
      if (koffi.sizeof('void *') !== 8 || koffi.sizeof('float') !== 4) return null;
      const feat = api.feat(ps);
      const ceplen = api.cmdLnInt(config, '-ceplen');
      if (!feat || ceplen <= 0 || ceplen > 64) return null;
      // struct feat_s { int refcount; char *name; int32 cepsize; int32 n_stream; ...;
      //                 void (*compute_feat)(...); cmn_t *cmn_struct; ... }
      if (koffi.decode(feat, 8, 'const char *') !== api.cmdLnStr(config, '-feat')) return null;
      if (koffi.decode(feat, 16, 'int32_t') !== ceplen) return null;
      const cmn = koffi.decode(feat, 88, 'void *') as Pointer | null;
      if (!cmn) return null;
      // typedef struct { mfcc_t *cmn_mean; mfcc_t *cmn_var; mfcc_t *sum; int32 nframe; int32 veclen; } cmn_t;
      if (koffi.decode(cmn, 28, 'int32_t') !== ceplen) return null;
      if (koffi.decode(cmn, 24, 'int32_t') !== 0) return null; // fresh: no frames yet
      const meanPtr = koffi.decode(cmn, 0, 'void *') as Pointer | null;
      const sumPtr = koffi.decode(cmn, 16, 'void *') as Pointer | null;
      if (!meanPtr || !sumPtr) return null;
      const mean = new Float32Array(koffi.view(meanPtr, ceplen * 4));
      const sum = new Float32Array(koffi.view(sumPtr, ceplen * 4));
      if (!mean.every(Number.isFinite) || !sum.every((v) => v === 0)) return null;
      return new CmnState(cmn, mean, sum);
    } catch {
      return null;
    }
  }

  /** Back to the model's initial means (`-cmninit`), as in a new decoder. */
  reset(): void {
    this.mean.set(this.initialMean);
    this.sum.fill(0);
    koffi.encode(this.cmn, 24, 'int32_t', 0);
  }
}

/**
 * One pocketsphinx decoder (`ps_decoder_t`) and its configuration. Not thread-safe; owned by
 * the worker thread that created it.
 */
export class PocketsphinxDecoder {
  /** Feature frames per second (`-frate`, 100 by default). */
  readonly frameRate: number;
  /** Frames the front end's VAD keeps before a speech start (`-vad_prespeech`). */
  readonly prespeechFrames: number;
  /** Frames of silence after which the VAD leaves speech (`-vad_postspeech`). */
  readonly postspeechFrames: number;
  private readonly api: PocketsphinxApi;
  private ps: Pointer | null;
  private config: Pointer | null;
  private readonly logmath: Pointer;
  private readonly segFrames: [number, number] = [0, 0];
  private readonly cmn: CmnState | null;

  /** Parses `argv` (e.g. `['-hmm', dir, '-lm', file, '-dict', file]`) and loads the models. */
  constructor(api: PocketsphinxApi, argv: readonly string[]) {
    this.api = api;
    const config = api.cmdLnParse(argv);
    if (!config) {
      throw new PocketsphinxError(
        'decoder_init',
        `pocketsphinx rejected the decoder arguments ${JSON.stringify(argv.join(' '))}`,
      );
    }
    const ps = api.init(config);
    if (!ps) {
      api.cmdLnFree(config);
      throw new PocketsphinxError(
        'decoder_init',
        'pocketsphinx failed to initialize the decoder (unreadable or mismatched model files?; pass -logfn <file> in decoderArgs to see its log)',
      );
    }
    this.config = config;
    this.ps = ps;
    this.logmath = api.logmath(ps);
    this.frameRate = api.cmdLnInt(config, '-frate') || 100;
    this.prespeechFrames = api.cmdLnInt(config, '-vad_prespeech');
    this.postspeechFrames = api.cmdLnInt(config, '-vad_postspeech');
    this.cmn = CmnState.locate(api, ps, config);
  }

  /**
   * Forgets what the decoder adapted to (the live CMN means), so a reused decoder starts a
   * new session like a fresh one. Returns false when that state could not be located.
   */
  resetAdaptation(): boolean {
    if (!this.cmn) return false;
    this.cmn.reset();
    return true;
  }

  private get handle(): Pointer {
    if (!this.ps) throw new PocketsphinxError('decoder', 'decoder used after free');
    return this.ps;
  }

  /** Resets the stream frame counter (frame 0 = next sample) and the VAD's noise estimate. */
  startStream(): void {
    this.check(this.api.startStream(this.handle), 'ps_start_stream');
  }

  /** Starts an utterance; also resets the front end's VAD to "not in speech". */
  startUtt(): void {
    this.check(this.api.startUtt(this.handle), 'ps_start_utt');
  }

  /** Decodes 16 kHz mono samples; returns the number of frames searched. */
  process(samples: Int16Array): number {
    return this.check(this.api.processRaw(this.handle, samples, samples.length), 'ps_process_raw');
  }

  /** Whether the front end's VAD is in speech after the last `process`. */
  inSpeech(): boolean {
    return this.api.getInSpeech(this.handle) !== 0;
  }

  /** Ends the utterance (final search pass); `hypothesis`/`segments` then give the result. */
  endUtt(): void {
    this.check(this.api.endUtt(this.handle), 'ps_end_utt');
  }

  /** Best hypothesis so far (partial mid-utterance), or null. Words are dictionary base forms. */
  hypothesis(): string | null {
    return this.api.getHyp(this.handle);
  }

  /** The best path's segments, in order (iterating to the end frees the iterator). */
  segments(): DecoderSegment[] {
    const out: DecoderSegment[] = [];
    for (let seg = this.api.segIter(this.handle); seg; seg = this.api.segNext(seg)) {
      const word = this.api.segWord(seg);
      this.api.segFrames(seg, this.segFrames);
      const posterior = this.api.logmathExp(this.logmath, this.api.segProb(seg));
      if (word !== null) {
        out.push({
          word,
          startFrame: this.segFrames[0],
          endFrame: this.segFrames[1],
          posterior: Number.isFinite(posterior) ? Math.min(1, Math.max(0, posterior)) : 0,
        });
      }
    }
    return out;
  }

  /** Releases the native decoder and configuration. Idempotent. */
  free(): void {
    if (this.ps) this.api.free(this.ps);
    if (this.config) this.api.cmdLnFree(this.config);
    this.ps = null;
    this.config = null;
  }

  private check(rv: number, fn: string): number {
    if (rv < 0) throw new PocketsphinxError('decoder', `${fn} failed (${rv})`);
    return rv;
  }
}
