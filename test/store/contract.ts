import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { periodStart } from '../../src/quota.ts';
import type {
  ApiKeyRecord,
  NewUser,
  Quota,
  ReportGroup,
  ReportQuery,
  ReportRow,
  Store,
  UsageEvent,
  User,
} from '../../src/store/types.ts';

/**
 * The behaviour every Store must have, run against each implementation (sqlite, mongo).
 *
 * `makeStore` returns a fresh, empty store; the suite calls `init()` on it before each test
 * (init is idempotent, so a factory that already initialised is fine) and `dispose` after it.
 * All timestamps are explicit: nothing depends on the wall clock.
 *
 * Decisions pinned here that the interface's doc comments leave open:
 * - a new user's periodStart is the start of the period containing createdAt (0 for lifetime);
 * - duplicate user id/name or key hash (also a rename onto a taken name) reject with code TG_CONFLICT;
 * - a late charge from a period older than the stored one is recorded but leaves spend alone;
 * - a quota period change re-bases periodStart to periodStart(newPeriod, old periodStart);
 * - a charge for a deleted user is recorded and returns applied: true, spendNano 0;
 * - revokeKey keeps the first revocation time; listEvents breaks createdAt ties by requestId desc;
 * - report rows and listUsers/listKeys have no required order.
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 2026-03-01T00:00Z, a Sunday: 2026-03-02 is a Monday. */
const T0 = Date.UTC(2026, 2, 1);
const at = (iso: string): number => Date.parse(iso);

let seq = 0;
const nextId = (): string => String(++seq).padStart(7, '0');

function newUser(over: Partial<NewUser> = {}): NewUser {
  const id = nextId();
  return {
    id: `u${id}`,
    name: `user-${id}`,
    quota: { limitNano: null, period: 'month', enforce: true },
    createdAt: T0,
    ...over,
  };
}

function newKey(userId: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = nextId();
  return {
    id: `k${id}`,
    userId,
    hash: `${id}`.padEnd(64, 'a'),
    prefix: `tg-${id}`,
    label: `label ${id}`,
    createdAt: T0,
    lastUsedAt: null,
    revokedAt: null,
    ...over,
  };
}

function newEvent(userId: string, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: `req-${nextId()}`,
    userId,
    keyId: 'k-default',
    endpoint: 'chat.completions',
    requestedModel: 'gpt-4o-mini',
    servedModel: 'gpt-4o-mini-2024-07-18',
    pricedModel: 'gpt-4o-mini',
    stream: false,
    inputTokens: 100,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 20,
    reasoningTokens: 0,
    costNano: 1_000,
    savedNano: 0,
    status: 200,
    estimated: false,
    flags: [],
    latencyMs: 120,
    upstreamRequestId: null,
    createdAt: T0 + HOUR,
    ...over,
  };
}

/** Deterministic pseudo-random integers in [0, n) (mulberry32), so failures reproduce. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

async function allEvents(store: Store, userId?: string, limit = 50): Promise<UsageEvent[]> {
  const out: UsageEvent[] = [];
  let before: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.listEvents({ userId, before, limit });
    out.push(...page.events);
    if (page.next === null) return out;
    before = page.next;
  }
  throw new Error('listEvents never returned next: null');
}

const byNewest = (a: UsageEvent, b: UsageEvent): number =>
  b.createdAt - a.createdAt || (a.requestId < b.requestId ? 1 : a.requestId > b.requestId ? -1 : 0);

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function groupOf(e: UsageEvent, g: ReportGroup): string {
  switch (g) {
    case 'user':
      return e.userId;
    case 'model':
      return e.pricedModel;
    case 'key':
      return e.keyId;
    case 'day':
      return dayOf(e.createdAt);
  }
}

/** The report computed from the events themselves, with the documented hour rounding. */
function expectedReport(events: UsageEvent[], q: ReportQuery): ReportRow[] {
  const from = Math.floor(q.from / HOUR) * HOUR;
  const to = Math.ceil(q.to / HOUR) * HOUR;
  const rows = new Map<string, ReportRow>();
  for (const e of events) {
    if (e.createdAt < from || e.createdAt >= to) continue;
    if (q.userId !== undefined && e.userId !== q.userId) continue;
    const group = groupOf(e, q.groupBy);
    let r = rows.get(group);
    if (!r) {
      r = { group, requests: 0, inputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costNano: 0, savedNano: 0 };
      rows.set(group, r);
    }
    r.requests += 1;
    r.inputTokens += e.inputTokens;
    r.cachedTokens += e.cachedTokens;
    r.cacheWriteTokens += e.cacheWriteTokens;
    r.outputTokens += e.outputTokens;
    r.reasoningTokens += e.reasoningTokens;
    r.costNano += e.costNano;
    r.savedNano += e.savedNano;
  }
  return sortRows([...rows.values()]);
}

