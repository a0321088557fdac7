import { createServer } from 'node:net';
import { Long } from 'mongodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { chargeEvent, type ChargeCollections } from '../../src/store/mongo-charge.ts';
import { redactUri } from '../../src/store/mongo-connect.ts';
import { bucketId, bucketOf, COLLECTIONS, DAY_MS, eventToDoc, type EventDoc, type HourlyDoc, type UserDoc } from '../../src/store/mongo-docs.ts';
import { MongoStore, openMongoStore, type StoreLogger } from '../../src/store/mongo.ts';
import type { Store, UsageEvent, User } from '../../src/store/types.ts';
import { describeStoreContract } from './contract.ts';

const uri = inject('mongoUri');
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);

let dbSeq = 0;
const freshDbName = (): string => `tg_test_${process.pid}_${Date.now().toString(36)}_${++dbSeq}`;

async function dispose(s: Store): Promise<void> {
  if (!(s instanceof MongoStore)) throw new Error('not a MongoStore');
  await s.db.dropDatabase();
  await s.close();
}

describeStoreContract('mongo', () => openMongoStore({ uri, dbName: freshDbName() }), dispose);

let seq = 0;
function event(userId: string, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: `req-${(++seq).toString().padStart(6, '0')}`,
    userId,
    keyId: 'k1',
    endpoint: 'chat.completions',
    requestedModel: 'gpt-4o-mini',
    servedModel: 'gpt-4o-mini-2024-07-18',
    pricedModel: 'gpt-4o-mini',
    stream: false,
    inputTokens: 100,
    cachedTokens: 10,
    cacheWriteTokens: 0,
    outputTokens: 20,
    reasoningTokens: 0,
    costNano: 1_000,
    savedNano: 5,
    status: 200,
    estimated: false,
    flags: [],
    latencyMs: 50,
    upstreamRequestId: null,
    createdAt: T0 + HOUR,
    ...over,
  };
}

function recordingLogger(): StoreLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (_obj, msg) => void warnings.push(msg) };
}

async function isFerretDb(store: MongoStore): Promise<boolean> {
  const info = await store.db.admin().command({ buildInfo: 1 });
  return typeof info['ferretdbVersion'] === 'string';
}

