import { describe, expect, it } from 'vitest';
import { formatValidationErrors, parseLimit, parseTime } from '../../src/admin/validation.ts';
import { toKeyView, toReport, toUserView, utilization } from '../../src/admin/views.ts';
import type { ReportRow, User } from '../../src/store/types.ts';

const at = (iso: string) => Date.parse(iso);

function user(over: Partial<User> = {}): User {
  return {
    id: 'usr_1',
    name: 'alice',
    disabled: false,
    quota: { limitNano: 10_000_000_000, period: 'month', enforce: true },
    spendNano: 2_500_000_001,
    periodStart: at('2026-03-01T00:00:00Z'),
    exhausted: false,
    createdAt: at('2026-01-15T08:00:00Z'),
    ...over,
  };
}

describe('toUserView', () => {
  it('shows the current period spend, remaining and utilisation exactly', () => {
    expect(toUserView(user(), at('2026-03-20T12:00:00Z'))).toEqual({
      id: 'usr_1',
      name: 'alice',
      disabled: false,
      quota: { limitUsd: '10.00', limitNano: 10_000_000_000, period: 'month', enforce: true },
      spendUsd: '2.500000001',
      spendNano: 2_500_000_001,
      remainingUsd: '7.499999999',
      remainingNano: 7_499_999_999,
      utilization: 25,
      exhausted: false,
      periodStart: '2026-03-01T00:00:00.000Z',
      periodEnd: '2026-04-01T00:00:00.000Z',
      createdAt: '2026-01-15T08:00:00.000Z',
    });
  });

  it('a stored spend from an older period counts as zero', () => {
    const v = toUserView(user({ exhausted: true, spendNano: 10_000_000_000 }), at('2026-04-02T00:00:00Z'));
    expect(v).toMatchObject({ spendNano: 0, remainingNano: 10_000_000_000, utilization: 0, exhausted: false, periodStart: '2026-04-01T00:00:00.000Z' });
  });

  it('exhausted at or over the limit, whatever the stored flag says; utilisation may pass 100', () => {
    const v = toUserView(user({ spendNano: 12_345_000_000 }), at('2026-03-20T00:00:00Z'));
    expect(v).toMatchObject({ exhausted: true, remainingNano: 0, remainingUsd: '0.00', utilization: 123.5 });
  });

  it('without a limit: nulls; lifetime: starts at creation and never ends', () => {
    const v = toUserView(user({ quota: { limitNano: null, period: 'lifetime', enforce: true }, periodStart: 0 }), at('2026-03-20T00:00:00Z'));
    expect(v).toMatchObject({ remainingUsd: null, remainingNano: null, utilization: null, exhausted: false, periodEnd: null, periodStart: '2026-01-15T08:00:00.000Z' });
  });
});

describe('utilization', () => {
  it('is a percentage with one decimal', () => {
    expect(utilization(1, 3)).toBe(33.3);
    expect(utilization(2, 3)).toBe(66.7);
    expect(utilization(0, 0)).toBe(100);
    expect(utilization(5, null)).toBeNull();
  });
});

describe('toKeyView', () => {
  it('never carries the hash', () => {
    const v = toKeyView({ id: 'key_1', userId: 'usr_1', hash: 'deadbeef', prefix: 'tg-abcdefg', label: 'ci', createdAt: 0, lastUsedAt: 1000, revokedAt: null });
    expect(v).toEqual({ id: 'key_1', userId: 'usr_1', prefix: 'tg-abcdefg', label: 'ci', createdAt: '1970-01-01T00:00:00.000Z', lastUsedAt: '1970-01-01T00:00:01.000Z', revokedAt: null });
  });
});

describe('toReport', () => {
  const row = (group: string, costNano: number, over: Partial<ReportRow> = {}): ReportRow => ({
    group, requests: 2, inputTokens: 1000, cachedTokens: 600, cacheWriteTokens: 100, outputTokens: 50, reasoningTokens: 10, costNano, savedNano: 7, ...over,
  });

  it('sums the totals in integers and splits uncached input', () => {
    const { rows, totals } = toReport([row('a', 999_999_999), row('b', 4_000_000_000_000_001)], 'user');
    expect(rows.map((r) => r.group)).toEqual(['b', 'a']); // by cost, highest first
    expect(rows[0]).toMatchObject({ uncachedTokens: 300, costUsd: '4000000.000000001' });
    expect(totals).toEqual({
      requests: 4, inputTokens: 2000, cachedTokens: 1200, uncachedTokens: 600, cacheWriteTokens: 200, outputTokens: 100, reasoningTokens: 20,
      costNano: 4_000_001_000_000_000, costUsd: '4000001.00', savedNano: 14, savedUsd: '0.000000014',
    });
  });

  it('orders days oldest first and handles an empty report', () => {
    expect(toReport([row('2026-03-02', 5), row('2026-03-01', 9)], 'day').rows.map((r) => r.group)).toEqual(['2026-03-01', '2026-03-02']);
    expect(toReport([], 'model')).toEqual({
      rows: [],
      totals: { requests: 0, inputTokens: 0, cachedTokens: 0, uncachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costNano: 0, costUsd: '0.00', savedNano: 0, savedUsd: '0.00' },
    });
  });
});

describe('input parsing', () => {
  it('parseLimit takes decimal strings and numbers exactly, null for no limit, and names the field', () => {
    expect(parseLimit('12.50', 'quota.limitUsd')).toBe(12_500_000_000);
    expect(parseLimit(0.1, 'quota.limitUsd')).toBe(100_000_000);
    expect(parseLimit(null, 'quota.limitUsd')).toBeNull();
    expect(() => parseLimit('1e30', 'quota.limitUsd')).toThrow(/quota\.limitUsd: .*too large/);
    expect(() => parseLimit('-5', 'quota.limitUsd')).toThrow(expect.objectContaining({ code: 'TG_INVALID_REQUEST', param: 'quota.limitUsd' }));
  });

  it('parseTime takes dates (UTC) and date-times with a zone only', () => {
    expect(parseTime('2026-03-01', 'from')).toBe(at('2026-03-01T00:00:00Z'));
    expect(parseTime('2026-03-01T12:30:00+02:00', 'from')).toBe(at('2026-03-01T10:30:00Z'));
    expect(parseTime('2026-03-01T12:30:00.250Z', 'to')).toBe(at('2026-03-01T12:30:00.250Z'));
    for (const bad of ['2026-03-01T12:30:00', 'March 1', '2026-13-01', '1700000000000']) {
      expect(() => parseTime(bad, 'from'), bad).toThrow(expect.objectContaining({ code: 'TG_INVALID_REQUEST', param: 'from' }));
    }
  });

  it('validation errors become one readable message per field', () => {
    const err = formatValidationErrors(
      [
        { keyword: 'required', schemaPath: '#', instancePath: '', params: { requiredProperties: ['name'] }, message: 'must have required properties name' },
        { keyword: 'boolean', schemaPath: '#/additionalProperties', instancePath: '/nmae', params: {}, message: 'schema is false' },
        { keyword: 'additionalProperties', schemaPath: '#', instancePath: '', params: { additionalProperties: ['nmae'] }, message: 'must not have additional properties' },
        { keyword: 'maximum', schemaPath: '#/properties/limit', instancePath: '/limit', params: { limit: 500 }, message: 'must be <= 500' },
      ],
      'body',
    );
    expect(err.code).toBe('TG_INVALID_REQUEST');
    expect(err.message).toBe('Invalid request: body is missing required name; body.nmae is not a known field; body.limit must be <= 500.');
  });
});
