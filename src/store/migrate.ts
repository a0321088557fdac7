import { Long, type Db } from 'mongodb';
import { connectMongo, dbNameFromUri, type ConnectOptions } from './mongo-connect.ts';
import { COLLECTIONS } from './mongo-docs.ts';
import { ensureIndexes } from './mongo-index.ts';

export { ensureIndexes } from './mongo-index.ts';

/**
 * `tollgate migrate` for MongoDB: creates the indexes, and lets an operator adopt an existing users
 * collection by giving every user document that has a name but lacks quota fields Tollgate's
 * defaults. Idempotent: each field is set only where it does not exist (`$exists: false` filter),
 * so existing values are never overwritten and a second run changes nothing.
 */

export interface MigrationReport {
  database: string;
  /** "collection.index" for each index created by this run. */
  indexesCreated: string[];
  /** "collection.index" for each index whose options this run changed (the TTL on a new retention). */
  indexesUpdated: string[];
  /** How events expire: a TTL index, or (server without TTL) the store's periodic sweep. */
  retention: 'ttl' | 'sweep';
  /** User documents that received at least one missing field. */
  usersInitialised: number;
  /** How many user documents each field was set on (fields set nowhere are left out). */
  fieldsSet: Record<string, number>;
  /** User documents without a name: left alone, Tollgate cannot address them. */
  usersWithoutName: number;
  changed: boolean;
}

export interface MigrateOptions extends ConnectOptions {
  dbName?: string;
  /** Changes an existing TTL index only when given; a missing one is created with 40 days. */
  retentionDays?: number;
  /** Stands in for "now" as the createdAt of adopted users. */
  now?: number;
}

/** The value a missing field gets; createdAt is the time of adoption. */
function userDefaults(now: number): Record<string, unknown> {
  return {
    disabled: false,
    limitNano: null,
    period: 'month',
    enforce: false,
    spendNano: Long.ZERO,
    periodStart: 0,
    exhausted: false,
    createdAt: now,
  };
}

export async function migrate(target: string | Db, opts: MigrateOptions = {}): Promise<MigrationReport> {
  if (typeof target !== 'string') return migrateDb(target, opts);
  const client = await connectMongo(target, opts);
  try {
    return await migrateDb(client.db(opts.dbName ?? dbNameFromUri(target) ?? 'tollgate'), opts);
  } finally {
    await client.close();
  }
}

async function migrateDb(db: Db, opts: MigrateOptions): Promise<MigrationReport> {
  // Indexes first: if the users cannot get a unique name index (duplicate names), the run stops
  // before touching any user document.
  const indexes = await ensureIndexes(db, { retentionDays: opts.retentionDays });
  const users = await initialiseUsers(db, opts.now ?? Date.now());
  return {
    database: db.databaseName,
    indexesCreated: indexes.created,
    indexesUpdated: indexes.updated,
    retention: indexes.retention,
    ...users,
    changed: indexes.created.length + indexes.updated.length + users.usersInitialised > 0,
  };
}

async function initialiseUsers(
  db: Db,
  now: number,
): Promise<Pick<MigrationReport, 'usersInitialised' | 'fieldsSet' | 'usersWithoutName'>> {
  const users = db.collection(COLLECTIONS.users);
  const defaults = userDefaults(now);
  const fields = Object.keys(defaults);
  const named = { name: { $exists: true } };
  const usersInitialised = await users.countDocuments({ ...named, $or: fields.map((f) => ({ [f]: { $exists: false } })) });
  const fieldsSet: Record<string, number> = {};
  if (usersInitialised > 0) {
    for (const field of fields) {
      const res = await users.updateMany({ ...named, [field]: { $exists: false } }, { $set: { [field]: defaults[field] } });
      if (res.modifiedCount > 0) fieldsSet[field] = res.modifiedCount;
    }
  }
  const usersWithoutName = await users.countDocuments({ name: { $exists: false } });
  return { usersInitialised, fieldsSet, usersWithoutName };
}
