import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore, type MongoStore } from '../../src/store/mongo.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

/**
 * The database goes away in the middle of a load and comes back: charges that could not be written
 * wait in the durable spool and are replayed, idempotently; totals end exact. This test stops and
 * starts a FerretDB of its own (scripts/ferretdb.sh), whatever MONGODB_URI says.
 */

const SCRIPT = fileURLToPath(new URL('../../scripts/ferretdb.sh', import.meta.url));
const COST = 5_880_000;
const dir = mkdtempSync(join(tmpdir(), 'tollgate-ferret-down-'));
let port = 0;
let upstream: FakeUpstream;
let store: MongoStore;
let tg: Harness;

// Asynchronous: Tollgate runs in this process, and its event loop must keep going while FerretDB stops.
const ferret = (...args: string[]) => promisify(execFile)('bash', [SCRIPT, ...args], { timeout: 30_000 });

beforeAll(async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  await ferret('start', dir, String(port));
  upstream = await startFakeUpstream();
  store = await openMongoStore({ uri: `mongodb://127.0.0.1:${port}/`, dbName: 'tollgate_down', serverSelectionTimeoutMs: 1_000 });
  await store.init();
  tg = await startTollgate({ upstreamUrl: upstream.url, store, overrides: { chargeTimeoutMs: 1_000 } });
}, 60_000);

afterAll(async () => {
  await tg?.close();
  await store?.close();
  await upstream?.close();
  await ferret('stop', dir);
});

interface Outcome {
  requestId: string | null;
  status: number;
  complete: boolean;
}

async function streamOnce(key: string): Promise<Outcome> {
  try {
    const res = await request(`${tg.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-fake-delay-ms': '80' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const text = await res.body.text();
    return { requestId: (res.headers['x-tollgate-request-id'] as string) ?? null, status: res.statusCode, complete: res.statusCode === 200 && text.includes('[DONE]') };
  } catch {
    return { requestId: null, status: 0, complete: false };
  }
}

describe('store down in the middle of a load', () => {
  it('stop FerretDB under load, start it again: every delivered response is charged exactly once', async () => {
    const { user, key } = await tg.addUser();
    const outcomes: Promise<Outcome>[] = [];
    let phase: 'up' | 'down' | 'back' = 'up';
    const started = Date.now();
    const worker = async () => {
      while (Date.now() - started < 5_000) {
        const p = streamOnce(key);
        outcomes.push(p);
        await p;
        if (phase === 'down') await new Promise((r) => setTimeout(r, 50));
      }
    };
    const workers = Array.from({ length: 12 }, worker);
    await new Promise((r) => setTimeout(r, 900));
    // An abrupt outage (FerretDB's own SIGTERM handling keeps serving open connections for seconds).
    process.kill(Number(readFileSync(join(dir, 'ferretdb.pid'), 'utf8')), 'SIGKILL');
    phase = 'down';
    await new Promise((r) => setTimeout(r, 2_000));
    await ferret('start', dir, String(port));
    phase = 'back';
    await Promise.all(workers);
    const results = await Promise.all(outcomes);
    const delivered = results.filter((r) => r.complete);
    const refused = results.filter((r) => r.status === 503);
    expect(delivered.length).toBeGreaterThan(10);
    expect(refused.length).toBeGreaterThan(0); // fail-closed while the database was down

    // the spool replays every couple of seconds: wait, boundedly, until it has drained
    let events = (await store.listEvents({ userId: user.id, limit: 10_000 })).events;
    for (let i = 0; i < 100 && events.length < delivered.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      events = (await store.listEvents({ userId: user.id, limit: 10_000 })).events;
    }
    const ids = new Set(events.map((e) => e.requestId));
    for (const d of delivered) expect(ids.has(d.requestId as string), `charge for ${d.requestId}`).toBe(true);
    expect(events).toHaveLength(delivered.length);
    expect(events.every((e) => e.costNano === COST)).toBe(true);
    expect((await store.getUser(user.id))?.spendNano).toBe(delivered.length * COST);
    for (const r of refused) expect(r.requestId).toBeNull(); // refused requests never reached the meter
  }, 90_000);
});
