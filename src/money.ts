/**
 * Money is an integer count of nano-dollars (1e-9 USD) held in a JS number (always a safe integer).
 * Prices are integer pico-dollars (1e-12 USD) per token so that sub-nano per-token rates stay exact;
 * costs are converted to nano once per request (see src/pricing/cost.ts).
 *
 * Every conversion from text goes through decimal string arithmetic: multiplying floats
 * (0.1 * 1e9) is how cents go missing.
 */

export const NANO_PER_USD = 1_000_000_000;

/** Pico-dollars per token for a rate of 1 USD per 1M tokens. */
export const PICO_PER_TOKEN_PER_USD_PER_MILLION = 1_000_000;

export class MoneyFormatError extends Error {
  readonly code = 'TG_ERR_MONEY_FORMAT';
  override name = 'MoneyFormatError';
}

// digits, optional fraction (or a bare fraction), optional exponent. No sign: negatives are refused.
const DECIMAL = /^(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a non-negative decimal (string or number) and returns value * 10^scale as a safe integer.
 * `what` names the unit in error messages.
 */
function parseScaled(v: string | number, scale: number, what: string): number {
  let text: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new MoneyFormatError(`${what}: not a finite number: ${String(v)}`);
    text = String(v); // shortest round-trip form, e.g. 0.075 -> "0.075", 1e-7 -> "1e-7"
  } else if (typeof v === 'string') {
    text = v.trim();
  } else {
    throw new MoneyFormatError(`${what}: expected a decimal string or number, got ${typeof v}`);
  }
  if (text.startsWith('-')) throw new MoneyFormatError(`${what}: must not be negative: ${JSON.stringify(text)}`);
  const m = DECIMAL.exec(text);
  if (m === null) throw new MoneyFormatError(`${what}: not a decimal number: ${JSON.stringify(text)}`);
  const intPart = m[1] ?? '';
  const fracPart = m[2] ?? m[3] ?? '';
  const expText = m[4];
  // Exponents beyond this are either zero or certainly out of range; bounding it keeps strings small.
  const exp = expText === undefined ? 0 : Number(expText);
  if (!Number.isSafeInteger(exp)) throw new MoneyFormatError(`${what}: exponent out of range: ${JSON.stringify(text)}`);

  let digits = intPart + fracPart;
  let point = intPart.length + exp; // position of the decimal point within `digits`
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits.length === 0) return 0;

  const decimals = digits.length - point;
  if (decimals > scale) {
    throw new MoneyFormatError(`${what}: more than ${scale} decimal places: ${JSON.stringify(text)}`);
  }
  const totalDigits = point + scale; // digits of the scaled integer (leading digit is non-zero)
  if (totalDigits > 16) throw new MoneyFormatError(`${what}: too large: ${JSON.stringify(text)}`);
  const scaled = BigInt(digits + '0'.repeat(totalDigits - digits.length));
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) throw new MoneyFormatError(`${what}: too large: ${JSON.stringify(text)}`);
  return Number(scaled);
}

/** USD amount (e.g. "12.50", 0.000001) -> nano-dollars. At most 9 decimals; never negative. */
export function parseUsd(v: string | number): number {
  return parseScaled(v, 9, 'USD amount');
}

/** USD per 1M tokens (e.g. "0.075") -> integer pico-dollars per token. At most 6 decimals. */
export function parseRatePerMillion(v: string | number): number {
  return parseScaled(v, 6, 'USD per 1M tokens');
}

/** Nano-dollars -> exact decimal USD string: trailing zeros trimmed, at least 2 decimals. */
export function formatUsd(nano: number): string {
  if (!Number.isSafeInteger(nano)) throw new MoneyFormatError(`nano-dollars must be a safe integer, got ${String(nano)}`);
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  const frac = abs % NANO_PER_USD; // % is exact on integers; division below is exact because of it
  const whole = (abs - frac) / NANO_PER_USD;
  let fracText = String(frac).padStart(9, '0').replace(/0+$/, '');
  if (fracText.length < 2) fracText = fracText.padEnd(2, '0');
  return `${sign}${whole}.${fracText}`;
}
