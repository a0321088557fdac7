import { Long, MongoClient, ObjectId, type Db } from 'mongodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { migrate } from '../../src/store/migrate.ts';
import { COLLECTIONS } from '../../src/store/mongo-docs.ts';
import { INDEXES, TTL_INDEX } from '../../src/store/mongo-index.ts';
import { MongoStore } from '../../src/store/mongo.ts';

const uri = inject('mongoUri');
const NOW = Date.UTC(2026, 5, 15, 12);
const T0 = Date.UTC(2026, 5, 1);

let dbSeq = 0;
let client: MongoClient;
let db: Db;

beforeEach(async () => {
  client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  db = client.db(`tg_migrate_${process.pid}_${Date.now().toString(36)}_${++dbSeq}`);
});

afterEach(async () => {
  await db.dropDatabase();
  await client.close();
});

/** A users collection as an operator might already have it, before Tollgate. */
async function seedExistingUsers(): Promise<{ aliceId: ObjectId }> {
  const aliceId = new ObjectId();
  await db.collection(COLLECTIONS.users).insertMany([
    { _id: aliceId, name: 'alice', email: 'alice@example.com' } as never,
    {
      _id: 'bob',
      name: 'bob',
      team: 'infra',
      limitNano: Long.fromNumber(5_000_000),
      period: 'day',
      enforce: true,
      spendNano: Long.fromNumber(1_200),
      periodStart: T0,
      exhausted: false,
      disabled: true,
      createdAt: T0 - 1,
    } as never,
    { _id: 'carol', name: 'carol', limitNano: 77, enforce: true } as never,
    { _id: 'svc', email: 'no-name@example.com' } as never,
  ]);
  return { aliceId };
}

const ALL_INDEXES = INDEXES.map((ix) => `${ix.collection}.${ix.name}`);

describe('migrate', () => {
  it('adopts existing users: fills only missing quota fields, reports what it did, and is idempotent', async () => {
    const { aliceId } = await seedExistingUsers();
    const users = db.collection(COLLECTIONS.users);
    const bobBefore = await users.findOne({ _id: 'bob' as never });

    const first = await migrate(db, { now: NOW });
    expect(first.database).toBe(db.databaseName);
    expect(first.changed).toBe(true);
    expect([...first.indexesCreated].sort()).toEqual(
      (first.retention === 'ttl' ? [...ALL_INDEXES, `${TTL_INDEX.collection}.${TTL_INDEX.name}`] : ALL_INDEXES).sort(),
    );
    expect(first.indexesUpdated).toEqual([]);
    expect(first.usersInitialised).toBe(2); // alice and carol; bob is complete, svc has no name
    expect(first.usersWithoutName).toBe(1);
    expect(first.fieldsSet).toEqual({
      disabled: 2,
      limitNano: 1, // carol keeps her 77
      period: 2,
      enforce: 1, // carol keeps enforce: true
      spendNano: 2,
      periodStart: 2,
      exhausted: 2,
      createdAt: 2,
    });

    // Existing values are never overwritten; unrelated fields survive.
    expect(await users.findOne({ _id: 'bob' as never })).toEqual(bobBefore);
    const carol = await users.findOne({ _id: 'carol' as never });
    expect(carol).toMatchObject({ limitNano: 77, enforce: true, period: 'month', disabled: false, spendNano: 0, exhausted: false });
    expect(await users.findOne({ _id: aliceId })).toMatchObject({ email: 'alice@example.com', limitNano: null, enforce: false, createdAt: NOW });
    expect(await users.findOne({ _id: 'svc' as never })).toEqual({ _id: 'svc', email: 'no-name@example.com' });

    const second = await migrate(db, { now: NOW + 1 });
    expect(second).toEqual({
      database: db.databaseName,
      indexesCreated: [],
      indexesUpdated: [],
      retention: first.retention,
      usersInitialised: 0,
      fieldsSet: {},
      usersWithoutName: 1,
      changed: false,
    });
    expect(await users.findOne({ _id: aliceId })).toMatchObject({ createdAt: NOW });
  });

  it('leaves adopted users usable by the store, ObjectId ids included', async () => {
    const { aliceId } = await seedExistingUsers();
    await migrate(db, { now: NOW });
    const store = new MongoStore(client, db);
    await store.init();
    const alice = await store.getUser(aliceId.toHexString());
    expect(alice).toEqual({
      id: aliceId.toHexString(),
      name: 'alice',
      disabled: false,
      quota: { limitNano: null, period: 'month', enforce: false },
      spendNano: 0,
      periodStart: 0,
      exhausted: false,
      createdAt: NOW,
    });
    expect((await store.listUsers()).map((u) => u.name).sort()).toEqual(['alice', 'bob', 'carol']);
    const r = await store.charge({
      requestId: 'r1',
      userId: aliceId.toHexString(),
      keyId: 'k',
      endpoint: 'chat.completions',
      requestedModel: 'm',
      servedModel: 'm',
      pricedModel: 'm',
      stream: false,
      inputTokens: 1,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 1,
      reasoningTokens: 0,
      costNano: 250,
      savedNano: 0,
      status: 200,
      estimated: false,
      flags: [],
      latencyMs: 1,
      upstreamRequestId: null,
      createdAt: NOW,
    });
    // periodStart 0 is older than June 2026: the first charge rolls the period over.
    expect(r).toEqual({ applied: true, spendNano: 250, periodStart: Date.UTC(2026, 5, 1), exhausted: false });
    const bob = await store.updateUser('bob', { quota: { limitNano: 1_000, period: 'day', enforce: true } }, T0 + 3_600_000);
    expect(bob).toMatchObject({ spendNano: 1_200, exhausted: true, disabled: true });
  });

  it('takes a URI, and reports a second run on the same database as unchanged', async () => {
    await seedExistingUsers();
    const first = await migrate(uri, { dbName: db.databaseName, now: NOW });
    expect(first.usersInitialised).toBe(2);
    const again = await migrate(uri, { dbName: db.databaseName, now: NOW });
    expect(again.changed).toBe(false);
  });

  it('refuses duplicate names with a message saying what to fix, before touching any user', async () => {
    await db.collection(COLLECTIONS.users).insertMany([{ _id: 'a', name: 'same' } as never, { _id: 'b', name: 'same' } as never]);
    const err: unknown = await migrate(db, { now: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateError);
    expect((err as TollgateError).code).toBe('TG_CONFLICT');
    expect((err as Error).message).toMatch(/users has documents with the same name/);
    expect(await db.collection(COLLECTIONS.users).find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', name: 'same' },
      { _id: 'b', name: 'same' },
    ]);
  });

  it('an unreachable server gives an error naming the URI without its password', async () => {
    const err: unknown = await migrate('mongodb://admin:hunter22@127.0.0.1:1/x', { serverSelectionTimeoutMs: 200 }).catch((e: unknown) => e);
    expect((err as TollgateError).code).toBe('TG_STORE_UNAVAILABLE');
    expect((err as Error).message).toContain('mongodb://admin:****@127.0.0.1:1/x');
    expect((err as Error).message).not.toContain('hunter22');
  });
});
