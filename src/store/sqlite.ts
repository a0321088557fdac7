/**
 * The embedded store: one SQLite file, for single-host deployments (and the admin CLI sharing it).
 *
 * Built on Node 24's own `node:sqlite` (DatabaseSync) rather than better-sqlite3: there is no
 * native addon to compile or download (install scripts and prebuilt binaries fetched from GitHub
 * are not available everywhere Tollgate is installed), it ships with the Node we require, and it
 * has the same synchronous API and speed. Synchronous is a feature here: a charge runs start to
 * finish without yielding, so within a process nothing can interleave with it.
 *
 * Durability: WAL journal with synchronous=FULL: each commit fsyncs the WAL, so a charge that
 * returned survives power loss, not only a crash. Measured on an ext4 VM: ~1,400 charges/s
 * (0.7 ms each, mostly the fsync, which blocks the event loop) against ~3,900/s with NORMAL.
 * That is far more than a proxy whose requests spend 100s of ms upstream needs, so FULL stays.
 * (NORMAL would still survive kill -9 in WAL mode, losing only the last commits on power loss.)
 *
 * Group commit: the fsync blocks the event loop (~1 ms here), so charges are not committed one by
 * one. charge() queues the event; the charges queued during one turn of the event loop are
 * applied in one transaction (each inside its own SAVEPOINT, so one failing charge does not undo
 * the others) and each promise settles after that COMMIT returned: the same durability, one
 * fsync per batch instead of one per request (measurements: docs/performance.md).
 *
 * Concurrency: charge and updateUser run in BEGIN IMMEDIATE, which takes the write lock up front
 * (also against other processes on the file, e.g. the admin CLI); busy_timeout makes them wait
 * for it instead of failing. Money is never read into JS and written back: spend, rollover and
 * the exhausted flag are computed by one UPDATE (sqlite-sql.ts).
 */
import { DatabaseSync } from 'node:sqlite';
import { TollgateError } from '../errors.ts';
import { periodStart } from '../quota.ts';
import type {
  ApiKeyRecord, ChargeResult, EventPage, NewUser, ReportQuery, ReportRow, Store, UsageEvent, User, UserPatch,
} from './types.ts';
import { migrate } from './sqlite-schema.ts';
import { prepareStatements, type Statements } from './sqlite-sql.ts';
import {
  decodeCursor, encodeCursor, eventParams, keyParams, prefixedRowToKey, rowToEvent, rowToKey, rowToUser, type SqlParams, type SqlRow,
} from './sqlite-rows.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BUSY_TIMEOUT_MS = 5_000;

