import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateApiKey, newId } from '../../src/keys.ts';
import { openMongoStore, type MongoStore } from '../../src/store/mongo.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Two Tollgate processes on one MongoDB database (FerretDB in CI, or MONGODB_URI), one user's
 * requests split across both: spend stays exact and exhaustion is seen by both.
 */

const uri = inject('mongoUri');
const COST = 5_880_000; // the fake upstream's default usage on gpt-4o

let upstream: FakeUpstream;
let store: MongoStore;
let servers: ServerProcess[] = [];
const dbName = `tg_instances_${process.pid}_${Date.now().toString(36)}`;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  store = await openMongoStore({ uri, dbName });
  await store.init();
  const env = (i: number) => ({
    TOLLGATE_UPSTREAM_URL: upstream.url,
    MONGODB_URI: uri,
    TOLLGATE_MONGODB_DATABASE: dbName,
    TOLLGATE_SPOOL_DIR: mkdtempSync(join(tmpdir(), `tollgate-spool-${i}-`)),
    TOLLGATE_CHARGE_TIMEOUT_MS: '2000',
  });
  servers = await Promise.all([startServerProcess(env(0)), startServerProcess(env(1))]);
}, 60_000);

afterAll(async () => {
  for (const s of servers) s.child.kill('SIGTERM');
  await Promise.all(servers.map((s) => s.exited));
  await store.db.dropDatabase();
  await store.close();
  await upstream.close();
});

async function addUser(limitNano: number | null) {
  const user = await store.createUser({ id: newId('usr'), name: newId('usr'), quota: { limitNano, period: 'month', enforce: true }, createdAt: Date.now() });
  const k = generateApiKey();
  await store.createKey({ id: newId('key'), userId: user.id, hash: k.hash, prefix: k.prefix, label: '', createdAt: Date.now(), lastUsedAt: null, revokedAt: null });
  return { userId: user.id, key: k.secret };
}

const agent = new Agent({ connections: 256 });

async function chat(base: string, key: string): Promise<number> {
  const res = await request(`${base}/v1/chat/completions`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.body.text();
  return res.statusCode;
}

describe('two instances on one database', () => {
  it('500 concurrent charged requests split across both: spend equals the sum of the events exactly', async () => {
    const { userId, key } = await addUser(null);
    const statuses = await Promise.all(Array.from({ length: 500 }, (_, i) => chat((servers[i % 2] as ServerProcess).url, key)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(500);
    // A charge slower than TOLLGATE_CHARGE_TIMEOUT_MS under this load is spooled and replayed a
    // moment later (idempotently), so wait, boundedly, for the ledger to settle.
    let events = (await store.listEvents({ userId, limit: 1000 })).events;
    for (let i = 0; i < 150 && events.length < 500; i++) {
      await new Promise((r) => setTimeout(r, 200));
      events = (await store.listEvents({ userId, limit: 1000 })).events;
    }
    expect(events).toHaveLength(500);
    const sum = events.reduce((a, e) => a + e.costNano, 0);
    expect(sum).toBe(500 * COST);
    expect((await store.getUser(userId))?.spendNano).toBe(sum);
  }, 120_000);

  it('once exhausted through one instance, the user is refused by both', async () => {
    const { userId, key } = await addUser(3 * COST);
    const [a, b] = servers as [ServerProcess, ServerProcess];
    expect(await chat(a.url, key)).toBe(200);
    expect(await chat(b.url, key)).toBe(200);
    expect(await chat(a.url, key)).toBe(200); // spend reaches the limit exactly
    expect((await store.getUser(userId))?.exhausted).toBe(true);
    expect(await chat(a.url, key)).toBe(429);
    expect(await chat(b.url, key)).toBe(429);
    expect((await store.getUser(userId))?.spendNano).toBe(3 * COST);
  }, 60_000);
});
