import { describe, expect, it } from 'vitest';
import { CRITICAL_AT, searchUsers, sortUsers, utilizationLevel, WARN_AT } from '../../web/src/quota.ts';
import type { UserView } from '../../web/src/types.ts';

function user(name: string, limitNano: number | null, spendNano: number, enforce = true, exhausted = false): UserView {
  const utilization = limitNano === null ? null : limitNano === 0 ? 100 : Math.round((spendNano / limitNano) * 1000) / 10;
  return {
    id: `usr_${name}`,
    name,
    disabled: false,
    quota: { limitUsd: null, limitNano, period: 'month', enforce },
    spendUsd: '0',
    spendNano,
    remainingUsd: null,
    remainingNano: null,
    utilization,
    exhausted,
    periodStart: '2026-03-01T00:00:00.000Z',
    periodEnd: '2026-04-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('utilisation levels', () => {
  it('is green below 70 %, orange from 70 % to below 90 %, red from 90 %', () => {
    expect([WARN_AT, CRITICAL_AT]).toEqual([70, 90]);
    const level = (pct: number) => utilizationLevel(user('u', 1000, pct * 10));
    expect(level(0)).toBe('ok');
    expect(level(69.9)).toBe('ok');
    expect(level(70)).toBe('warn');
    expect(level(89.9)).toBe('warn');
    expect(level(90)).toBe('critical');
    expect(level(250)).toBe('critical');
  });

  it('is red once exhausted, "off" when not enforced, "none" without a limit', () => {
    expect(utilizationLevel(user('u', 1000, 100, true, true))).toBe('critical');
    expect(utilizationLevel(user('u', 1000, 950, false))).toBe('off');
    expect(utilizationLevel(user('u', null, 950, false))).toBe('off');
    expect(utilizationLevel(user('u', null, 950))).toBe('none');
  });
});

describe('sorting and searching the users list', () => {
  const users = [
    user('carol', 1000, 950),
    user('alice', 1000, 100),
    user('dave', null, 5000),
    user('bob', 1000, 990, false),
    user('Erin', 500, 400),
    user('frank2', 2000, 0),
    user('frank10', 2000, 0),
  ];
  const names = (list: UserView[]) => list.map((u) => u.name);

  it('sorts names case-insensitively and numbers naturally', () => {
    expect(names(sortUsers(users, 'name', 'asc'))).toEqual(['alice', 'bob', 'carol', 'dave', 'Erin', 'frank2', 'frank10']);
    expect(names(sortUsers(users, 'name', 'desc'))[0]).toBe('frank10');
  });

  it('puts enforced limits first by utilisation, then unenforced ones, then no limit', () => {
    expect(names(sortUsers(users, 'utilization', 'desc'))).toEqual(['carol', 'Erin', 'alice', 'frank2', 'frank10', 'bob', 'dave']);
    expect(names(sortUsers(users, 'utilization', 'asc'))[0]).toBe('dave');
  });

  it('sorts by spend and by limit (no limit counts as the largest), ties by name', () => {
    expect(names(sortUsers(users, 'spend', 'desc')).slice(0, 3)).toEqual(['dave', 'bob', 'carol']);
    expect(names(sortUsers(users, 'limit', 'asc'))).toEqual(['Erin', 'alice', 'bob', 'carol', 'frank2', 'frank10', 'dave']);
  });

  it('does not reorder the input array', () => {
    const before = names(users);
    sortUsers(users, 'spend', 'asc');
    expect(names(users)).toEqual(before);
  });

  it('searches names and ids, every word having to match', () => {
    expect(names(searchUsers(users, 'FRANK'))).toEqual(['frank2', 'frank10']);
    expect(names(searchUsers(users, 'usr_ frank1'))).toEqual(['frank10']);
    expect(names(searchUsers(users, '  '))).toHaveLength(users.length);
    expect(searchUsers(users, 'nobody')).toEqual([]);
  });
});
