/**
 * The one place numbers become text in the views, so every view says the same thing the
 * same way (docs/methods.md "Units and formats"):
 * - information (entropy, KL, log-probabilities, losses) in nats, the engine's unit;
 *   the attention summary's bits are converted with `bitsToNats`;
 * - probabilities and shares (0..1) as percent with 3 significant digits;
 * - other quantities (ratios, cosines, norms, L2 distances, scores) with 3 significant digits.
 */

/** The unit of every entropy, KL, log-probability and loss the page shows. */
export const INFO_UNIT = 'nats';

/** Significant digits of every formatted number. */
export const SIG_DIGITS = 3;

/** What a missing value (NaN, undefined) shows. */
export const MISSING = '—';

/** 1 bit = ln 2 nats. */
export function bitsToNats(bits: number): number {
  return bits * Math.LN2;
}

/**
 * `x` with `digits` significant digits, in fixed notation for 1e-3 ≤ |x| < 1e6 (no
 * trailing-zero trimming: 0.5 → "0.500", so columns line up; integers of more than
 * `digits` digits are rounded to the unit, never padded with zeros), else exponent notation
 * ("1.23e-7"). 0 → "0"; NaN → "—"; ±Infinity → "∞" / "-∞". Negative numbers keep ASCII "-", so a copied value parses.
 */
export function fmtNum(x: number | undefined, digits = SIG_DIGITS): string {
  if (x === undefined || Number.isNaN(x)) return MISSING;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const sign = x < 0 ? '-' : '';
  // Large values keep every integer digit (1234.5 → "1235", not a made-up "1230").
  if (Math.abs(x) >= 10 ** digits && Math.abs(x) < 1e6) return sign + Math.abs(x).toFixed(0);
  // Round first, so 9.996 → 10.0 (not "10.00", which would have 4 significant digits).
  const r = Number(Math.abs(x).toPrecision(digits));
  if (r < 1e-3 || r >= 1e6) return sign + r.toExponential(digits - 1).replace('e+', 'e');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(r)));
  return sign + r.toFixed(decimals);
}

/** A probability or share p in 0..1 as percent: 0.5 → "50.0%", 0.0123 → "1.23%", 1e-7 → "1.00e-5%". */
export function fmtProb(p: number | undefined): string {
  if (p === undefined || Number.isNaN(p)) return MISSING;
  return `${fmtNum(p * 100)}%`;
}

/** Entropy, KL or a log-probability in nats: 1.2345 → "1.23 nats" (`unit: false` → "1.23"). */
export function fmtInfo(nats: number | undefined, opts: { unit?: boolean } = {}): string {
  const v = fmtNum(nats);
  return opts.unit === false || v === MISSING ? v : `${v} ${INFO_UNIT}`;
}
