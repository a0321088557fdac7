import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import type { Db } from 'mongodb';
import { periodStart } from '../src/quota.ts';
import { bucketOf, eventToDoc, ROLLUP_COUNTERS, toInt64, type EventDoc, type HourlyDoc } from '../src/store/mongo-docs.ts';
import { eventParams } from '../src/store/sqlite-rows.ts';
import { prepareStatements, type Statements } from '../src/store/sqlite-sql.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { Store, UsageEvent } from '../src/store/types.ts';
import { makeEvent, rng } from './events.ts';

/**
 * One user's 30 days of usage, N events, for the report benchmark. Charging 1M events one by one
 * through store.charge takes minutes (SQLite: one fsync per charge), so the fixtures write the same
 * rows faster but honestly:
 * - SQLite: the production statements (prepareStatements from src/store/sqlite-sql.ts, the same
 *   three a charge runs, in the same order) in transactions of 20,000 events instead of one each.
 *   Built once into a cache file keyed by the schema/SQL sources, then reused.
 * - MongoDB: events in their final applied shape (eventToDoc, pending released as a charge leaves
 *   it) and the hourly rollups summed in JS into the documents a charge upserts, with insertMany.
 * In both, the report reads exactly the tables/collections and fields production writes.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const BATCH = 20_000;
export const KEY_IDS = ['key_report_a', 'key_report_b', 'key_report_c'];

export interface Fixture {
  userId: string;
  events: number;
  /** Report window: [to - 30 days, to). */
  to: number;
  buildSeconds: number | null;
  cached: boolean;
}

/** Spread evenly over the 30 days before `to`, in time order. */
function eventAt(i: number, n: number, to: number): number {
  return to - 30 * DAY_MS + Math.floor(((i + 0.5) * 30 * DAY_MS) / n);
}

const SQLITE_ANCHOR = Date.UTC(2026, 10, 1); // fixed, so the cached file's window never moves

export async function sqliteFixture(cacheDir: string, n: number, log: (s: string) => void): Promise<Fixture & { path: string }> {
  const sources = ['sqlite-schema.ts', 'sqlite-sql.ts', 'sqlite-rows.ts'].map((f) => readFileSync(new URL(`../src/store/${f}`, import.meta.url)));
  const hash = createHash('sha256').update(Buffer.concat([...sources, readFileSync(new URL(import.meta.url)), readFileSync(new URL('./events.ts', import.meta.url))])).digest('hex').slice(0, 12);
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `report-${n}-${hash}.db`);
  const userId = 'usr_report_fixture';
  if (existsSync(path)) return { path, userId, events: n, to: SQLITE_ANCHOR, buildSeconds: null, cached: true };

  log(`building SQLite fixture with ${n.toLocaleString('en')} events (cached afterwards in ${cacheDir}) ...`);
  const t0 = performance.now();
  const tmp = `${path}.tmp-${process.pid}`;
  const store = openSqliteStore({ path: tmp });
  await store.init(); // production schema
  await store.createUser({ id: userId, name: 'report-fixture', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: SQLITE_ANCHOR - 31 * DAY_MS });
  for (const id of KEY_IDS) {
    await store.createKey({ id, userId, hash: createHash('sha256').update(id).digest('hex'), prefix: 'tg-fixture', label: id, createdAt: SQLITE_ANCHOR - 31 * DAY_MS, lastUsedAt: null, revokedAt: null });
  }
  await store.close();

  const db = new DatabaseSync(tmp);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  const s = prepareStatements(db);
  const rand = rng(1);
  for (let i = 0; i < n; i += BATCH) {
    db.exec('BEGIN IMMEDIATE');
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      chargeLikeStore(s, makeEvent(rand, userId, KEY_IDS, eventAt(j, n, SQLITE_ANCHOR), `req_fx_${j.toString(36).padStart(8, '0')}`));
    }
    db.exec('COMMIT');
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
  renameSync(tmp, path);
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`built in ${buildSeconds.toFixed(1)} s`);
  return { path, userId, events: n, to: SQLITE_ANCHOR, buildSeconds, cached: false };
}

