import { Long, type Collection, type Db, type Filter, type MongoClient } from 'mongodb';
import { TollgateError } from '../errors.ts';
import { periodStart } from '../quota.ts';
import { chargeEvent, recoverPending, type ChargeCollections } from './mongo-charge.ts';
import { connectMongo, dbNameFromUri } from './mongo-connect.ts';
import {
  COLLECTIONS,
  decodeCursor,
  encodeCursor,
  fromInt64,
  isDuplicateKey,
  keyToDoc,
  toEvent,
  toInt64,
  toKey,
  toUser,
  USER_FIELDS,
  userIdFilter,
  type EventDoc,
  type HourlyDoc,
  type KeyDoc,
  type UserDoc,
} from './mongo-docs.ts';
import { DEFAULT_RETENTION_DAYS, ensureIndexes } from './mongo-index.ts';
import { usageReport } from './mongo-report.ts';
import type {
  ApiKeyRecord,
  ChargeResult,
  EventPage,
  NewUser,
  ReportQuery,
  ReportRow,
  Store,
  UsageEvent,
  User,
  UserPatch,
} from './types.ts';

/**
 * The MongoDB store: for production, with any number of Tollgate instances on one database.
 * How a charge stays exact without transactions is explained in mongo-charge.ts; the collections
 * and indexes in mongo-docs.ts and mongo-index.ts; operating it in docs/mongodb.md.
 */

export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface MongoStoreOptions {
  uri: string;
  /** Defaults to the database in the URI, else "tollgate". */
  dbName?: string;
  /** Events are deleted this many days after createdAt (TTL index, or the sweep). Default 40. */
  retentionDays?: number;
  logger?: StoreLogger;
  serverSelectionTimeoutMs?: number;
  /** How often to complete crashed charges and, without TTL, purge old events. Default 5 minutes. */
  maintenanceIntervalMs?: number;
  /** A pending event younger than this is left to the charge that is presumably still on it. Default 60 s. */
  recoveryGraceMs?: number;
}

export async function openMongoStore(opts: MongoStoreOptions): Promise<MongoStore> {
  const client = await connectMongo(opts.uri, { serverSelectionTimeoutMs: opts.serverSelectionTimeoutMs });
  return new MongoStore(client, client.db(opts.dbName ?? dbNameFromUri(opts.uri) ?? 'tollgate'), opts);
}

const quiet: StoreLogger = { info: () => undefined, warn: () => undefined };

export class MongoStore implements Store {
  readonly kind = 'mongo' as const;
  readonly client: MongoClient;
  readonly db: Db;
  /** Known after init(): how events expire. */
  retention: 'ttl' | 'sweep' | 'unknown' = 'unknown';
  readonly #users: Collection<UserDoc>;
  readonly #keys: Collection<KeyDoc>;
  readonly #events: Collection<EventDoc>;
  readonly #hourly: Collection<HourlyDoc>;
  readonly #charge: ChargeCollections;
  readonly #log: StoreLogger;
  readonly #retentionDays: number;
  readonly #intervalMs: number;
  readonly #graceMs: number;
  #timer: NodeJS.Timeout | null = null;
  #warnedNoTtl = false;

  constructor(client: MongoClient, db: Db, opts: Omit<MongoStoreOptions, 'uri'> = {}) {
    this.client = client;
    this.db = db;
    this.#users = db.collection<UserDoc>(COLLECTIONS.users);
    this.#keys = db.collection<KeyDoc>(COLLECTIONS.apiKeys);
    this.#events = db.collection<EventDoc>(COLLECTIONS.usageEvents);
    this.#hourly = db.collection<HourlyDoc>(COLLECTIONS.usageHourly);
    this.#charge = { users: this.#users, events: this.#events, hourly: this.#hourly };
    this.#log = opts.logger ?? quiet;
    this.#retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.#intervalMs = opts.maintenanceIntervalMs ?? 300_000;
    this.#graceMs = opts.recoveryGraceMs ?? 60_000;
  }