/** Report rows have no required order; compare them sorted by group. */
function sortRows(rows: ReportRow[]): ReportRow[] {
  return [...rows].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  dispose: (s: Store) => Promise<void>,
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });

    afterEach(async () => {
      await dispose(store);
    });

    async function user(over: Partial<NewUser> = {}): Promise<User> {
      return store.createUser(newUser(over));
    }

    describe('lifecycle', () => {
      it('ping resolves and init is idempotent (data survives a second init)', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        const u = await user();
        await store.init();
        expect(await store.getUser(u.id)).toEqual(u);
      });
    });

    describe('users', () => {
      it('createUser returns the stored user with zero spend in the period of createdAt', async () => {
        const input = newUser({ quota: { limitNano: 5_000, period: 'week', enforce: false }, createdAt: at('2026-03-04T10:00:00Z') });
        const created = await store.createUser(input);
        const expected: User = {
          id: input.id,
          name: input.name,
          disabled: false,
          quota: { limitNano: 5_000, period: 'week', enforce: false },
          spendNano: 0,
          periodStart: at('2026-03-02T00:00:00Z'),
          exhausted: false,
          createdAt: input.createdAt,
        };
        expect(created).toEqual(expected);
        expect(await store.getUser(input.id)).toEqual(expected);
        expect(await store.getUserByName(input.name)).toEqual(expected);
        expect(await store.getUser('nobody')).toBeNull();
        expect(await store.getUserByName('nobody')).toBeNull();
      });

      it('createUser rejects a duplicate id or a duplicate name', async () => {
        const u = await user();
        // A stable code, so the admin API can answer 409 whichever store is behind it.
        await expect(store.createUser(newUser({ id: u.id }))).rejects.toMatchObject({ code: 'TG_CONFLICT' });
        await expect(store.createUser(newUser({ name: u.name }))).rejects.toMatchObject({ code: 'TG_CONFLICT' });
        expect(await store.listUsers()).toHaveLength(1);
        const v = await user();
        await expect(store.updateUser(v.id, { name: u.name }, T0)).rejects.toMatchObject({ code: 'TG_CONFLICT' });
        expect(await store.getUser(v.id)).toEqual(v);
      });

      it('listUsers returns every user', async () => {
        expect(await store.listUsers()).toEqual([]);
        const a = await user();
        const b = await user({ quota: { limitNano: 1, period: 'lifetime', enforce: true } });
        const c = await user();
        const list = await store.listUsers();
        expect([...list].sort((x, y) => x.id.localeCompare(y.id))).toEqual([a, b, c]);
      });

      it('updateUser applies name, quota and disabled; unknown id gives null', async () => {
        const u = await user();
        const renamed = await store.updateUser(u.id, { name: 'renamed' }, T0);
        expect(renamed).toEqual({ ...u, name: 'renamed' });
        expect(await store.getUserByName(u.name)).toBeNull();
        expect(await store.getUserByName('renamed')).toEqual(renamed);

        const quota: Quota = { limitNano: 123_456, period: 'day', enforce: false };
        const requota = await store.updateUser(u.id, { quota }, T0);
        expect(requota?.quota).toEqual(quota);
        expect(requota?.name).toBe('renamed');

        const disabled = await store.updateUser(u.id, { disabled: true }, T0);
        expect(disabled?.disabled).toBe(true);
        expect(disabled?.quota).toEqual(quota);
        expect(await store.getUser(u.id)).toEqual(disabled);
        expect((await store.updateUser(u.id, { disabled: false }, T0))?.disabled).toBe(false);

        expect(await store.updateUser('nobody', { name: 'x' }, T0)).toBeNull();
      });

      it('deleteUser removes the user and their keys but keeps their events', async () => {
        const u = await user();
        const other = await user();
        const k = newKey(u.id);
        const otherKey = newKey(other.id);
        await store.createKey(k);
        await store.createKey(otherKey);
        const e = newEvent(u.id, { keyId: k.id });
        await store.charge(e);

        expect(await store.deleteUser(u.id)).toBe(true);
        expect(await store.deleteUser(u.id)).toBe(false);
        expect(await store.getUser(u.id)).toBeNull();
        expect(await store.getUserByName(u.name)).toBeNull();
        expect(await store.findKeyByHash(k.hash)).toBeNull();
        expect(await store.listKeys(u.id)).toEqual([]);
        expect(await store.getEvent(e.requestId)).toEqual(e);
        expect(await allEvents(store, u.id)).toEqual([e]);
        // Other users are untouched.
        expect(await store.getUser(other.id)).toEqual(other);
        expect((await store.findKeyByHash(otherKey.hash))?.key).toEqual(otherKey);
      });
    });

    describe('keys', () => {
      it('findKeyByHash returns the key with its user; unknown hash gives null', async () => {
        const u = await user();
        const k = newKey(u.id);
        await store.createKey(k);
        expect(await store.findKeyByHash(k.hash)).toEqual({ key: k, user: u });
        expect(await store.findKeyByHash('f'.repeat(64))).toBeNull();
      });

      it('createKey rejects a duplicate hash', async () => {
        const u = await user();
        const k = newKey(u.id);
        await store.createKey(k);
        await expect(store.createKey(newKey(u.id, { hash: k.hash }))).rejects.toMatchObject({ code: 'TG_CONFLICT' });
        expect(await store.listKeys(u.id)).toEqual([k]);
      });

      it('listKeys returns only that user’s keys', async () => {
        const u = await user();
        const v = await user();
        const k1 = newKey(u.id, { createdAt: T0 });
        const k2 = newKey(u.id, { createdAt: T0 + 1, label: '' });
        const k3 = newKey(v.id);
        for (const k of [k1, k2, k3]) await store.createKey(k);
        const list = await store.listKeys(u.id);
        expect([...list].sort((a, b) => a.id.localeCompare(b.id))).toEqual([k1, k2]);
        expect(await store.listKeys(v.id)).toEqual([k3]);
        expect(await store.listKeys('nobody')).toEqual([]);
      });

      it('revokeKey sets revokedAt; a revoked key is still found by hash', async () => {
        const u = await user();
        const k = newKey(u.id);
        await store.createKey(k);
        const now = T0 + 5 * HOUR;
        expect(await store.revokeKey(k.id, now)).toBe(true);
        expect(await store.revokeKey('nope', now)).toBe(false);
        const found = await store.findKeyByHash(k.hash);
        expect(found).toEqual({ key: { ...k, revokedAt: now }, user: u });
        expect(await store.listKeys(u.id)).toEqual([{ ...k, revokedAt: now }]);
        // Revoking again still finds the key and keeps the first revocation time.
        expect(await store.revokeKey(k.id, now + HOUR)).toBe(true);
        expect((await store.findKeyByHash(k.hash))?.key.revokedAt).toBe(now);
      });

      it('touchKey sets lastUsedAt', async () => {
        const u = await user();
        const k = newKey(u.id);
        await store.createKey(k);
        await store.touchKey(k.id, T0 + 10);
        await store.touchKey(k.id, T0 + 20);
        expect((await store.findKeyByHash(k.hash))?.key).toEqual({ ...k, lastUsedAt: T0 + 20 });
        await expect(store.touchKey('nope', T0)).resolves.toBeUndefined();
      });
    });

    describe('charge', () => {
      it('is applied once per requestId: a replay changes nothing', async () => {
        const u = await user({ quota: { limitNano: 10_000, period: 'month', enforce: true } });
        const e = newEvent(u.id, { costNano: 4_000, createdAt: T0 + HOUR });
        expect(await store.charge(e)).toEqual({ applied: true, spendNano: 4_000, periodStart: T0, exhausted: false });
        const reportQuery: ReportQuery = { from: T0, to: T0 + DAY, groupBy: 'user' };
        const reportBefore = await store.usageReport(reportQuery);

        // Same requestId, different content (as a retried settle might carry): still nothing.
        const replay = { ...e, costNano: 9_999, inputTokens: 1, createdAt: T0 + 2 * HOUR };
        expect(await store.charge(replay)).toEqual({ applied: false, spendNano: 4_000, periodStart: T0, exhausted: false });
        expect(await store.charge(e)).toEqual({ applied: false, spendNano: 4_000, periodStart: T0, exhausted: false });

        expect((await store.getUser(u.id))?.spendNano).toBe(4_000);
        expect(await store.getEvent(e.requestId)).toEqual(e);
        expect(await allEvents(store)).toEqual([e]);
        expect(await store.usageReport(reportQuery)).toEqual(reportBefore);
        expect(reportBefore).toEqual(expectedReport([e], reportQuery));
      });

      it('spend is the exact integer sum of the costs', async () => {
        const u = await user();
        const costs = [1, 2, 999_999_999, 4_000_000_000_000_001, 3, 0, 123_456_789_012];
        let last = 0;
        for (const costNano of costs) last = (await store.charge(newEvent(u.id, { costNano }))).spendNano;
        const sum = 4_000_124_456_789_018;
        expect(costs.reduce((a, b) => a + BigInt(b), 0n)).toBe(BigInt(sum));
        expect(last).toBe(sum);
        expect((await store.getUser(u.id))?.spendNano).toBe(sum);
      });

      it('sets exhausted when spend reaches the limit exactly', async () => {
        const u = await user({ quota: { limitNano: 100, period: 'month', enforce: true } });
        expect((await store.charge(newEvent(u.id, { costNano: 60 }))).exhausted).toBe(false);
        expect((await store.getUser(u.id))?.exhausted).toBe(false);
        const r = await store.charge(newEvent(u.id, { costNano: 40 }));
        expect(r).toEqual({ applied: true, spendNano: 100, periodStart: T0, exhausted: true });
        expect((await store.getUser(u.id))?.exhausted).toBe(true);
      });

      it('sets exhausted when spend passes the limit, and keeps charging after', async () => {
        const u = await user({ quota: { limitNano: 100, period: 'month', enforce: true } });
        expect(await store.charge(newEvent(u.id, { costNano: 150 }))).toEqual({ applied: true, spendNano: 150, periodStart: T0, exhausted: true });
        expect(await store.charge(newEvent(u.id, { costNano: 5 }))).toEqual({ applied: true, spendNano: 155, periodStart: T0, exhausted: true });
      });

      it('a quota with limitNano null never exhausts', async () => {
        const u = await user({ quota: { limitNano: null, period: 'month', enforce: true } });
        const r = await store.charge(newEvent(u.id, { costNano: 5_000_000_000_000 }));
        expect(r.exhausted).toBe(false);
        expect(r.spendNano).toBe(5_000_000_000_000);
      });

      it('updateUser recomputes exhausted: raising the limit clears it, lowering it to or below spend sets it', async () => {
        const u = await user({ quota: { limitNano: 100, period: 'month', enforce: true } });
        await store.charge(newEvent(u.id, { costNano: 100, createdAt: T0 + HOUR }));
        const now = T0 + 2 * HOUR;
        let v = await store.updateUser(u.id, { quota: { limitNano: 1_000, period: 'month', enforce: true } }, now);
        expect(v?.exhausted).toBe(false);
        expect(v?.spendNano).toBe(100);
        v = await store.updateUser(u.id, { quota: { limitNano: 50, period: 'month', enforce: true } }, now);
        expect(v?.exhausted).toBe(true);
        v = await store.updateUser(u.id, { quota: { limitNano: null, period: 'month', enforce: true } }, now);
        expect(v?.exhausted).toBe(false);
        v = await store.updateUser(u.id, { quota: { limitNano: 100, period: 'month', enforce: true } }, now);
        expect(v?.exhausted).toBe(true);
        expect(await store.getUser(u.id)).toEqual(v);
        // A patch without a quota leaves the flag alone.
        expect((await store.updateUser(u.id, { name: 'still-exhausted' }, now))?.exhausted).toBe(true);
      });

      it('updateUser in a later period than the stored spend counts that spend as 0', async () => {
        const u = await user({ quota: { limitNano: 100, period: 'day', enforce: true } });
        await store.charge(newEvent(u.id, { costNano: 100, createdAt: T0 + HOUR }));
        const nextDay = T0 + DAY + HOUR;
        const v = await store.updateUser(u.id, { quota: { limitNano: 80, period: 'day', enforce: true } }, nextDay);
        expect(v?.exhausted).toBe(false);
      });

      it('changing the period re-bases the stored spend on the new period containing it', async () => {
        // day -> month: today's spend counts toward the month; the next charge this month adds to
        // it (it must not be mistaken for a late charge from an older period).
        const u = await user({ quota: { limitNano: 1_000, period: 'day', enforce: true } });
        await store.charge(newEvent(u.id, { costNano: 100, createdAt: at('2026-03-15T10:00:00Z') }));
        const monthly = await store.updateUser(u.id, { quota: { limitNano: 1_000, period: 'month', enforce: true } }, at('2026-03-15T11:00:00Z'));
        expect(monthly?.periodStart).toBe(at('2026-03-01T00:00:00Z'));
        expect(monthly?.spendNano).toBe(100);
        const r1 = await store.charge(newEvent(u.id, { costNano: 50, createdAt: at('2026-03-16T10:00:00Z') }));
        expect(r1).toEqual({ applied: true, spendNano: 150, periodStart: at('2026-03-01T00:00:00Z'), exhausted: false });

        // month -> day: the next charge on a later day starts a fresh day.
        const daily = await store.updateUser(u.id, { quota: { limitNano: 100, period: 'day', enforce: true } }, at('2026-03-20T09:00:00Z'));
        expect(daily?.exhausted).toBe(false);
        const r2 = await store.charge(newEvent(u.id, { costNano: 30, createdAt: at('2026-03-20T10:00:00Z') }));
        expect(r2).toEqual({ applied: true, spendNano: 30, periodStart: at('2026-03-20T00:00:00Z'), exhausted: false });
      });

      it('a charge for a user that no longer exists is still recorded', async () => {
        const u = await user();
        await store.deleteUser(u.id);
        const e = newEvent(u.id, { costNano: 700 });
        const r = await store.charge(e);
        expect(r.applied).toBe(true);
        expect(r.spendNano).toBe(0);
        expect(r.exhausted).toBe(false);
        expect(await store.getEvent(e.requestId)).toEqual(e);
        expect(await store.usageReport({ from: T0, to: T0 + DAY, groupBy: 'user' })).toEqual(
          expectedReport([e], { from: T0, to: T0 + DAY, groupBy: 'user' }),
        );
        expect((await store.charge(e)).applied).toBe(false);
      });
    });

    describe('rollover', () => {
      it('day: spend restarts from the first cost of the new day', async () => {
        const u = await user({ quota: { limitNano: 1_000_000, period: 'day', enforce: true } });
        const r1 = await store.charge(newEvent(u.id, { costNano: 700, createdAt: at('2026-03-01T23:59:00Z') }));
        expect(r1).toEqual({ applied: true, spendNano: 700, periodStart: at('2026-03-01T00:00:00Z'), exhausted: false });
        const r2 = await store.charge(newEvent(u.id, { costNano: 200, createdAt: at('2026-03-02T00:01:00Z') }));
        expect(r2).toEqual({ applied: true, spendNano: 200, periodStart: at('2026-03-02T00:00:00Z'), exhausted: false });
        const stored = await store.getUser(u.id);
        expect(stored?.spendNano).toBe(200);
        expect(stored?.periodStart).toBe(at('2026-03-02T00:00:00Z'));
        // A gap of several days rolls over too.
        const r3 = await store.charge(newEvent(u.id, { costNano: 5, createdAt: at('2026-03-09T12:00:00Z') }));
        expect(r3).toEqual({ applied: true, spendNano: 5, periodStart: at('2026-03-09T00:00:00Z'), exhausted: false });
      });

      it('exhausted clears on rollover (unless the first cost alone reaches the limit)', async () => {
        const u = await user({ quota: { limitNano: 1_000, period: 'day', enforce: true } });
        expect((await store.charge(newEvent(u.id, { costNano: 1_200, createdAt: at('2026-03-01T23:59:00Z') }))).exhausted).toBe(true);
        const r = await store.charge(newEvent(u.id, { costNano: 10, createdAt: at('2026-03-02T00:01:00Z') }));
        expect(r).toEqual({ applied: true, spendNano: 10, periodStart: at('2026-03-02T00:00:00Z'), exhausted: false });
        expect((await store.getUser(u.id))?.exhausted).toBe(false);
        const big = await store.charge(newEvent(u.id, { costNano: 1_000, createdAt: at('2026-03-03T00:00:00Z') }));
        expect(big).toEqual({ applied: true, spendNano: 1_000, periodStart: at('2026-03-03T00:00:00Z'), exhausted: true });
      });

      it('week: periods start on Monday 00:00 UTC', async () => {
        const u = await user({ quota: { limitNano: null, period: 'week', enforce: true } });
        // Sunday 2026-03-01 belongs to the week of Monday 2026-02-23.
        const r1 = await store.charge(newEvent(u.id, { costNano: 30, createdAt: at('2026-03-01T23:59:00Z') }));
        expect(r1.periodStart).toBe(at('2026-02-23T00:00:00Z'));
        const r2 = await store.charge(newEvent(u.id, { costNano: 20, createdAt: at('2026-03-02T00:01:00Z') }));
        expect(r2).toEqual({ applied: true, spendNano: 20, periodStart: at('2026-03-02T00:00:00Z'), exhausted: false });
        // Sunday 2026-03-08 23:59 is still the same week.
        const r3 = await store.charge(newEvent(u.id, { costNano: 7, createdAt: at('2026-03-08T23:59:59Z') }));
        expect(r3).toEqual({ applied: true, spendNano: 27, periodStart: at('2026-03-02T00:00:00Z'), exhausted: false });
      });

      it('month: periods start on the 1st 00:00 UTC', async () => {
        const u = await user({ quota: { limitNano: null, period: 'month', enforce: true } });
        await store.charge(newEvent(u.id, { costNano: 30, createdAt: at('2026-03-01T00:00:00Z') }));
        const r1 = await store.charge(newEvent(u.id, { costNano: 12, createdAt: at('2026-03-31T23:59:00Z') }));
        expect(r1).toEqual({ applied: true, spendNano: 42, periodStart: at('2026-03-01T00:00:00Z'), exhausted: false });
        const r2 = await store.charge(newEvent(u.id, { costNano: 8, createdAt: at('2026-04-01T00:01:00Z') }));
        expect(r2).toEqual({ applied: true, spendNano: 8, periodStart: at('2026-04-01T00:00:00Z'), exhausted: false });
      });

      it('lifetime never rolls', async () => {
        const u = await user({ quota: { limitNano: 100, period: 'lifetime', enforce: true } });
        expect(u.periodStart).toBe(0);
        await store.charge(newEvent(u.id, { costNano: 60, createdAt: at('2026-03-01T10:00:00Z') }));
        const r = await store.charge(newEvent(u.id, { costNano: 60, createdAt: at('2031-07-15T10:00:00Z') }));
        expect(r).toEqual({ applied: true, spendNano: 120, periodStart: 0, exhausted: true });
      });

      it('a late charge from an older period is recorded but does not touch the current spend', async () => {
        // A charge can settle after a newer one has already rolled the period over (a long stream
        // that started before midnight, a retried settle). Its cost belongs to a period that is
        // closed: adding it to the current period would bill it twice against two budgets, and
        // treating it as a rollover would wipe the current spend. So it is recorded as an event and
        // counted in the rollups (reports stay exact), while spend, periodStart and exhausted keep
        // describing the current period.
        const u = await user({ quota: { limitNano: 100, period: 'day', enforce: true } });
        const now = await store.charge(newEvent(u.id, { costNano: 100, createdAt: at('2026-03-02T00:01:00Z') }));
        expect(now).toEqual({ applied: true, spendNano: 100, periodStart: at('2026-03-02T00:00:00Z'), exhausted: true });
        const late = newEvent(u.id, { costNano: 50, createdAt: at('2026-03-01T23:58:00Z') });
        const r = await store.charge(late);
        expect(r).toEqual({ applied: true, spendNano: 100, periodStart: at('2026-03-02T00:00:00Z'), exhausted: true });
        const stored = await store.getUser(u.id);
        expect(stored?.spendNano).toBe(100);
        expect(stored?.periodStart).toBe(at('2026-03-02T00:00:00Z'));
        expect(await store.getEvent(late.requestId)).toEqual(late);
        const report = await store.usageReport({ from: T0, to: T0 + 2 * DAY, groupBy: 'day' });
        expect(sortRows(report).map((row) => [row.group, row.costNano, row.requests])).toEqual([
          ['2026-03-01', 50, 1],
          ['2026-03-02', 100, 1],
        ]);
      });
    });

    describe('concurrency', () => {
      it('200 concurrent charges for one user sum exactly', async () => {
        const u = await user({ quota: { limitNano: null, period: 'month', enforce: true } });
        const events = Array.from({ length: 200 }, (_, i) =>
          newEvent(u.id, { costNano: 1_000_003 * (i + 1) + (i % 7), createdAt: T0 + HOUR + i * 1_000 }),
        );
        const results = await Promise.all(events.map((e) => store.charge(e)));
        const sum = events.reduce((a, e) => a + e.costNano, 0);
        expect(results.every((r) => r.applied)).toBe(true);
        expect(Math.max(...results.map((r) => r.spendNano))).toBe(sum);
        expect((await store.getUser(u.id))?.spendNano).toBe(sum);
        const listed = await allEvents(store, u.id, 500);
        expect(listed).toHaveLength(200);
        expect(new Set(listed.map((e) => e.requestId)).size).toBe(200);
        const report = await store.usageReport({ from: T0, to: T0 + DAY, groupBy: 'user' });
        expect(report).toEqual([expect.objectContaining({ group: u.id, requests: 200, costNano: sum })]);
      });

      it('concurrent replays of one requestId are applied exactly once', async () => {
        const u = await user();
        const e = newEvent(u.id, { costNano: 777 });
        const results = await Promise.all(Array.from({ length: 25 }, () => store.charge(e)));
        expect(results.filter((r) => r.applied)).toHaveLength(1);
        expect(results.every((r) => r.spendNano === 777 || !r.applied)).toBe(true);
        expect((await store.getUser(u.id))?.spendNano).toBe(777);
        expect(await allEvents(store)).toEqual([e]);
        const report = await store.usageReport({ from: T0, to: T0 + DAY, groupBy: 'user' });
        expect(report).toEqual([expect.objectContaining({ requests: 1, costNano: 777 })]);
      });
    });

    describe('listEvents', () => {
      it('returns newest first (ties broken by requestId, descending) and filters by user', async () => {
        const a = await user();
        const b = await user();
        const events = [
          newEvent(a.id, { createdAt: T0 + 3 * HOUR }),
          newEvent(b.id, { createdAt: T0 + 1 * HOUR }),
          newEvent(a.id, { createdAt: T0 + 2 * HOUR }),
          newEvent(a.id, { createdAt: T0 + 2 * HOUR }),
          newEvent(b.id, { createdAt: T0 + 5 * HOUR }),
          newEvent(a.id, { createdAt: T0 + 1 }),
        ];
        for (const e of events) await store.charge(e);
        const sorted = [...events].sort(byNewest);
        expect((await store.listEvents({ limit: 100 })).events).toEqual(sorted);
        expect((await store.listEvents({ userId: a.id, limit: 100 })).events).toEqual(sorted.filter((e) => e.userId === a.id));
        expect((await store.listEvents({ userId: 'nobody', limit: 100 })).events).toEqual([]);
        expect((await store.listEvents({ limit: 100 })).next).toBeNull();
      });

      it('respects limit and pages through every event exactly once while new events arrive', async () => {
        const u = await user();
        const other = await user();
        const r = rng(7);
        const events: UsageEvent[] = [];
        for (let i = 0; i < 40; i++) {
          // Few distinct timestamps, so many ties sit across page boundaries.
          events.push(newEvent(i % 5 === 0 ? other.id : u.id, { createdAt: T0 + r(8) * MIN }));
        }
        for (const e of events) await store.charge(e);

        for (const userId of [undefined, u.id]) {
          const expected = events.filter((e) => userId === undefined || e.userId === userId).sort(byNewest);
          const limit = 7;
          const pages: UsageEvent[][] = [];
          let before: string | null = null;
          for (let guard = 0; guard < 100; guard++) {
            const page = await store.listEvents({ userId, before, limit });
            pages.push(page.events);
            // New events arrive between page reads (newer than everything listed so far).
            for (const e of [newEvent(u.id, { createdAt: T0 + DAY + guard }), newEvent(other.id, { createdAt: T0 + DAY + guard })]) {
              await store.charge(e);
              events.push(e);
            }
            if (page.next === null) break;
            before = page.next;
          }
          expect(pages.at(-1)).toBeDefined();
          for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
          expect(pages.at(-1)!.length).toBeLessThanOrEqual(limit);
          expect(pages.flat()).toEqual(expected);
        }
      });
    });

    describe('usageReport', () => {
      async function seed(): Promise<{ users: User[]; events: UsageEvent[] }> {
        const users = [await user(), await user(), await user()];
        const r = rng(42);
        const models = ['gpt-4o-mini', 'gpt-4o', 'o3-mini'];
        const events: UsageEvent[] = [];
        for (let i = 0; i < 240; i++) {
          const u = users[r(3)]!;
          const inputTokens = r(50_000);
          const outputTokens = r(4_000);
          events.push(
            newEvent(u.id, {
              keyId: `${u.id}-key${r(2)}`,
              pricedModel: models[r(3)]!,
              createdAt: T0 - DAY + r(4 * DAY),
              inputTokens,
              cachedTokens: r(inputTokens + 1),
              cacheWriteTokens: r(100),
              outputTokens,
              reasoningTokens: r(outputTokens + 1),
              costNano: r(2_000_000_000) * 1_000 + r(1_000),
              savedNano: r(500_000_000),
            }),
          );
        }
        // Events exactly on the edges of the rounded range used below.
        const u0 = users[0]!.id;
        events.push(
          newEvent(u0, { createdAt: T0 + 5 * HOUR, costNano: 11 }), // first instant: in
          newEvent(u0, { createdAt: T0 + 5 * HOUR - 1, costNano: 13 }), // hour before: out
          newEvent(u0, { createdAt: T0 + 2 * DAY + 4 * HOUR - 1, costNano: 17 }), // last instant: in
          newEvent(u0, { createdAt: T0 + 2 * DAY + 4 * HOUR, costNano: 19 }), // out
          newEvent(u0, { createdAt: T0 + DAY - 1, costNano: 23 }), // 23:59:59.999 is still 2026-03-01
        );
        for (const e of events) await store.charge(e);
        return { users, events };
      }

      it('totals per user/model/key/day equal the sums over the events in the hour-rounded range', async () => {
        const { users, events } = await seed();
        // Not hour-aligned: from rounds down to T0+5h, to rounds up to T0+2d+4h.
        const from = T0 + 5 * HOUR + 17 * MIN + 3;
        const to = T0 + 2 * DAY + 3 * HOUR + 1;
        for (const groupBy of ['user', 'model', 'key', 'day'] as const) {
          const q: ReportQuery = { from, to, groupBy };
          const expected = expectedReport(events, q);
          expect(expected.length).toBeGreaterThan(1);
          expect(sortRows(await store.usageReport(q))).toEqual(expected);
          const qu: ReportQuery = { ...q, userId: users[1]!.id };
          const expectedU = expectedReport(events, qu);
          expect(expectedU.length).toBeGreaterThan(0);
          expect(sortRows(await store.usageReport(qu))).toEqual(expectedU);
        }
        const days = (await store.usageReport({ from, to, groupBy: 'day' })).map((row) => row.group).sort();
        expect(days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
      });

      it('an aligned range covers exactly its days; an empty range or unknown user gives no rows', async () => {
        const { events } = await seed();
        const q: ReportQuery = { from: T0 + DAY, to: T0 + 2 * DAY, groupBy: 'day' };
        const rows = await store.usageReport(q);
        expect(rows.map((row) => row.group)).toEqual(['2026-03-02']);
        expect(rows).toEqual(expectedReport(events, q));
        expect(await store.usageReport({ from: T0 + 40 * DAY, to: T0 + 41 * DAY, groupBy: 'user' })).toEqual([]);
        expect(await store.usageReport({ from: T0, to: T0 + DAY, groupBy: 'user', userId: 'nobody' })).toEqual([]);
      });
    });

    describe('purgeEvents', () => {
      it('deletes only older events, returns the count, and leaves reports and spend unchanged', async () => {
        const u = await user();
        const events = Array.from({ length: 30 }, (_, i) => newEvent(u.id, { createdAt: T0 + i * HOUR, costNano: 1_000 + i }));
        for (const e of events) await store.charge(e);
        const queries: ReportQuery[] = (['user', 'model', 'key', 'day'] as const).map((groupBy) => ({ from: T0 - DAY, to: T0 + 3 * DAY, groupBy }));
        const before = await Promise.all(queries.map((q) => store.usageReport(q)));
        const spend = (await store.getUser(u.id))?.spendNano;

        const cutoff = T0 + 12 * HOUR; // events 0..11 are older; event 12 is exactly at the cutoff and stays
        expect(await store.purgeEvents(cutoff)).toBe(12);
        expect(await store.purgeEvents(cutoff)).toBe(0);
        expect(await store.getEvent(events[11]!.requestId)).toBeNull();
        expect(await store.getEvent(events[12]!.requestId)).toEqual(events[12]);
        expect(await allEvents(store)).toEqual(events.slice(12).sort(byNewest));
        expect(await Promise.all(queries.map((q) => store.usageReport(q)))).toEqual(before);
        expect((await store.getUser(u.id))?.spendNano).toBe(spend);
      });
    });

    describe('getEvent', () => {
      it('round-trips every field exactly', async () => {
        const u = await user();
        const full = newEvent(u.id, {
          keyId: 'k-full',
          endpoint: 'responses',
          requestedModel: 'gpt-5',
          servedModel: 'gpt-5-2026-01-01',
          pricedModel: 'gpt-5',
          stream: true,
          inputTokens: 123_456,
          cachedTokens: 100_000,
          cacheWriteTokens: 1_024,
          outputTokens: 9_876,
          reasoningTokens: 5_432,
          costNano: 987_654_321_012,
          savedNano: 12_345_678,
          status: 502,
          estimated: true,
          flags: ['estimated', 'clamped', 'client_aborted', 'upstream_error', 'truncated'],
          latencyMs: 0,
          upstreamRequestId: 'req_abc123',
          createdAt: at('2026-03-01T12:34:56.789Z'),
        });
        const bare = newEvent(u.id, { endpoint: 'embeddings', stream: false, estimated: false, flags: [], upstreamRequestId: null, status: 0, costNano: 0, savedNano: 0 });
        await store.charge(full);
        await store.charge(bare);
        expect(await store.getEvent(full.requestId)).toEqual(full);
        expect(await store.getEvent(bare.requestId)).toEqual(bare);
        expect(await store.getEvent('req-unknown')).toBeNull();
        expect((await store.listEvents({ limit: 10 })).events).toEqual([full, bare].sort(byNewest));
      });
    });
  });
}