/** The body of SqliteStore.charge (src/store/sqlite.ts), statement for statement, minus its own transaction. */
function chargeLikeStore(s: Statements, event: UsageEvent): void {
  if (Number(s.insertEvent.run(eventParams(event)).changes) === 0) return;
  s.upsertHourly.run({
    hour_start: Math.floor(event.createdAt / HOUR_MS) * HOUR_MS,
    user_id: event.userId,
    key_id: event.keyId,
    priced_model: event.pricedModel,
    requests: 1,
    input_tokens: event.inputTokens,
    cached_tokens: event.cachedTokens,
    cache_write_tokens: event.cacheWriteTokens,
    output_tokens: event.outputTokens,
    reasoning_tokens: event.reasoningTokens,
    cost_nano: event.costNano,
    saved_nano: event.savedNano,
  });
  s.chargeUser.get({
    id: event.userId,
    cost: event.costNano,
    day: periodStart('day', event.createdAt),
    week: periodStart('week', event.createdAt),
    month: periodStart('month', event.createdAt),
  });
}

/**
 * Mongo fixture into a fresh database (store.init() already ran on it). Anchored at the current
 * hour so every event is inside the retention window and no TTL/sweep removes any mid-run.
 */
export async function mongoFixture(store: Store, db: Db, n: number, log: (s: string) => void): Promise<Fixture> {
  log(`inserting ${n.toLocaleString('en')} events into MongoDB/FerretDB (insertMany, final shape) ...`);
  const t0 = performance.now();
  const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const userId = 'usr_report_fixture';
  await store.createUser({ id: userId, name: 'report-fixture', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: to - 31 * DAY_MS });
  const events = db.collection<EventDoc>('usageEvents');
  const rollups = new Map<string, HourlyDoc>();
  const rand = rng(1);
  const recordedAt = new Date();
  let batch: EventDoc[] = [];
  for (let i = 0; i < n; i++) {
    const e = makeEvent(rand, userId, KEY_IDS, eventAt(i, n, to), `req_fx_${i.toString(36).padStart(8, '0')}`);
    const doc = eventToDoc(e, recordedAt);
    // As mongo-charge.ts step 4 leaves an applied event: pending unset, busy 0, createdDate set.
    delete doc.pending;
    doc.busy = 0;
    doc.createdDate = new Date(e.createdAt);
    batch.push(doc);
    addToRollup(rollups, e);
    if (batch.length === 5_000) {
      await events.insertMany(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await events.insertMany(batch, { ordered: false });
  await db.collection<HourlyDoc>('usageHourly').insertMany(rollupDocsToInt64([...rollups.values()]), { ordered: false });
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`inserted in ${buildSeconds.toFixed(1)} s (${rollups.size} hourly rollups)`);
  return { userId, events: n, to, buildSeconds, cached: false };
}

function addToRollup(rollups: Map<string, HourlyDoc>, e: UsageEvent): void {
  const b = bucketOf(e);
  const k = `${b.hourStart}|${b.keyId}|${b.pricedModel}`;
  let doc = rollups.get(k);
  if (!doc) {
    const zero = Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0]));
    doc = { ...b, dayStart: b.hourStart - (b.hourStart % DAY_MS), ids: [], ...zero } as unknown as HourlyDoc;
    rollups.set(k, doc);
  }
  const add: Record<(typeof ROLLUP_COUNTERS)[number], number> = {
    requests: 1,
    inputTokens: e.inputTokens,
    cachedTokens: e.cachedTokens,
    cacheWriteTokens: e.cacheWriteTokens,
    outputTokens: e.outputTokens,
    reasoningTokens: e.reasoningTokens,
    costNano: e.costNano,
    savedNano: e.savedNano,
  };
  for (const c of ROLLUP_COUNTERS) doc[c] = (doc[c] as number) + add[c];
}

/** Counters as int64, as the charge's $inc writes them. */
export function rollupDocsToInt64(docs: HourlyDoc[]): HourlyDoc[] {
  return docs.map((d) => ({ ...d, ...Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, toInt64(d[c] as number)])) }) as HourlyDoc);
}
