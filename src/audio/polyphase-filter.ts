/**
 * Interpolation kernels for the streaming {@link Resampler}, tabulated per fractional phase
 * so the per-sample work is a dot product. Internal to `src/audio`.
 *
 * Output sample n sits at input position `t = n * down / up` (in input samples). Writing
 * `t = i + frac`, it is computed from the `taps = 2 * halfTaps` inputs
 * `x[i - halfTaps + 1] .. x[i + halfTaps]` with the coefficient row for `frac`.
 */

/** Interpolation quality: `'fast'` is linear interpolation, `'good'` a Kaiser-windowed sinc. */
export type ResamplerQuality = 'fast' | 'good';

/** A kernel tabulated at `phases + 1` evenly spaced fractional positions in [0, 1]. */
export interface PolyphaseFilter {
  /** Inputs needed on each side of the output position. */
  readonly halfTaps: number;
  /** Coefficients per row (`2 * halfTaps`). */
  readonly taps: number;
  /** Number of table intervals; row `q` is for `frac = q / phases`. */
  readonly phases: number;
  /**
   * Whether `phases` equals the resampling numerator `up`, so every output position hits a
   * row exactly; otherwise the resampler interpolates between neighbouring rows.
   */
  readonly exact: boolean;
  /** `(phases + 1) * taps` coefficients, row-major. */
  readonly coefficients: Float32Array;
}

/**
 * Zero crossings of the sinc on each side of the centre (at the cutoff frequency). More
 * crossings narrow the transition band at the cost of proportionally more work per sample.
 */
const ZERO_CROSSINGS = 32;
/** Kaiser window shape; 8.6 gives roughly 85 dB of stop-band attenuation. */
const KAISER_BETA = 8.6;
/**
 * Cutoff as a fraction of the lower Nyquist frequency, min(inRate, outRate) / 2. Slightly
 * below 1 so the transition band (about 0.085 × the lower rate wide with the settings
 * above) ends at the Nyquist frequency instead of straddling it, which would let tones just
 * above Nyquist alias back with only ~6 dB of attenuation.
 */
const ROLLOFF = 0.915;
/** Largest exact table (coefficients, 4 MiB) before switching to interpolated rows. */
const MAX_EXACT_TABLE_COEFFICIENTS = 1 << 20;
/**
 * Row count when an exact table would be too large (ratios such as 8000 → 44099). Linear
 * interpolation between 512 rows keeps the coefficient error below the Int16 noise floor.
 */
const INTERPOLATED_PHASES = 512;

/**
 * Builds the tabulated kernel for resampling `inputRate → outputRate`, where
 * `up / down` is the reduced ratio `outputRate / inputRate`.
 *
 * @example
 * ```ts
 * const f = buildPolyphaseFilter(48000, 16000, 1, 'good');
 * f.phases; // 1: every output lands on an input sample
 * ```
 */
export function buildPolyphaseFilter(
  inputRate: number,
  outputRate: number,
  up: number,
  quality: ResamplerQuality,
): PolyphaseFilter {
  if (quality === 'fast') {
    // Linear interpolation is exactly linear in frac, so two rows suffice for any ratio.
    return { halfTaps: 1, taps: 2, phases: 1, exact: up === 1, coefficients: linearTable() };
  }
  // Cutoff relative to the input rate: 1 means input Nyquist (pure interpolation).
  const cutoff = (ROLLOFF * Math.min(inputRate, outputRate)) / inputRate;
  const halfWidth = ZERO_CROSSINGS / cutoff;
  const halfTaps = Math.ceil(halfWidth);
  const taps = 2 * halfTaps;
  const exact = (up + 1) * taps <= MAX_EXACT_TABLE_COEFFICIENTS;
  const phases = exact ? up : INTERPOLATED_PHASES;
  const coefficients = new Float32Array((phases + 1) * taps);
  const i0Beta = besselI0(KAISER_BETA);
  for (let q = 0; q <= phases; q++) {
    const frac = q / phases;
    const row = q * taps;
    let sum = 0;
    for (let m = 0; m < taps; m++) {
      const x = frac + halfTaps - 1 - m;
      const value = cutoff * sinc(cutoff * x) * kaiser(x / halfWidth, i0Beta);
      coefficients[row + m] = value;
      sum += value;
    }
    // Unit DC gain in every phase: otherwise the window's ripple shows up as a faint
    // periodic modulation at the phase rate.
    for (let m = 0; m < taps; m++) coefficients[row + m] = coefficients[row + m]! / sum;
  }
  return { halfTaps, taps, phases, exact, coefficients };
}

function linearTable(): Float32Array {
  // Row 0 (frac = 0) weights x[i] fully; row 1 (frac = 1) weights x[i + 1] fully.
  return new Float32Array([1, 0, 0, 1]);
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Kaiser window at `r` in [-1, 1] (0 outside). */
function kaiser(r: number, i0Beta: number): number {
  if (r <= -1 || r >= 1) return 0;
  return besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
}

/** Modified Bessel function of the first kind, order 0, by its power series. */
function besselI0(x: number): number {
  const half = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 64; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}
