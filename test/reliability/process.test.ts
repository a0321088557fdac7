import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, newId } from '../../src/keys.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startServerProcess } from '../support/server-process.ts';

/** Tollgate as a real process: crashes and signals. */

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.close();
});

async function setup(): Promise<{ env: Record<string, string>; store: Store; userId: string; key: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-proc-'));
  const dbPath = join(dir, 'tollgate.db');
  const store = openSqliteStore({ path: dbPath });
  await store.init();
  const user = await store.createUser({ id: newId('usr'), name: 'p', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: Date.now() });
  const k = generateApiKey();
  await store.createKey({ id: newId('key'), userId: user.id, hash: k.hash, prefix: k.prefix, label: '', createdAt: Date.now(), lastUsedAt: null, revokedAt: null });
  const env = {
    TOLLGATE_UPSTREAM_URL: upstream.url,
    TOLLGATE_DATABASE_PATH: dbPath,
    TOLLGATE_SPOOL_DIR: join(dir, 'spool'),
  };
  return { env, store, userId: user.id, key: k.secret };
}

interface Outcome {
  requestId: string | null;
  complete: boolean;
  endedAt?: number;
}

async function streamOnce(url: string, key: string, delayMs: number, onFirstChunk?: () => void): Promise<Outcome> {
  try {
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-fake-delay-ms': String(delayMs) },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const requestId = (res.headers['x-tollgate-request-id'] as string | undefined) ?? null;
    let text = '';
    try {
      for await (const c of res.body) {
        text += (c as Buffer).toString();
        onFirstChunk?.();
      }
    } catch {
      return { requestId, complete: false };
    }
    return { requestId, complete: text.includes('data: [DONE]'), endedAt: Date.now() };
  } catch {
    return { requestId: null, complete: false };
  }
}

async function jsonOnce(url: string, key: string): Promise<Outcome> {
  try {
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const requestId = (res.headers['x-tollgate-request-id'] as string | undefined) ?? null;
    const text = await res.body.text();
    return { requestId, complete: res.statusCode === 200 && text.includes('"usage"') };
  } catch {
    return { requestId: null, complete: false };
  }
}

describe('crash', () => {
  it('kill -9 under load, restart: every delivered response is charged, none twice', async () => {
    const { env, store, userId, key } = await setup();
    const server = await startServerProcess(env);
    const outcomes: Promise<Outcome>[] = [];
    const deadline = Date.now() + 20_000;
    let killed = false;
    let completed = 0;
    // Keep 24 requests in flight (streams and JSON) until the kill; bounded by the deadline.
    const worker = async (i: number) => {
      while (!killed && Date.now() < deadline) {
        const p = i % 3 === 0 ? jsonOnce(server.url, key) : streamOnce(server.url, key, 15);
        outcomes.push(p);
        if ((await p).complete) completed++;
      }
    };
    const workers = Array.from({ length: 24 }, (_, i) => worker(i));
    // Kill once a good number were delivered (however loaded the machine is), with more in flight.
    while (completed < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGKILL');
    killed = true;
    await server.exited;
    await Promise.all(workers);
    const results = await Promise.all(outcomes);
    const delivered = results.filter((o) => o.complete);
    expect(delivered.length).toBeGreaterThan(20);
    expect(results.some((o) => !o.complete)).toBe(true); // the kill did cut requests in flight

    const restarted = await startServerProcess(env);
    try {
      for (const o of delivered) {
        const event = await store.getEvent(o.requestId as string);
        expect(event, `charge for delivered ${o.requestId}`).not.toBeNull();
      }
      const { events } = await store.listEvents({ userId, limit: 10_000 });
      const sum = events.reduce((a, e) => a + e.costNano, 0);
      expect((await store.getUser(userId))?.spendNano).toBe(sum);
      expect(new Set(events.map((e) => e.requestId)).size).toBe(events.length);
      // and the restarted server serves and charges
      const after = await jsonOnce(restarted.url, key);
      expect(after.complete).toBe(true);
      expect(await store.getEvent(after.requestId as string)).not.toBeNull();
    } finally {
      restarted.child.kill('SIGKILL');
      await restarted.exited;
      await store.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM: open streams finish, their charges are written, new connections are refused, exit 0', async () => {
    const { env, store, userId, key } = await setup();
    const server = await startServerProcess(env);
    const firstChunks: Promise<void>[] = [];
    const streams = Array.from({ length: 5 }, () => {
      let started!: () => void;
      firstChunks.push(new Promise<void>((r) => (started = r)));
      return streamOnce(server.url, key, 120, () => started());
    });
    await Promise.all(firstChunks); // every stream is under way
    server.child.kill('SIGTERM');
    const signalledAt = Date.now();
    await new Promise((r) => setTimeout(r, 100));
    await expect(request(`${server.url}/healthz`)).rejects.toThrow();
    const results = await Promise.all(streams);
    expect(results.every((r) => r.complete)).toBe(true);
    expect(await server.exited).toBe(0);
    for (const r of results) expect(await store.getEvent(r.requestId as string)).not.toBeNull();
    const { events } = await store.listEvents({ userId, limit: 100 });
    expect(events).toHaveLength(5);
    expect(events.every((e) => !e.flags.includes('client_aborted') && e.outputTokens === 300)).toBe(true);
    // the streams really outlived the signal
    expect(results.every((r) => (r.endedAt ?? 0) > signalledAt + 200)).toBe(true);
    await store.close();
  });
});
