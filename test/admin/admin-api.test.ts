import type { Static } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedKey, EventPageView, KeyView, MeView, UsageReport, UserView } from '../../src/admin/schemas.ts';
import type { Store } from '../../src/store/types.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';
import { ADMIN_ENV, call, chat, OTHER_ADMIN_TOKEN, storeCases, type ErrorJson } from './support.ts';

type Report = Static<typeof UsageReport>;
type EventPage = Static<typeof EventPageView>;
type Created = Static<typeof CreatedKey>;
type Json = Record<string, unknown>;

describe.each(storeCases())('admin API on the $name store', ({ open }) => {
  let upstream: FakeUpstream;
  let store: Store;
  let tg: Harness;
  const api = <T = ErrorJson>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, opts: { token?: string | null; body?: unknown } = {}) =>
    call<T>(tg.url, method, `/admin/api${path}`, opts);

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    store = await open();
    tg = await startTollgate({ upstreamUrl: upstream.url, store, env: ADMIN_ENV });
  });
  afterAll(async () => {
    await tg.close();
    await store.close();
    await upstream.close();
  });

  async function createUser(body: Json): Promise<UserView> {
    const res = await api<UserView>('POST', '/users', { body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  }

  async function createKey(userId: string, label?: string): Promise<Created> {
    const res = await api<Created>('POST', `/users/${userId}/keys`, label === undefined ? {} : { body: { label } });
    expect(res.status, res.text).toBe(201);
    return res.json;
  }

  /** Every event of a user through the API, following the cursor to the end. */
  async function allEvents(userId: string, limit = 100) {
    const events: EventPage['events'] = [];
    let next: string | null = null;
    do {
      const query: string = `?limit=${limit}${next ? `&before=${encodeURIComponent(next)}` : ''}`;
      const page: { status: number; json: EventPage } = await api<EventPage>('GET', `/users/${userId}/events${query}`);
      expect(page.status).toBe(200);
      events.push(...page.json.events);
      next = page.json.next;
    } while (next);
    return events;
  }

  describe('authentication', () => {
    it('refuses every route without a token, with a wrong token and with a valid user key', async () => {
      const u = await createUser({ name: `auth-${Date.now()}` });
      const { secret, key } = await createKey(u.id);
      expect((await call(tg.url, 'GET', '/tollgate/me', { token: secret })).status).toBe(200); // the key works where it should
      const routes: [ 'GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
        ['GET', '/users'],
        ['POST', '/users', { name: 'intruder' }],
        ['GET', `/users/${u.id}`],
        ['PATCH', `/users/${u.id}`, { quota: { limitUsd: null } }],
        ['POST', `/users/${u.id}/disable`],
        ['POST', `/users/${u.id}/enable`],
        ['DELETE', `/users/${u.id}`],
        ['GET', `/users/${u.id}/keys`],
        ['POST', `/users/${u.id}/keys`, { label: 'intruder' }],
        ['POST', `/keys/${key.id}/revoke`],
        ['GET', `/users/${u.id}/events`],
        ['GET', '/usage'],
        ['GET', '/openapi.json'],
      ];
      for (const token of [null, 'not-the-admin-token-but-long-enough', `${OTHER_ADMIN_TOKEN}x`, secret]) {
        for (const [method, path, body] of routes) {
          const res = await api(method, path, { token, ...(body === undefined ? {} : { body }) });
          expect(res.status, `${method} ${path} with ${String(token)}`).toBe(401);
          expect(res.headers['x-tollgate-error']).toBe('TG_ADMIN_UNAUTHORIZED');
          expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_admin_token' });
        }
      }
      // Nothing was changed by the refused calls.
      const after = await api<UserView>('GET', `/users/${u.id}`);
      expect(after.json).toMatchObject({ id: u.id, disabled: false, quota: u.quota });
      expect(await store.getUserByName('intruder')).toBeNull();
      expect((await store.listKeys(u.id)).map((k) => k.revokedAt)).toEqual([null]);
      // Every configured token works.
      expect((await api('GET', '/users', { token: OTHER_ADMIN_TOKEN })).status).toBe(200);
    });
  });

  describe('users', () => {
    it('creates a user with defaults and with a quota, exact money both ways', async () => {
      const plain = await createUser({ name: `plain-${Date.now()}` });
      expect(plain).toMatchObject({
        disabled: false,
        quota: { limitUsd: null, limitNano: null, period: 'month', enforce: true },
        spendUsd: '0.00',
        spendNano: 0,
        remainingUsd: null,
        remainingNano: null,
        utilization: null,
        exhausted: false,
        periodEnd: expect.any(String),
      });
      expect(plain.id).toMatch(/^usr_/);

      const limited = await createUser({ name: `limited-${Date.now()}`, quota: { limitUsd: '0.1', period: 'day', enforce: false } });
      expect(limited.quota).toEqual({ limitUsd: '0.10', limitNano: 100_000_000, period: 'day', enforce: false });
      expect(limited).toMatchObject({ remainingUsd: '0.10', remainingNano: 100_000_000, utilization: 0 });
      const dayStart = new Date(limited.periodStart).getTime();
      expect(dayStart % 86_400_000).toBe(0);
      expect(new Date(limited.periodEnd as string).getTime() - dayStart).toBe(86_400_000);

      const numeric = await createUser({ name: `numeric-${Date.now()}`, quota: { limitUsd: 12.5, period: 'lifetime' } });
      expect(numeric.quota.limitNano).toBe(12_500_000_000);
      expect(numeric.periodEnd).toBeNull();
      expect(numeric.periodStart).toBe(numeric.createdAt);
      expect((await store.getUser(numeric.id))?.quota).toEqual({ limitNano: 12_500_000_000, period: 'lifetime', enforce: true });
    });

    it('refuses a duplicate name with 409 and bad input with 400 and a clear message', async () => {
      const name = `dup-${Date.now()}`;
      await createUser({ name });
      const dup = await api('POST', '/users', { body: { name } });
      expect(dup.status).toBe(409);
      expect(dup.json.error).toMatchObject({ code: 'conflict', param: 'name' });
      expect(dup.json.error.message).toContain(name);

      const cases: [unknown, RegExp][] = [
        [{}, /missing required name/],
        [{ name: '   ' }, /name must not be blank/],
        [{ name: 'x', quota: { limitUsd: '-1' } }, /quota\.limitUsd.*negative/],
        [{ name: 'x', quota: { limitUsd: '0.0000000001' } }, /quota\.limitUsd.*9 decimal places/],
        [{ name: 'x', quota: { limitUsd: 'ten' } }, /quota\.limitUsd.*not a decimal/],
        [{ name: 'x', quota: { limitUsd: true } }, /body\.quota\.limitUsd must be string or number or null/],
        [{ name: 'x', quota: { period: 'year' } }, /body\.quota\.period must be one of "day", "week", "month", "lifetime"/],
        [{ name: 'x', limitUsd: '5' }, /body\.limitUsd is not a known field/],
        [{ name: 'x', quota: { limitUSD: '5' } }, /body\.quota\.limitUSD is not a known field/],
        ['{"name": ', /JSON/],
      ];
      for (const [body, message] of cases) {
        const res = await api('POST', '/users', { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error.type).toBe('invalid_request_error');
        expect(res.json.error.message).toMatch(message);
      }
      expect((await store.listUsers()).some((u) => u.name === 'x')).toBe(false);
    });

    it('lists, gets, and answers 404 for an unknown id', async () => {
      const a = await createUser({ name: `list-a-${Date.now()}` });
      const list = await api<{ users: UserView[] }>('GET', '/users');
      expect(list.status).toBe(200);
      expect(list.json.users.find((u) => u.id === a.id)).toEqual(a);
      expect((await api<UserView>('GET', `/users/${a.id}`)).json).toEqual(a);
      const missing = await api('GET', '/users/usr_nope');
      expect(missing.status).toBe(404);
      expect(missing.headers['x-tollgate-error']).toBe('TG_USER_NOT_FOUND');
      expect(missing.json.error.code).toBe('user_not_found');
      for (const [method, path] of [['PATCH', '/users/usr_nope'], ['POST', '/users/usr_nope/disable'], ['DELETE', '/users/usr_nope'], ['GET', '/users/usr_nope/keys'], ['POST', '/users/usr_nope/keys']] as const) {
        expect((await api(method, path, method === 'PATCH' ? { body: {} } : {})).status, `${method} ${path}`).toBe(404);
      }
    });

    it('patches the quota partially, renames, and refuses a rename onto a taken name', async () => {
      const u = await createUser({ name: `patch-${Date.now()}`, quota: { limitUsd: '5', period: 'week' } });
      const limitOnly = await api<UserView>('PATCH', `/users/${u.id}`, { body: { quota: { limitUsd: '7.25' } } });
      expect(limitOnly.json.quota).toEqual({ limitUsd: '7.25', limitNano: 7_250_000_000, period: 'week', enforce: true });
      const enforceOff = await api<UserView>('PATCH', `/users/${u.id}`, { body: { quota: { enforce: false, period: 'month' } } });
      expect(enforceOff.json.quota).toEqual({ limitUsd: '7.25', limitNano: 7_250_000_000, period: 'month', enforce: false });
      const unlimited = await api<UserView>('PATCH', `/users/${u.id}`, { body: { quota: { limitUsd: null } } });
      expect(unlimited.json.quota.limitNano).toBeNull();
      expect((await store.getUser(u.id))?.quota).toEqual({ limitNano: null, period: 'month', enforce: false });

      const renamed = await api<UserView>('PATCH', `/users/${u.id}`, { body: { name: `${u.name}-renamed` } });
      expect(renamed.json.name).toBe(`${u.name}-renamed`);
      const other = await createUser({ name: `other-${Date.now()}` });
      const clash = await api('PATCH', `/users/${u.id}`, { body: { name: other.name } });
      expect(clash.status).toBe(409);
      const bad = await api('PATCH', `/users/${u.id}`, { body: { quota: { limitUsd: '1.2.3' } } });
      expect(bad.status).toBe(400);
      expect((await store.getUser(u.id))?.name).toBe(`${u.name}-renamed`);
    });

    it('disable refuses the user (403 on the proxy and on /tollgate/me), enable restores them', async () => {
      const u = await createUser({ name: `dis-${Date.now()}` });
      const { secret } = await createKey(u.id);
      expect((await chat(tg.url, secret)).status).toBe(200);
      const disabled = await api<UserView>('POST', `/users/${u.id}/disable`);
      expect(disabled.json.disabled).toBe(true);
      const refused = await chat(tg.url, secret);
      expect(refused.status).toBe(403);
      expect((await call(tg.url, 'GET', '/tollgate/me', { token: secret })).status).toBe(403);
      const enabled = await api<UserView>('POST', `/users/${u.id}/enable`);
      expect(enabled.json.disabled).toBe(false);
      expect((await chat(tg.url, secret)).status).toBe(200);
      const viaPatch = await api<UserView>('PATCH', `/users/${u.id}`, { body: { disabled: true } });
      expect(viaPatch.json.disabled).toBe(true);
    });

    it('delete removes the user and their keys but keeps their events', async () => {
      const u = await createUser({ name: `del-${Date.now()}` });
      const { secret } = await createKey(u.id);
      expect((await chat(tg.url, secret)).status).toBe(200);
      const del = await api('DELETE', `/users/${u.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await api('GET', `/users/${u.id}`)).status).toBe(404);
      expect((await api('DELETE', `/users/${u.id}`)).status).toBe(404);
      expect((await chat(tg.url, secret)).status).toBe(401);
      const events = await allEvents(u.id);
      expect(events).toHaveLength(1);
      expect(events[0]?.userId).toBe(u.id);
    });
  });

  describe('keys', () => {
    it('creates a key whose secret is shown once and works; lists it without secret; revokes it', async () => {
      const u = await createUser({ name: `keys-${Date.now()}` });
      const first = await createKey(u.id);
      const second = await createKey(u.id, 'ci runner');
      expect(first.secret).toMatch(/^tg-/);
      expect(first.key).toMatchObject({ userId: u.id, label: '', lastUsedAt: null, revokedAt: null });
      expect(first.secret.startsWith(first.key.prefix)).toBe(true);
      expect(second.key.label).toBe('ci runner');

      const list = await api<{ keys: KeyView[] }>('GET', `/users/${u.id}/keys`);
      expect(list.status).toBe(200);
      expect(list.json.keys.map((k) => k.id).sort()).toEqual([first.key.id, second.key.id].sort());
      expect(list.text).not.toContain(first.secret);
      expect(list.text).not.toContain((await store.listKeys(u.id))[0]?.hash);

      expect((await chat(tg.url, second.secret)).status).toBe(200);
      const used = (await api<{ keys: KeyView[] }>('GET', `/users/${u.id}/keys`)).json.keys.find((k) => k.id === second.key.id);
      expect(used?.lastUsedAt).not.toBeNull();

      const revoke = await api('POST', `/keys/${second.key.id}/revoke`);
      expect(revoke.status).toBe(204);
      expect((await chat(tg.url, second.secret)).status).toBe(401);
      expect((await chat(tg.url, first.secret)).status).toBe(200);
      const after = (await api<{ keys: KeyView[] }>('GET', `/users/${u.id}/keys`)).json.keys.find((k) => k.id === second.key.id);
      expect(after?.revokedAt).not.toBeNull();
      expect((await api('POST', `/keys/${second.key.id}/revoke`)).status).toBe(204); // idempotent
      const unknown = await api('POST', '/keys/key_nope/revoke');
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.code).toBe('key_not_found');
      const badBody = await api('POST', `/users/${u.id}/keys`, { body: { label: 7 } });
      expect(badBody.status).toBe(400);
    });
  });

  describe('spend, self-service and headers', () => {
    it('the user view and /tollgate/me show the spend of this period as the sum of the charged events', async () => {
      const u = await createUser({ name: `spend-${Date.now()}`, quota: { limitUsd: '1', period: 'month' } });
      const { secret } = await createKey(u.id);
      const usages = [
        { prompt_tokens: 1000, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 400 } },
        { prompt_tokens: 52_000, completion_tokens: 7, completion_tokens_details: { reasoning_tokens: 3 } },
      ];
      const costs: string[] = [];
      for (const usage of usages) {
        const res = await chat(tg.url, secret, { usage });
        expect(res.status).toBe(200);
        costs.push(String(res.headers['x-tollgate-cost-usd']));
      }
      const events = await allEvents(u.id);
      const spend = events.reduce((s, e) => s + e.costNano, 0);
      expect(spend).toBeGreaterThan(0);
      expect(costs.sort()).toEqual(events.map((e) => e.costUsd).sort());

      const view = (await api<UserView>('GET', `/users/${u.id}`)).json;
      expect(view.spendNano).toBe(spend);
      expect(view.remainingNano).toBe(1_000_000_000 - spend);
      expect(view.utilization).toBe(Math.round((spend / 1_000_000_000) * 1000) / 10);

      const me = await call<MeView>(tg.url, 'GET', '/tollgate/me', { token: secret });
      expect(me.status).toBe(200);
      expect(me.json).toEqual({
        user: u.name,
        period: 'month',
        limitUsd: '1.00',
        spendUsd: view.spendUsd,
        remainingUsd: view.remainingUsd,
        periodEnd: view.periodEnd,
        utilization: view.utilization,
        enforce: true,
      });
      // The remaining budget header on the next response agrees with the view after its charge.
      const next = await chat(tg.url, secret, { usage: usages[0] as object });
      const after = (await api<UserView>('GET', `/users/${u.id}`)).json;
      expect(next.headers['x-tollgate-remaining-usd']).toBe(after.remainingUsd);
      // A stream carries the remaining budget as of admission (its cost is known only at the end).
      const stream = await chat(tg.url, secret, { stream: true });
      expect(stream.status).toBe(200);
      expect(stream.headers['x-tollgate-remaining-usd']).toBe(after.remainingUsd);
      expect(stream.headers['x-tollgate-cost-usd']).toBeUndefined();
    });

    it('/tollgate/me refuses a missing, unknown or revoked key and an admin token', async () => {
      const u = await createUser({ name: `me-${Date.now()}` });
      const { secret, key } = await createKey(u.id);
      await api('POST', `/keys/${key.id}/revoke`);
      for (const token of [null, 'tg-unknown-key-0000000000000000', secret, ADMIN_ENV.TOLLGATE_ADMIN_TOKENS.split(',')[0] as string]) {
        const res = await call(tg.url, 'GET', '/tollgate/me', { token });
        expect(res.status).toBe(401);
        expect(res.json.error.code).toBe('invalid_api_key');
      }
    });
  });

  describe('usage events and reports', () => {
    it('report totals and rows equal the sums of the events they cover, for every grouping', async () => {
      const alice = await createUser({ name: `rep-alice-${Date.now()}` });
      const bob = await createUser({ name: `rep-bob-${Date.now()}` });
      const aliceKeys = [await createKey(alice.id, 'a1'), await createKey(alice.id, 'a2')];
      const bobKey = await createKey(bob.id, 'b1');
      const calls: { key: string; model: string; stream: boolean; usage: object }[] = [];
      for (let i = 0; i < 12; i++) {
        const key = i % 3 === 2 ? bobKey.secret : (aliceKeys[i % 2] as Created).secret;
        calls.push({
          key,
          model: i % 4 === 0 ? 'gpt-4o-mini' : 'gpt-4o',
          stream: i % 5 === 1,
          usage: {
            prompt_tokens: 500 + 137 * i,
            completion_tokens: 20 + 11 * i,
            prompt_tokens_details: { cached_tokens: (i * 64) % 500 },
            completion_tokens_details: { reasoning_tokens: i % 3 === 0 ? 5 + i : 0 },
          },
        });
      }
      const answers = await Promise.all(calls.map((c) => chat(tg.url, c.key, c)));
      expect(answers.map((a) => a.status)).toEqual(calls.map(() => 200));
      await Promise.all(answers.map((a) => a.text)); // streams read to the end

      const events = [...(await allEvents(alice.id)), ...(await allEvents(bob.id))];
      expect(events).toHaveLength(12);
      const sum = (list: typeof events) => ({
        requests: list.length,
        inputTokens: list.reduce((s, e) => s + e.inputTokens, 0),
        cachedTokens: list.reduce((s, e) => s + e.cachedTokens, 0),
        uncachedTokens: list.reduce((s, e) => s + e.uncachedTokens, 0),
        cacheWriteTokens: list.reduce((s, e) => s + e.cacheWriteTokens, 0),
        outputTokens: list.reduce((s, e) => s + e.outputTokens, 0),
        reasoningTokens: list.reduce((s, e) => s + e.reasoningTokens, 0),
        costNano: list.reduce((s, e) => s + e.costNano, 0),
        savedNano: list.reduce((s, e) => s + e.savedNano, 0),
      });
      const total = sum(events);
      expect(total.cachedTokens).toBeGreaterThan(0);
      expect(total.reasoningTokens).toBeGreaterThan(0);
      expect(total.savedNano).toBeGreaterThan(0);
      expect(total.uncachedTokens).toBe(total.inputTokens - total.cachedTokens - total.cacheWriteTokens);

      const keyOf = {
        user: (e: (typeof events)[number]) => e.userId,
        model: (e: (typeof events)[number]) => e.pricedModel,
        key: (e: (typeof events)[number]) => e.keyId,
        day: (e: (typeof events)[number]) => e.createdAt.slice(0, 10),
      };
      const mine = new Set([alice.id, bob.id]);
      for (const groupBy of ['user', 'model', 'key', 'day'] as const) {
        for (const userId of [alice.id, null]) {
          const covered = events.filter((e) => userId === null || e.userId === userId);
          const query = `/usage?groupBy=${groupBy}&from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}${userId ? `&userId=${userId}` : ''}`;
          const res = await api<Report>('GET', query);
          expect(res.status, res.text).toBe(200);
          expect(res.json.groupBy).toBe(groupBy);
          expect(res.json.userId).toBe(userId);
          // Other tests in this file charge other users: compare only the groups these events fall in.
          const groups = new Map<string, typeof events>();
          for (const e of covered) groups.set(keyOf[groupBy](e), [...(groups.get(keyOf[groupBy](e)) ?? []), e]);
          for (const [group, list] of groups) {
            const row = res.json.rows.find((r) => r.group === group);
            if (groupBy === 'user' || groupBy === 'key' || userId !== null) {
              expect(row, `${groupBy} ${group}`).toMatchObject(sum(list));
              expect(row?.costUsd).toBe(formatNano(sum(list).costNano));
            } else {
              // model/day rows over all users include other tests' events: at least ours.
              expect(row?.requests).toBeGreaterThanOrEqual(list.length);
            }
          }
          const { totals, rows } = res.json;
          for (const field of ['requests', 'inputTokens', 'cachedTokens', 'outputTokens', 'costNano', 'savedNano'] as const) {
            expect(totals[field]).toBe(rows.reduce((s, r) => s + r[field], 0));
          }
          if (userId !== null) expect(totals).toMatchObject(sum(covered));
          if (groupBy === 'user' && userId === null) {
            const ours = rows.filter((r) => mine.has(r.group));
            expect(ours.reduce((s, r) => s + r.costNano, 0)).toBe(total.costNano);
          }
        }
      }
    });

    it('a range before the events reports nothing; bad ranges are 400', async () => {
      const empty = await api<Report>('GET', '/usage?from=2020-01-01&to=2020-01-02T00:00:00Z&groupBy=day');
      expect(empty.status).toBe(200);
      expect(empty.json).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: '2020-01-02T00:00:00.000Z', rows: [] });
      expect(empty.json.totals).toMatchObject({ requests: 0, costNano: 0, costUsd: '0.00' });
      const cases: [string, RegExp][] = [
        ['?from=yesterday', /from must be an ISO 8601 date/],
        ['?from=2026-01-01T10:00', /with a zone/],
        ['?from=2026-02-01&to=2026-01-01', /`from` must be earlier than `to`/],
        ['?groupBy=week', /groupBy must be one of "user", "model", "key", "day"/],
        ['?group=user', /querystring\.group is not a known field/],
      ];
      for (const [query, message] of cases) {
        const res = await api('GET', `/usage${query}`);
        expect(res.status, query).toBe(400);
        expect(res.json.error.message).toMatch(message);
      }
    });

    it('events come newest first, and paging is stable while new events arrive', async () => {
      const u = await createUser({ name: `paging-${Date.now()}` });
      const { secret } = await createKey(u.id);
      // Distinct prompt sizes identify each request.
      const make = async (n: number) => {
        const res = await chat(tg.url, secret, { usage: { prompt_tokens: n, completion_tokens: 1 } });
        expect(res.status).toBe(200);
      };
      for (let i = 1; i <= 7; i++) await make(i * 100);
      const before = await allEvents(u.id);
      expect(before).toHaveLength(7);
      const ids = (list: EventPage['events']) => list.map((e) => e.requestId);
      // Newest first (ties in the same millisecond are broken by request id, still a total order).
      for (let i = 1; i < before.length; i++) {
        expect((before[i - 1] as EventPage['events'][number]).createdAt >= (before[i] as EventPage['events'][number]).createdAt).toBe(true);
      }
      const page1 = await api<EventPage>('GET', `/users/${u.id}/events?limit=3`);
      expect(ids(page1.json.events)).toEqual(ids(before.slice(0, 3)));
      expect(page1.json.next).toEqual(expect.any(String));
      await make(800);
      await make(900);
      const page2 = await api<EventPage>('GET', `/users/${u.id}/events?limit=3&before=${encodeURIComponent(page1.json.next as string)}`);
      expect(ids(page2.json.events)).toEqual(ids(before.slice(3, 6)));
      await make(1000);
      const page3 = await api<EventPage>('GET', `/users/${u.id}/events?limit=3&before=${encodeURIComponent(page2.json.next as string)}`);
      expect(ids(page3.json.events)).toEqual(ids(before.slice(6)));
      expect(page3.json.next).toBeNull();
      const fresh = await allEvents(u.id, 4);
      expect(fresh).toHaveLength(10);
      expect(ids(fresh.slice(3))).toEqual(ids(before));
      expect(fresh.slice(0, 3).map((e) => e.inputTokens).sort((x, y) => x - y)).toEqual([800, 900, 1000]);
      expect(before.map((e) => e.inputTokens).sort((x, y) => x - y)).toEqual([100, 200, 300, 400, 500, 600, 700]);
      const e0 = fresh[0];
      expect(e0).toMatchObject({ userId: u.id, endpoint: 'chat.completions', requestedModel: 'gpt-4o', pricedModel: 'gpt-4o', stream: false, status: 200, estimated: false, flags: [] });
      expect(e0?.costUsd).toBe(formatNano(e0?.costNano ?? -1));

      const badLimit = await api('GET', `/users/${u.id}/events?limit=501`);
      expect(badLimit.status).toBe(400);
      expect(badLimit.json.error.message).toMatch(/limit must be <= 500/);
      expect((await api('GET', `/users/${u.id}/events?before=not-a-cursor`)).status).toBe(400);
    });
  });
});

/** Independent of src/money.ts: nano-dollars as a decimal string with at least 2 decimals. */
function formatNano(nano: number): string {
  const whole = Math.floor(nano / 1e9);
  let frac = String(nano % 1e9).padStart(9, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${whole}.${frac}`;
}
