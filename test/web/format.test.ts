import { describe, expect, it } from 'vitest';
import { formatCompact, formatRelative, formatUsd, nanoToDecimal, parseLimitInput } from '../../web/src/format.ts';

describe('formatUsd (display of nano-dollars)', () => {
  it('rounds to cents with thousands separators from a cent up', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(10_000_000)).toBe('$0.01');
    expect(formatUsd(7_500_000_000)).toBe('$7.50');
    expect(formatUsd(1_234_567_890_123)).toBe('$1,234.57');
    expect(formatUsd(14_994_999_999)).toBe('$14.99');
    expect(formatUsd(14_995_000_000)).toBe('$15.00');
  });

  it('keeps four significant digits below a cent, so a cheap request is not shown as free', () => {
    expect(formatUsd(352_800)).toBe('$0.0003528');
    expect(formatUsd(1)).toBe('$0.000000001');
    expect(formatUsd(9_999_999)).toBe('$0.009999');
    expect(formatUsd(123_456)).toBe('$0.0001234');
  });

  it('signs negative amounts', () => {
    expect(formatUsd(-2_500_000_000)).toBe('-$2.50');
  });
});

describe('limit input', () => {
  it('turns a stored limit back into the exact decimal for the form', () => {
    expect(nanoToDecimal(10_000_000_000)).toBe('10');
    expect(nanoToDecimal(12_500_000_000)).toBe('12.50');
    expect(nanoToDecimal(123_456_789)).toBe('0.123456789');
    expect(nanoToDecimal(0)).toBe('0');
  });

  it('accepts dollars with up to 9 decimals, empty for no limit, and refuses the rest', () => {
    expect(parseLimitInput(' 25 ')).toEqual({ ok: true, limitUsd: '25' });
    expect(parseLimitInput('$1,250.5')).toEqual({ ok: true, limitUsd: '1250.5' });
    expect(parseLimitInput('')).toEqual({ ok: true, limitUsd: null });
    expect(parseLimitInput('0.000000001')).toEqual({ ok: true, limitUsd: '0.000000001' });
    expect(parseLimitInput('0.0000000001').ok).toBe(false);
    expect(parseLimitInput('-5').ok).toBe(false);
    expect(parseLimitInput('1e3').ok).toBe(false);
    expect(parseLimitInput('ten').ok).toBe(false);
  });

  it('round-trips every limit it displays', () => {
    for (const nano of [1, 10, 999_999_999, 1_000_000_000, 12_340_000_000, 987_654_321_012]) {
      const parsed = parseLimitInput(nanoToDecimal(nano));
      expect(parsed.ok && parsed.limitUsd).toBe(nanoToDecimal(nano));
    }
  });
});

describe('compact numbers and times', () => {
  it('shortens token counts', () => {
    expect(formatCompact(812)).toBe('812');
    expect(formatCompact(9_999)).toBe('9,999');
    expect(formatCompact(35_400)).toBe('35.4k');
    expect(formatCompact(2_000_000)).toBe('2M');
    expect(formatCompact(1_250_000)).toBe('1.3M');
  });

  it('says when a period resets', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-03-10T12:30:00Z', now)).toBe('in 30 minutes');
    expect(formatRelative('2026-03-11T00:00:00Z', now)).toBe('in 12 hours');
    expect(formatRelative('2026-04-01T00:00:00Z', now)).toBe('in 22 days');
    expect(formatRelative('2026-03-01T00:00:00Z', now)).toBe('now');
  });
});
