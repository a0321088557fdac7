import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/keys.ts';
import { Ledger } from '../../src/ledger.ts';
import { ChargeSpool } from '../../src/spool.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store, UsageEvent } from '../../src/store/types.ts';

/** A store whose charge can be switched off, as a database outage looks from Tollgate. */
function flaky(store: Store): Store & { down: boolean } {
  const wrapper = Object.create(store) as Store & { down: boolean };
  wrapper.down = false;
  wrapper.charge = (e) => (wrapper.down ? Promise.reject(new Error('connection refused')) : store.charge(e));
  return wrapper;
}

const log = pino({ level: 'silent' });
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-spool-test-'));
  store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  await store.init();
});
afterEach(async () => {
  await store.close();
});

function event(userId: string, cost: number): UsageEvent {
  return {
    requestId: newId('req'), userId, keyId: 'key_x', endpoint: 'chat.completions', requestedModel: 'gpt-4o', servedModel: 'gpt-4o',
    pricedModel: 'gpt-4o', stream: false, inputTokens: 10, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 5, reasoningTokens: 0,
    costNano: cost, savedNano: 0, status: 200, estimated: false, flags: [], latencyMs: 1, upstreamRequestId: null, createdAt: Date.now(),
  };
}

describe('charge spool', () => {
  it('charges taken while the store is down are spooled, durable on disk, and replayed exactly once', async () => {
    const user = await store.createUser({ id: newId('usr'), name: 'u', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: Date.now() });
    const s = flaky(store);
    const spoolDir = join(dir, 'spool');
    const ledger = new Ledger(s, log, { spool: new ChargeSpool(spoolDir, log), chargeTimeoutMs: 1000, replayEveryMs: 60_000 });
    const events = Array.from({ length: 50 }, (_, i) => event(user.id, 1_000 + i));
    await Promise.all(events.slice(0, 20).map((e) => ledger.record(e)));
    s.down = true;
    await Promise.all(events.slice(20, 40).map((e) => ledger.record(e)));
    // durable before record() resolved: 20 lines on disk
    const spooled = readdirSync(spoolDir).map((f) => readFileSync(join(spoolDir, f), 'utf8')).join('').trim().split('\n');
    expect(spooled).toHaveLength(20);
    await ledger.replayNow(); // still down: nothing lost, nothing applied
    expect((await store.getUser(user.id))?.spendNano).toBe(events.slice(0, 20).reduce((a, e) => a + e.costNano, 0));
    s.down = false;
    await Promise.all(events.slice(40).map((e) => ledger.record(e)));
    await ledger.replayNow();
    await ledger.replayNow(); // a second replay finds nothing to do
    const total = events.reduce((a, e) => a + e.costNano, 0);
    expect((await store.getUser(user.id))?.spendNano).toBe(total);
    expect((await store.listEvents({ userId: user.id, limit: 100 })).events).toHaveLength(50);
    expect(readdirSync(spoolDir)).toEqual([]);
    await ledger.drain();
  });

  it('a spool left by a crashed process is replayed at start-up; replaying already-charged lines counts nothing twice', async () => {
    const user = await store.createUser({ id: newId('usr'), name: 'v', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: Date.now() });
    const spoolDir = join(dir, 'spool2');
    const crashed = new ChargeSpool(spoolDir, log);
    const events = Array.from({ length: 10 }, (_, i) => event(user.id, 500 + i));
    for (const e of events) crashed.append(e);
    // the store took the first three before the crash
    for (const e of events.slice(0, 3)) await store.charge(e);
    crashed.close();
    const ledger = new Ledger(store, log, { spool: new ChargeSpool(spoolDir, log) });
    await ledger.start();
    expect((await store.getUser(user.id))?.spendNano).toBe(events.reduce((a, e) => a + e.costNano, 0));
    expect(readdirSync(spoolDir)).toEqual([]);
    await ledger.drain();
  });
});

describe('charge spool rotation', () => {
  it('two replays within one millisecond never overwrite a replay file that still waits', async () => {
    const user = await store.createUser({ id: newId('usr'), name: 'w', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: Date.now() });
    const spool = new ChargeSpool(join(dir, 'spool3'), log);
    const down = () => Promise.reject(new Error('connection refused'));
    const [a, b] = [event(user.id, 700), event(user.id, 300)];
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.now()); // both rotations in the same millisecond
    try {
      spool.append(a);
      expect(await spool.replay(down)).toEqual({ charged: 0, complete: false });
      spool.append(b);
      expect(await spool.replay(down)).toEqual({ charged: 0, complete: false });
      expect(await spool.replay((e) => store.charge(e))).toEqual({ charged: 2, complete: true });
    } finally {
      now.mockRestore();
      spool.close();
    }
    expect((await store.getUser(user.id))?.spendNano).toBe(1_000);
  });
});

describe('ledger when the spool itself fails', () => {
  it('store down and spool unwritable: record resolves (callers settle with `void`), the event is logged whole', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const spoolDir = join(dir, 'spool4');
    const spool = new ChargeSpool(spoolDir, sink);
    rmSync(spoolDir, { recursive: true });
    writeFileSync(spoolDir, ''); // a file where the directory was: every append fails (ENOTDIR), as on a full or read-only disk
    const s = flaky(store);
    s.down = true;
    const ledger = new Ledger(s, sink, { spool, chargeTimeoutMs: 1000, replayEveryMs: 60_000 });
    const e = event('usr_x', 1234);
    await expect(ledger.record(e)).resolves.toBeNull();
    const logged = lines.find((l) => (l['event'] as UsageEvent | undefined)?.requestId === e.requestId);
    expect(logged?.['level']).toBe(50);
    expect((logged?.['event'] as UsageEvent).costNano).toBe(1234);
  });
});