export function openSqliteStore(opts: { path: string }): Store {
  return new SqliteStore(opts.path);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;
  #stmts: Statements | null = null;
  #queue: { event: UsageEvent; resolve: (r: ChargeResult) => void; reject: (err: unknown) => void }[] = [];

  constructor(path: string) {
    this.#db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  }

  async init(): Promise<void> {
    const db = this.#db;
    db.exec('PRAGMA journal_mode = WAL'); // ':memory:' stays 'memory', which is fine
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
    guard(() => migrate(db));
    this.#stmts ??= prepareStatements(db);
  }

  async close(): Promise<void> {
    if (this.#queue.length > 0 && this.#db.isOpen) this.#flush();
    if (this.#db.isOpen) this.#db.close();
  }

  async ping(): Promise<void> {
    guard(() => this.#s.ping.get());
  }

  get #s(): Statements {
    if (this.#stmts === null) throw new Error('SQLite store used before init()');
    return this.#stmts;
  }

  /** Runs fn in one write transaction, taking the write lock first (see header). */
  #tx<T>(fn: () => T): T {
    return guard(() => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const out = fn();
        this.#db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async createUser(user: NewUser): Promise<User> {
    const row = guard(() =>
      this.#s.insertUser.get({
        id: user.id,
        name: user.name,
        limit_nano: user.quota.limitNano,
        period: user.quota.period,
        enforce: user.quota.enforce ? 1 : 0,
        period_start: periodStart(user.quota.period, user.createdAt),
        created_at: user.createdAt,
      }),
    );
    return rowToUser(row!);
  }

  async getUser(id: string): Promise<User | null> {
    const row = guard(() => this.#s.getUser.get(id));
    return row ? rowToUser(row) : null;
  }

  async getUserByName(name: string): Promise<User | null> {
    const row = guard(() => this.#s.getUserByName.get(name));
    return row ? rowToUser(row) : null;
  }

  async listUsers(): Promise<User[]> {
    return guard(() => this.#s.listUsers.all()).map(rowToUser);
  }

  async updateUser(id: string, patch: UserPatch, now: number): Promise<User | null> {
    return this.#tx(() => {
      const row = this.#s.getUser.get(id);
      if (!row) return null;
      const cur = rowToUser(row);
      const quota = patch.quota ?? cur.quota;
      // A new period re-bases the stored spend on the new period that contains its start, so a
      // day -> month change keeps counting today's spend instead of treating it as a later period.
      const storedStart = quota.period === cur.quota.period ? cur.periodStart : periodStart(quota.period, cur.periodStart);
      const updated = this.#s.updateUser.get({
        id,
        name: patch.name ?? cur.name,
        disabled: (patch.disabled ?? cur.disabled) ? 1 : 0,
        limit_nano: quota.limitNano,
        period: quota.period,
        enforce: quota.enforce ? 1 : 0,
        period_start: storedStart,
        set_quota: patch.quota ? 1 : 0,
        now_period_start: periodStart(quota.period, now),
      });
      return rowToUser(updated!);
    });
  }

  async deleteUser(id: string): Promise<boolean> {
    return Number(guard(() => this.#s.deleteUser.run(id)).changes) > 0;
  }

  async createKey(key: ApiKeyRecord): Promise<void> {
    guard(() => this.#s.insertKey.run(keyParams(key)));
  }

  async findKeyByHash(hash: string): Promise<{ key: ApiKeyRecord; user: User } | null> {
    const row = guard(() => this.#s.findKeyByHash.get(hash));
    return row ? { key: prefixedRowToKey(row), user: rowToUser(row) } : null;
  }

  async listKeys(userId: string): Promise<ApiKeyRecord[]> {
    return guard(() => this.#s.listKeys.all(userId)).map(rowToKey);
  }

  async revokeKey(keyId: string, now: number): Promise<boolean> {
    return Number(guard(() => this.#s.revokeKey.run({ id: keyId, now })).changes) > 0;
  }

  async touchKey(keyId: string, now: number): Promise<void> {
    guard(() => this.#s.touchKey.run({ id: keyId, now }));
  }

  charge(event: UsageEvent): Promise<ChargeResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      // setImmediate runs after the I/O callbacks of this turn: their charges share one commit.
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  /** Applies the queued charges in one transaction (see "Group commit" in the header). */
  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: ChargeResult } | { ok: false; err: unknown })[] = [];
    try {
      this.#tx(() => {
        for (const { event } of batch) {
          this.#db.exec('SAVEPOINT charge');
          try {
            outcomes.push({ ok: true, value: guard(() => this.#chargeOne(event)) });
            this.#db.exec('RELEASE charge');
          } catch (err) {
            this.#db.exec('ROLLBACK TO charge');
            this.#db.exec('RELEASE charge');
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.err);
    });
  }

  #chargeOne(event: UsageEvent): ChargeResult {
    const s = this.#s;
    if (Number(s.insertEvent.run(eventParams(event)).changes) === 0) {
      return { applied: false, ...chargeState(s.userState.get(event.userId)) };
    }
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
    // A user deleted while their request was in flight: the event and rollup are kept, no spend.
    const row = s.chargeUser.get({
      id: event.userId,
      cost: event.costNano,
      day: periodStart('day', event.createdAt),
      week: periodStart('week', event.createdAt),
      month: periodStart('month', event.createdAt),
    });
    return { applied: true, ...chargeState(row) };
  }

  async getEvent(requestId: string): Promise<UsageEvent | null> {
    const row = guard(() => this.#s.getEvent.get(requestId));
    return row ? rowToEvent(row) : null;
  }

  async listEvents(query: { userId?: string; before?: string | null; limit: number }): Promise<EventPage> {
    const { limit } = query;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new TollgateError('TG_INVALID_REQUEST', 'limit must be a positive integer.', { param: 'limit' });
    }
    const cursor = query.before ? decodeCursor(query.before) : null;
    const s = this.#s;
    const stmt = query.userId !== undefined ? (cursor ? s.userEventsBefore : s.userEvents) : cursor ? s.eventsBefore : s.events;
    // One row more than asked says whether there is a next page without an extra query.
    const bound: SqlParams = { limit: limit + 1 };
    if (query.userId !== undefined) bound['user_id'] = query.userId;
    if (cursor) Object.assign(bound, { created_at: cursor.createdAt, request_id: cursor.requestId });
    const rows = guard(() => stmt.all(bound));
    const events = rows.slice(0, limit).map(rowToEvent);
    const last = events.at(-1);
    return { events, next: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async usageReport(query: ReportQuery): Promise<ReportRow[]> {
    const byUser = query.userId !== undefined;
    const stmt = (byUser ? this.#s.userReport : this.#s.report)[query.groupBy];
    const params: SqlParams = {
      from: Math.floor(query.from / HOUR_MS) * HOUR_MS,
      to: Math.ceil(query.to / HOUR_MS) * HOUR_MS,
    };
    if (byUser) params['user_id'] = query.userId!;
    return guard(() => stmt.all(params)).map((row) => toReportRow(row, query.groupBy === 'day'));
  }

  async purgeEvents(before: number): Promise<number> {
    return Number(guard(() => this.#s.purgeEvents.run(before)).changes);
  }
}

function chargeState(row: SqlRow | undefined): Omit<ChargeResult, 'applied'> {
  if (!row) return { spendNano: 0, periodStart: 0, exhausted: false };
  return { spendNano: Number(row['spend_nano']), periodStart: Number(row['period_start']), exhausted: row['exhausted'] !== 0 };
}

function toReportRow(row: SqlRow, isDay: boolean): ReportRow {
  const n = (col: string): number => Number(row[col]);
  return {
    group: isDay ? new Date(n('grp') * DAY_MS).toISOString().slice(0, 10) : String(row['grp']),
    requests: n('requests'),
    inputTokens: n('input_tokens'),
    cachedTokens: n('cached_tokens'),
    cacheWriteTokens: n('cache_write_tokens'),
    outputTokens: n('output_tokens'),
    reasoningTokens: n('reasoning_tokens'),
    costNano: n('cost_nano'),
    savedNano: n('saved_nano'),
  };
}

// SQLite primary result codes (the low byte of node:sqlite's `errcode`).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT = 19;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

/** Runs fn, turning SQLite's errors that callers act on into coded TollgateErrors. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const errcode = (err as { errcode?: unknown }).errcode;
    if (typeof errcode !== 'number') throw err;
    const primary = errcode & 0xff;
    if (errcode === SQLITE_CONSTRAINT_FOREIGNKEY) {
      throw new TollgateError('TG_INVALID_REQUEST', 'The referenced user does not exist.', { cause: err });
    }
    if (primary === SQLITE_CONSTRAINT && /UNIQUE|PRIMARY KEY/.test(String((err as Error).message))) {
      throw new TollgateError('TG_CONFLICT', `Already exists: ${(err as Error).message}`, { cause: err });
    }
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
      throw new TollgateError('TG_STORE_UNAVAILABLE', 'The database is busy.', { cause: err });
    }
    throw err;
  }
}