  async init(): Promise<void> {
    const ix = await ensureIndexes(this.db, { retentionDays: this.#retentionDays });
    if (ix.created.length > 0) this.#log.info({ indexes: ix.created }, 'mongodb indexes created');
    this.retention = ix.retention;
    if (ix.retention === 'ttl' && ix.ttlProblem) this.#log.warn({ reason: ix.ttlProblem }, 'mongodb: usage event TTL not updated');
    if (ix.retention === 'sweep' && !this.#warnedNoTtl) {
      this.#warnedNoTtl = true;
      this.#log.warn(
        { reason: ix.ttlProblem, retentionDays: this.#retentionDays, everyMs: this.#intervalMs },
        'mongodb: no TTL index for usage events; old events are purged by a periodic sweep instead',
      );
    }
    await this.#warnIfFerretV1();
    const recovered = await this.recoverPending();
    if (recovered > 0) this.#log.warn({ recovered }, 'mongodb: completed charges left pending by a crash');
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.runMaintenance(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** FerretDB v1 loses concurrent updates (issue #3040): charges would not add up under load. */
  async #warnIfFerretV1(): Promise<void> {
    const info = await this.db.admin().command({ buildInfo: 1 }).catch(() => null);
    const version = info?.['ferretdbVersion'];
    if (typeof version === 'string' && version.startsWith('v1.')) {
      this.#log.warn(
        { ferretdbVersion: version },
        'mongodb: the server is FerretDB v1, whose updates are not atomic under concurrency; concurrent charges can be lost. ' +
          'Use MongoDB in production (see docs/mongodb.md).',
      );
    }
  }

  /** Completes charges a crashed process left pending (see mongo-charge.ts); returns how many. */
  recoverPending(opts: { olderThanMs?: number; now?: number } = {}): Promise<number> {
    return recoverPending(this.#charge, { olderThanMs: opts.olderThanMs ?? this.#graceMs, now: opts.now });
  }

  /** One maintenance round: recovery, and the retention sweep where there is no TTL. Never throws. */
  async runMaintenance(now = Date.now()): Promise<{ recovered: number; purged: number }> {
    const out = { recovered: 0, purged: 0 };
    try {
      out.recovered = await this.recoverPending({ now });
      if (out.recovered > 0) this.#log.warn({ recovered: out.recovered }, 'mongodb: completed charges left pending by a crash');
      if (this.retention === 'sweep') {
        out.purged = await this.purgeEvents(now - this.#retentionDays * 86_400_000);
        if (out.purged > 0) this.#log.info({ removed: out.purged, retentionDays: this.#retentionDays }, 'retention sweep removed old usage events');
      }
    } catch (err) {
      this.#log.warn({ err }, 'mongodb maintenance failed; will retry');
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.client.close();
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async createUser(user: NewUser): Promise<User> {
    const doc: UserDoc = {
      _id: user.id,
      name: user.name,
      disabled: false,
      limitNano: user.quota.limitNano === null ? null : toInt64(user.quota.limitNano),
      period: user.quota.period,
      enforce: user.quota.enforce,
      spendNano: Long.ZERO,
      periodStart: periodStart(user.quota.period, user.createdAt),
      exhausted: false,
      createdAt: user.createdAt,
      appliedIds: [],
    };
    await conflictOnDuplicate(() => this.#users.insertOne(doc), `user ${user.id} / ${user.name}`);
    return toUser(doc);
  }

  async getUser(id: string): Promise<User | null> {
    const doc = await this.#users.findOne(userIdFilter(id), { projection: USER_FIELDS });
    return doc ? toUser(doc) : null;
  }

  async getUserByName(name: string): Promise<User | null> {
    const doc = await this.#users.findOne({ name }, { projection: USER_FIELDS });
    return doc ? toUser(doc) : null;
  }

  async listUsers(): Promise<User[]> {
    const docs = await this.#users.find({ name: { $exists: true } }, { projection: USER_FIELDS }).sort({ _id: 1 }).toArray();
    return docs.map(toUser);
  }

  /**
   * No read-modify-write on money: the spend is never written here. A period change re-bases
   * periodStart (as the SQLite store does) under a filter on the values read, retried on a race;
   * `exhausted` is then recomputed by a conditional update, like a charge does.
   */
  async updateUser(id: string, patch: UserPatch, now: number): Promise<User | null> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const cur = await this.#users.findOne(userIdFilter(id), { projection: USER_FIELDS });
      if (!cur) return null;
      const $set: Partial<UserDoc> = {};
      const filter: Filter<UserDoc> = { _id: cur._id };
      if (patch.name !== undefined) $set.name = patch.name;
      if (patch.disabled !== undefined) $set.disabled = patch.disabled;
      if (patch.quota) {
        const q = patch.quota;
        Object.assign($set, { limitNano: q.limitNano === null ? null : toInt64(q.limitNano), period: q.period, enforce: q.enforce });
        if (q.period !== cur.period) {
          Object.assign(filter, { period: cur.period, periodStart: cur.periodStart });
          $set.periodStart = periodStart(q.period, cur.periodStart);
        }
      }
      if (Object.keys($set).length === 0) return toUser(cur);
      const after = await conflictOnDuplicate(
        () => this.#users.findOneAndUpdate(filter, { $set }, { returnDocument: 'after' }),
        `user name ${patch.name ?? ''}`,
      );
      if (!after) continue; // a concurrent rollover moved periodStart: read again
      return toUser(patch.quota ? await this.#settleQuota(after, now) : after);
    }
    throw new TollgateError('TG_STORE_UNAVAILABLE', `updateUser ${id}: too much contention`);
  }

  /** exhausted = over the new limit in the current period, set only if the stored values still say so. */
  async #settleQuota(doc: UserDoc, now: number): Promise<UserDoc> {
    const limit = doc.limitNano === null || doc.limitNano === undefined ? null : fromInt64(doc.limitNano, 'limitNano');
    const current = periodStart(doc.period, now);
    const over = limit !== null && doc.periodStart >= current && fromInt64(doc.spendNano, 'spendNano') >= limit;
    const pinned: Filter<UserDoc> = { _id: doc._id, period: doc.period, limitNano: doc.limitNano };
    const filter: Filter<UserDoc> = over
      ? { ...pinned, periodStart: { $gte: current }, spendNano: { $gte: limit } }
      : limit === null
        ? pinned
        : { ...pinned, $or: [{ periodStart: { $lt: current } }, { spendNano: { $lt: limit } }] };
    const opts = { returnDocument: 'after' } as const;
    return (
      (await this.#users.findOneAndUpdate(filter, { $set: { exhausted: over } }, opts)) ??
      (await this.#users.findOne({ _id: doc._id }, { projection: USER_FIELDS })) ??
      doc
    );
  }

  async deleteUser(id: string): Promise<boolean> {
    const res = await this.#users.deleteOne(userIdFilter(id));
    await this.#keys.deleteMany({ userId: id });
    return res.deletedCount > 0;
  }

  async createKey(key: ApiKeyRecord): Promise<void> {
    if ((await this.#users.countDocuments(userIdFilter(key.userId), { limit: 1 })) === 0) {
      throw new TollgateError('TG_INVALID_REQUEST', 'The referenced user does not exist.');
    }
    await conflictOnDuplicate(() => this.#keys.insertOne(keyToDoc(key)), `key ${key.id}`);
  }

  async findKeyByHash(hash: string): Promise<{ key: ApiKeyRecord; user: User } | null> {
    const key = await this.#keys.findOne({ hash });
    if (!key) return null;
    const user = await this.getUser(key.userId);
    return user ? { key: toKey(key), user } : null;
  }

  async listKeys(userId: string): Promise<ApiKeyRecord[]> {
    return (await this.#keys.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(toKey);
  }

  /** The first revocation time is kept; revoking again still reports the key as found. */
  async revokeKey(keyId: string, now: number): Promise<boolean> {
    const res = await this.#keys.updateOne({ _id: keyId, revokedAt: null }, { $set: { revokedAt: now } });
    return res.matchedCount > 0 || (await this.#keys.countDocuments({ _id: keyId }, { limit: 1 })) > 0;
  }

  /** Touches land out of order (fire-and-forget); $max keeps the latest. */
  async touchKey(keyId: string, now: number): Promise<void> {
    await this.#keys.updateOne({ _id: keyId }, { $max: { lastUsedAt: now } });
  }

  charge(event: UsageEvent): Promise<ChargeResult> {
    return chargeEvent(this.#charge, event);
  }

  async getEvent(requestId: string): Promise<UsageEvent | null> {
    const doc = await this.#events.findOne({ _id: requestId });
    return doc ? toEvent(doc) : null;
  }

  async listEvents(query: { userId?: string; before?: string | null; limit: number }): Promise<EventPage> {
    const { limit } = query;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new TollgateError('TG_INVALID_REQUEST', 'limit must be a positive integer.', { param: 'limit' });
    }
    // Only released events: one still pending may not be in the spend and rollups yet (its charge
    // is running, or recovery will finish it), so listing it would show usage the spend lacks.
    // getEvent still finds it. The SQLite store writes an event and its charge in one transaction.
    const filter: Filter<EventDoc> = { pending: { $exists: false } };
    if (query.userId !== undefined) filter.userId = query.userId;
    if (query.before) {
      const c = decodeCursor(query.before);
      filter.$or = [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, _id: { $lt: c.requestId } }];
    }
    // One more than asked says whether there is a next page.
    const docs = await this.#events.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).toArray();
    const events = docs.slice(0, limit).map(toEvent);
    const last = events.at(-1);
    return { events, next: docs.length > limit && last ? encodeCursor(last) : null };
  }

  usageReport(query: ReportQuery): Promise<ReportRow[]> {
    return usageReport(this.#hourly, query);
  }

  /** Pending events are kept: their charge is not finished (recovery needs them). */
  async purgeEvents(before: number): Promise<number> {
    const res = await this.#events.deleteMany({ createdAt: { $lt: before }, pending: { $exists: false } });
    return res.deletedCount;
  }
}

async function conflictOnDuplicate<T>(fn: () => Promise<T>, what: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDuplicateKey(err)) throw new TollgateError('TG_CONFLICT', `Already exists: ${what}`);
    throw err;
  }
}