describe('mongo store specifics', () => {
  let store: MongoStore;
  let user: User;

  beforeEach(async () => {
    store = await openMongoStore({ uri, dbName: freshDbName(), logger: recordingLogger() });
    await store.init();
    user = await store.createUser({ id: 'u1', name: 'alice', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: T0 });
  });

  afterEach(async () => {
    await dispose(store);
  });

  const raw = () => ({
    users: store.db.collection<UserDoc>(COLLECTIONS.users),
    events: store.db.collection<EventDoc>(COLLECTIONS.usageEvents),
    hourly: store.db.collection<HourlyDoc>(COLLECTIONS.usageHourly),
  });

  async function report(): Promise<{ requests: number; costNano: number }[]> {
    const rows = await store.usageReport({ from: T0 - DAY_MS, to: T0 + 40 * DAY_MS, groupBy: 'user' });
    return rows.map((r) => ({ requests: r.requests, costNano: r.costNano }));
  }

  describe('crash recovery', () => {
    it('completes an event left pending right after it was inserted (recoverPending), once', async () => {
      const e = event(user.id, { costNano: 4_321 });
      await raw().events.insertOne(eventToDoc(e, new Date(Date.now() - 120_000))); // as if the process died after step 1

      expect(await store.getEvent(e.requestId)).toEqual(e);
      expect((await store.getUser(user.id))?.spendNano).toBe(0);
      expect(await store.recoverPending({ olderThanMs: 60_000 })).toBe(1);
      expect(await store.recoverPending({ olderThanMs: 0 })).toBe(0);

      expect((await store.getUser(user.id))?.spendNano).toBe(4_321);
      expect(await report()).toEqual([{ requests: 1, costNano: 4_321 }]);
      expect(await store.charge(e)).toEqual({ applied: false, spendNano: 4_321, periodStart: T0, exhausted: false });
      expect((await store.getUser(user.id))?.spendNano).toBe(4_321);
      expect(await raw().events.findOne({ _id: e.requestId, pending: true })).toBeNull();
    });

    it('recoverPending leaves a young pending event to the charge presumably still working on it', async () => {
      const e = event(user.id);
      await raw().events.insertOne(eventToDoc(e, new Date()));
      expect(await store.recoverPending({ olderThanMs: 60_000 })).toBe(0);
      expect((await store.getUser(user.id))?.spendNano).toBe(0);
    });

    it('a replayed charge finishes a crashed one and reports itself as the one that applied it', async () => {
      const e = event(user.id, { costNano: 900 });
      await raw().events.insertOne(eventToDoc(e, new Date()));
      expect(await store.charge({ ...e, costNano: 1 })).toEqual({ applied: true, spendNano: 900, periodStart: T0, exhausted: false });
      expect(await store.charge(e)).toEqual({ applied: false, spendNano: 900, periodStart: T0, exhausted: false });
      expect(await report()).toEqual([{ requests: 1, costNano: 900 }]);
    });

    it('does not count twice when the crash came after the user was charged (and after the rollup)', async () => {
      const afterUser = event(user.id, { costNano: 300 });
      const afterBoth = event(user.id, { costNano: 40 });
      const { users, events, hourly } = raw();
      for (const e of [afterUser, afterBoth]) {
        await events.insertOne(eventToDoc(e, new Date(0)));
        await users.updateOne({ _id: user.id }, { $inc: { spendNano: Long.fromNumber(e.costNano) }, $push: { appliedIds: e.requestId } });
      }
      const b = bucketOf(afterBoth);
      await hourly.insertOne({
        _id: bucketId(b),
        ...b,
        dayStart: T0,
        requests: 1,
        inputTokens: afterBoth.inputTokens,
        cachedTokens: afterBoth.cachedTokens,
        cacheWriteTokens: afterBoth.cacheWriteTokens,
        outputTokens: afterBoth.outputTokens,
        reasoningTokens: afterBoth.reasoningTokens,
        costNano: afterBoth.costNano,
        savedNano: afterBoth.savedNano,
        ids: [afterBoth.requestId],
      } as HourlyDoc);

      expect(await store.charge(afterUser)).toEqual({ applied: false, spendNano: 340, periodStart: T0, exhausted: false });
      expect(await store.recoverPending({ olderThanMs: 0 })).toBe(1);
      expect((await store.getUser(user.id))?.spendNano).toBe(340);
      const rows = await store.usageReport({ from: T0, to: T0 + DAY_MS, groupBy: 'model' });
      expect(rows.map((r) => [r.group, r.requests, r.costNano, r.inputTokens])).toEqual([['gpt-4o-mini', 2, 340, 200]]);
      expect(await events.countDocuments({ pending: true })).toBe(0);
    });
  });

  it('keeps only in-flight ids in the bookkeeping arrays', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => store.charge(event(user.id, { createdAt: T0 + (i % 3) * HOUR }))));
    const e = event(user.id);
    await Promise.all([store.charge(e), store.charge(e), store.charge(e)]);
    expect((await raw().users.findOne({ _id: user.id }))?.appliedIds).toEqual([]);
    const hourly = await raw().hourly.find().toArray();
    expect(hourly.map((h) => h.ids)).toEqual(hourly.map(() => []));
    expect((await store.getUser(user.id))?.spendNano).toBe(61_000);
  });

  describe('a replay racing the charge it repeats (the ledger replays a timed-out charge while it still runs)', () => {
    type Op = [collection: keyof ChargeCollections, method: string, update: string];
    // Where a charge can be held: the collection call and the update operator that identify the step.
    const STEPS: Record<string, Op> = {
      'before its insert': ['events', 'insertOne', ''],
      'before charging the user': ['users', 'findOneAndUpdate', '$inc'],
      'before its rollup': ['hourly', 'updateOne', '$inc'],
      'before its release': ['events', 'findOneAndUpdate', '$unset'],
      'before pulling its id': ['users', 'updateOne', '$pull'],
    };

    /** The store's collections, with the first call matching `op` held until `open()`. */
    function heldAt(op: Op): { c: ChargeCollections; reached: Promise<void>; open: () => void } {
      let reach = (): void => undefined;
      let open = (): void => undefined;
      const reached = new Promise<void>((r) => (reach = r));
      const opened = new Promise<void>((r) => (open = r));
      let fired = false;
      const wrap = <T extends object>(name: keyof ChargeCollections, col: T): T =>
        new Proxy(col, {
          get(target, prop) {
            const value: unknown = Reflect.get(target, prop, target);
            if (typeof value !== 'function') return value;
            return async (...args: unknown[]) => {
              const update = args[1];
              const matches = name === op[0] && prop === op[1] && (op[2] === '' || (typeof update === 'object' && update !== null && op[2] in update));
              if (matches && !fired) {
                fired = true;
                reach();
                await opened;
              }
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
      const { users, events, hourly } = raw();
      return { c: { users: wrap('users', users), events: wrap('events', events), hourly: wrap('hourly', hourly) }, reached, open };
    }

    async function expectCountedOnce(e: UsageEvent, results: { applied: boolean }[]): Promise<void> {
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      expect((await store.getUser(user.id))?.spendNano).toBe(e.costNano);
      expect(await report()).toEqual([{ requests: 1, costNano: e.costNano }]);
      expect((await raw().users.findOne({ _id: user.id }))?.appliedIds).toEqual([]);
      expect((await raw().hourly.find().toArray()).map((h) => h.ids)).toEqual([[]]);
      expect(await raw().events.findOne({ _id: e.requestId }, { projection: { pending: 1, busy: 1 } })).toEqual({ _id: e.requestId, busy: 0 });
    }

    for (const [where, op] of Object.entries(STEPS)) {
      it(`original held ${where}, two replays run meanwhile: counted once`, async () => {
        const e = event(user.id, { costNano: 777 });
        const held = heldAt(op);
        const original = chargeEvent(held.c, e);
        await held.reached;
        const replays = [await store.charge(e), await store.charge(e)];
        held.open();
        await expectCountedOnce(e, [await original, ...replays]);
      });
    }

    for (const [where, op] of Object.entries(STEPS).filter(([w]) => w !== 'before its insert' && w !== 'before pulling its id')) {
      it(`replay held ${where} while the original releases: counted once`, async () => {
        const e = event(user.id, { costNano: 555 });
        const first = heldAt(STEPS['before its release']!);
        const original = chargeEvent(first.c, e);
        await first.reached;
        const second = heldAt(op);
        const replay = chargeEvent(second.c, e);
        await second.reached;
        first.open();
        const a = await original;
        second.open();
        await expectCountedOnce(e, [a, await replay, await store.charge(e)]);
      });
    }

    it('an event is listed only once its charge is applied (a listed event is in the spend)', async () => {
      const e = event(user.id, { costNano: 333 });
      const held = heldAt(STEPS['before charging the user']!);
      const charging = chargeEvent(held.c, e);
      await held.reached;
      // Recorded but not yet in the spend: not listed, though getEvent finds it (recovery needs it).
      expect((await store.getUser(user.id))?.spendNano).toBe(0);
      expect((await store.listEvents({ userId: user.id, limit: 10 })).events).toEqual([]);
      expect(await store.getEvent(e.requestId)).toEqual(e);
      held.open();
      expect((await charging).applied).toBe(true);
      expect((await store.listEvents({ userId: user.id, limit: 10 })).events).toEqual([e]);
      expect((await store.getUser(user.id))?.spendNano).toBe(333);
    });

    it('many replays per id at random moments, on two clients with slow writes: spend exact, arrays emptied', { timeout: 120_000 }, async () => {
      const other = await openMongoStore({ uri, dbName: store.db.databaseName });
      let seed = 42;
      const rand = (n: number): number => (seed = (seed * 48_271) % 2_147_483_647) % n; // Park-Miller: exact in doubles
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      // Every collection call waits a random few ms first, as a loaded server answers late.
      const slow = (s: MongoStore): ChargeCollections => {
        const wrap = <T extends object>(col: T): T =>
          new Proxy(col, {
            get(target, prop) {
              const value: unknown = Reflect.get(target, prop, target);
              if (typeof value !== 'function' || prop === 'find') return typeof value === 'function' ? value.bind(target) : value;
              return async (...args: unknown[]) => {
                await sleep(rand(8));
                return (value as (...a: unknown[]) => unknown).apply(target, args);
              };
            },
          });
        return {
          users: wrap(s.db.collection<UserDoc>(COLLECTIONS.users)),
          events: wrap(s.db.collection<EventDoc>(COLLECTIONS.usageEvents)),
          hourly: wrap(s.db.collection<HourlyDoc>(COLLECTIONS.usageHourly)),
        };
      };
      try {
        const cs = [slow(store), slow(other)];
        const events = Array.from({ length: 80 }, (_, i) => event(user.id, { costNano: 1_000 + i, keyId: `k${i % 2}` }));
        const calls = events.flatMap((e) =>
          Array.from({ length: 1 + rand(4) }, () => sleep(rand(40)).then(() => chargeEvent(cs[rand(2)]!, e))),
        );
        const results = await Promise.all(calls);
        expect(results.filter((r) => r.applied)).toHaveLength(events.length);
        expect((await store.getUser(user.id))?.spendNano).toBe(events.reduce((a, e) => a + e.costNano, 0));
        expect((await raw().users.findOne({ _id: user.id }))?.appliedIds).toEqual([]);
        expect((await raw().hourly.find().toArray()).map((h) => h.ids)).toEqual([[], []]);
        expect(await raw().events.countDocuments({ $or: [{ pending: true }, { busy: { $ne: 0 } }] })).toBe(0);
        expect((await store.listEvents({ userId: user.id, limit: 1000 })).events).toHaveLength(events.length);
      } finally {
        await other.close();
      }
    });
  });

  it('two instances on separate clients charging one user concurrently sum exactly', { timeout: 120_000 }, async () => {
    const other = await openMongoStore({ uri, dbName: store.db.databaseName });
    try {
      await other.init();
      const events = Array.from({ length: 500 }, (_, i) =>
        event(user.id, { costNano: 1_000_003 * (i + 1) + (i % 11), keyId: `k${i % 3}`, createdAt: T0 + (i % 30) * HOUR }),
      );
      // Every tenth event is also replayed on the other instance: still counted once.
      const calls = events.flatMap((e, i) => {
        const mine = i % 2 === 0 ? store : other;
        const theirs = mine === store ? other : store;
        return i % 10 === 0 ? [mine.charge(e), theirs.charge(e)] : [mine.charge(e)];
      });
      const results = await Promise.all(calls);
      const sum = events.reduce((a, e) => a + e.costNano, 0);
      expect(results.filter((r) => r.applied)).toHaveLength(500);
      expect((await store.getUser(user.id))?.spendNano).toBe(sum);
      expect((await other.getUser(user.id))?.spendNano).toBe(sum);
      expect(await report()).toEqual([{ requests: 500, costNano: sum }]);
      expect(await raw().events.countDocuments({})).toBe(500);
    } finally {
      await other.close();
    }
  });

  it('concurrent charges across a period boundary end with exactly the new period’s spend', async () => {
    await store.updateUser(user.id, { quota: { limitNano: 50_000, period: 'day', enforce: true } }, T0);
    const other = await openMongoStore({ uri, dbName: store.db.databaseName });
    try {
      const dayOne = Array.from({ length: 40 }, (_, i) => event(user.id, { costNano: 1_000 + i, createdAt: T0 + 23 * HOUR + i }));
      const dayTwo = Array.from({ length: 40 }, (_, i) => event(user.id, { costNano: 2_000 + i, createdAt: T0 + DAY_MS + i }));
      const mixed = dayOne.flatMap((e, i) => [e, dayTwo[i]!]);
      await Promise.all(mixed.map((e, i) => (i % 2 === 0 ? store : other).charge(e)));
      // Day-one charges either landed before the rollover (and were reset by it) or were late.
      const u = await store.getUser(user.id);
      const daySum = dayTwo.reduce((a, e) => a + e.costNano, 0);
      expect(u?.periodStart).toBe(T0 + DAY_MS);
      expect(u?.spendNano).toBe(daySum);
      expect(u?.exhausted).toBe(daySum >= 50_000);
      const total = [...dayOne, ...dayTwo].reduce((a, e) => a + e.costNano, 0);
      expect(await report()).toEqual([{ requests: 80, costNano: total }]);
    } finally {
      await other.close();
    }
  });

  it('concurrent charges crossing the limit leave exhausted consistent with the spend', async () => {
    await store.updateUser(user.id, { quota: { limitNano: 10_000, period: 'month', enforce: true } }, T0);
    const results = await Promise.all(Array.from({ length: 30 }, () => store.charge(event(user.id, { costNano: 500 }))));
    const u = await store.getUser(user.id);
    expect(u?.spendNano).toBe(15_000);
    expect(u?.exhausted).toBe(true);
    // Every result reports the flag its own spend implies.
    for (const r of results) expect(r.exhausted).toBe(r.spendNano >= 10_000);
  });

  it('retention: a TTL index where the server has one, else the sweep, reported once', async () => {
    const logger = recordingLogger();
    const s = await openMongoStore({ uri, dbName: freshDbName(), logger, retentionDays: 3 });
    try {
      await s.init();
      await s.init();
      const noTtl = logger.warnings.filter((w) => w.includes('no TTL index'));
      if (await isFerretDb(s)) {
        // FerretDB v1 refuses expireAfterSeconds: the store must notice and sweep instead.
        expect(s.retention).toBe('sweep');
        expect(noTtl).toHaveLength(1);
        await s.createUser({ id: 'u', name: 'u', quota: { limitNano: null, period: 'month', enforce: false }, createdAt: T0 });
        const now = T0 + 10 * DAY_MS;
        const old = event('u', { createdAt: now - 4 * DAY_MS });
        const recent = event('u', { createdAt: now - 2 * DAY_MS });
        const pendingOld = event('u', { createdAt: now - 5 * DAY_MS });
        await s.charge(old);
        await s.charge(recent);
        await s.db.collection<EventDoc>(COLLECTIONS.usageEvents).insertOne(eventToDoc(pendingOld, new Date()));
        expect(await s.runMaintenance(now)).toEqual({ recovered: 0, purged: 1 });
        expect(await s.getEvent(old.requestId)).toBeNull();
        expect(await s.getEvent(recent.requestId)).toEqual(recent);
        expect(await s.getEvent(pendingOld.requestId)).toEqual(pendingOld);
      } else {
        expect(s.retention).toBe('ttl');
        expect(noTtl).toHaveLength(0);
        const ttl = (await s.db.collection(COLLECTIONS.usageEvents).listIndexes().toArray()).find((ix) => ix['expireAfterSeconds'] !== undefined);
        expect(ttl?.['expireAfterSeconds']).toBe(3 * 86_400);
        expect(ttl?.['key']).toEqual({ createdDate: 1 });
      }
    } finally {
      await dispose(s);
    }
  });
});

describe('mongo connection errors', () => {
  async function closedPort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    return port;
  }

  it('names the URI without its password and says what to check', async () => {
    const port = await closedPort();
    const err: unknown = await openMongoStore({
      uri: `mongodb://tollgate:s3cret-Passw0rd@127.0.0.1:${port}/tg?authSource=admin`,
      serverSelectionTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateError);
    const e = err as TollgateError;
    expect(e.code).toBe('TG_STORE_UNAVAILABLE');
    expect(e.message).toContain(`mongodb://tollgate:****@127.0.0.1:${port}/tg?authSource=admin`);
    expect(e.message).toContain('MONGODB_URI');
    expect(e.message).not.toContain('s3cret-Passw0rd');
    expect(JSON.stringify(e)).not.toContain('s3cret-Passw0rd');
  });

  it('redactUri hides passwords in userinfo and options, and leaves other URIs alone', () => {
    expect(redactUri('mongodb+srv://me:p%40ss@cluster0.example.net/db')).toBe('mongodb+srv://me:****@cluster0.example.net/db');
    expect(redactUri('mongodb://h1:27017,h2:27017/db?replicaSet=rs0')).toBe('mongodb://h1:27017,h2:27017/db?replicaSet=rs0');
    expect(redactUri('mongodb://me@h/db')).toBe('mongodb://me@h/db');
    expect(redactUri('mongodb://h/db?tls=true&tlsCertificateKeyFilePassword=hunter2')).toBe(
      'mongodb://h/db?tls=true&tlsCertificateKeyFilePassword=****',
    );
  });
});
