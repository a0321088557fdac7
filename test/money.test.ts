import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUsd, MoneyFormatError, NANO_PER_USD, parseRatePerMillion, parseUsd } from '../src/money.ts';

describe('parseUsd', () => {
  it.each([
    ['0', 0],
    ['0.00', 0],
    ['1', 1_000_000_000],
    ['1.5', 1_500_000_000],
    ['12.50', 12_500_000_000],
    ['0.000000001', 1],
    ['0.1', 100_000_000],
    ['.25', 250_000_000],
    ['3.', 3_000_000_000],
    ['1e-7', 100],
    ['1.5E3', 1_500_000_000_000],
    ['0.0000000010000', 1], // trailing zeros beyond 9 decimals are exact
    ['  2.5 ', 2_500_000_000],
    ['9007199.254740991', Number.MAX_SAFE_INTEGER],
  ])('%j -> %d nano', (text, nano) => {
    expect(parseUsd(text)).toBe(nano);
  });

  it('converts numbers through their decimal text, not float multiplication', () => {
    // 0.1 * 1e9 and 1.1 * 1e9 are exact here only because no float multiply happens
    expect(parseUsd(0.1)).toBe(100_000_000);
    expect(parseUsd(1.1)).toBe(1_100_000_000);
    expect(parseUsd(0.000001)).toBe(1000);
    expect(parseUsd(1e-9)).toBe(1);
    expect(parseUsd(20)).toBe(20 * NANO_PER_USD);
  });

  it.each([
    ['-1', /negative/],
    [-0.5, /negative/],
    ['abc', /not a decimal/],
    ['', /not a decimal/],
    ['1,5', /not a decimal/],
    ['0x10', /not a decimal/],
    ['+1', /not a decimal/],
    ['0.0000000001', /more than 9 decimal places/],
    [1e-10, /more than 9 decimal places/],
    ['1e-10', /more than 9 decimal places/],
    ['9007199.254740992', /too large/],
    ['1e21', /too large/],
    [1e21, /too large/],
    ['1e999999999999', /too large/],
    ['1e99999999999999999999', /exponent out of range/],
    [Number.NaN, /not a finite number/],
    [Number.POSITIVE_INFINITY, /not a finite number/],
  ])('rejects %j', (v, message) => {
    expect(() => parseUsd(v)).toThrow(MoneyFormatError);
    expect(() => parseUsd(v)).toThrow(message);
  });

  it('treats any exponent on zero as zero', () => {
    expect(parseUsd('0e999999999')).toBe(0);
    expect(parseUsd('0.000e-999999')).toBe(0);
  });

  it('errors carry a stable code', () => {
    try {
      parseUsd('-1');
      expect.unreachable();
    } catch (err) {
      expect((err as MoneyFormatError).code).toBe('TG_ERR_MONEY_FORMAT');
    }
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '0.00'],
    [1, '0.000000001'],
    [1250, '0.00000125'],
    [10_000_000, '0.01'],
    [100_000_000, '0.10'],
    [1_500_000_000, '1.50'],
    [12_345_678_901, '12.345678901'],
    [5_880_000, '0.00588'],
    [-1_500_000_000, '-1.50'],
    [Number.MAX_SAFE_INTEGER, '9007199.254740991'],
  ])('%d -> %s', (nano, text) => {
    expect(formatUsd(nano)).toBe(text);
  });

  it('rejects non-integers', () => {
    expect(() => formatUsd(1.5)).toThrow(MoneyFormatError);
    expect(() => formatUsd(Number.NaN)).toThrow(MoneyFormatError);
  });

  it('round-trips with parseUsd for every safe non-negative amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (nano) => {
        expect(parseUsd(formatUsd(nano))).toBe(nano);
      }),
    );
  });
});

describe('parseRatePerMillion', () => {
  it.each([
    ['2.50', 2_500_000],
    ['0.075', 75_000],
    [0.075, 75_000],
    ['0.005', 5_000],
    ['0.000001', 1],
    [0.0025, 2_500],
    ['60', 60_000_000],
    ['0', 0],
  ])('%j USD/1M -> %d pico per token', (v, pico) => {
    expect(parseRatePerMillion(v)).toBe(pico);
  });

  it('rejects more than 6 decimals and negatives', () => {
    expect(() => parseRatePerMillion('0.0000001')).toThrow(/more than 6 decimal places/);
    expect(() => parseRatePerMillion(-1)).toThrow(/negative/);
    expect(() => parseRatePerMillion('ten')).toThrow(MoneyFormatError);
  });
});
