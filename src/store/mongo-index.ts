import type { Db, Document } from 'mongodb';
import { TollgateError } from '../errors.ts';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.ts';

/**
 * The indexes the MongoDB store needs, created idempotently by store.init() and by migrate.
 * usageEvents needs no requestId index of its own: its _id is the requestId.
 */

export interface IndexSpec {
  collection: string;
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
  sparse?: boolean;
}

export const INDEXES: readonly IndexSpec[] = [
  { collection: COLLECTIONS.users, name: 'name_unique', key: { name: 1 }, unique: true },
  { collection: COLLECTIONS.apiKeys, name: 'hash_unique', key: { hash: 1 }, unique: true },
  { collection: COLLECTIONS.apiKeys, name: 'userId', key: { userId: 1 } },
  // listEvents (newest first, per user or overall) and purgeEvents.
  { collection: COLLECTIONS.usageEvents, name: 'userId_createdAt_requestId', key: { userId: 1, createdAt: 1, _id: 1 } },
  { collection: COLLECTIONS.usageEvents, name: 'createdAt_requestId', key: { createdAt: 1, _id: 1 } },
  // recoverPending: only pending events carry the field.
  { collection: COLLECTIONS.usageEvents, name: 'pending', key: { pending: 1 }, sparse: true },
  { collection: COLLECTIONS.usageHourly, name: 'bucket_unique', key: { hourStart: 1, userId: 1, keyId: 1, pricedModel: 1 }, unique: true },
  { collection: COLLECTIONS.usageHourly, name: 'userId_hourStart', key: { userId: 1, hourStart: 1 } },
];

/** Events expire this long after createdAt; createdDate is set only once an event is fully applied. */
export const TTL_INDEX = { collection: COLLECTIONS.usageEvents, name: 'createdDate_ttl', key: { createdDate: 1 } } as const;
export const DEFAULT_RETENTION_DAYS = 40;

export interface IndexResult {
  created: string[];
  updated: string[];
  retention: 'ttl' | 'sweep';
  /** Why there is no TTL index, or why it could not be changed. */
  ttlProblem?: string;
}

const NAMESPACE_NOT_FOUND = 26;

async function listIndexes(db: Db, collection: string): Promise<Document[]> {
  try {
    return await db.collection(collection).listIndexes().toArray();
  } catch (err) {
    if ((err as { code?: unknown }).code === NAMESPACE_NOT_FOUND) return [];
    throw err;
  }
}

const sameKey = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export async function ensureIndexes(db: Db, opts: { retentionDays?: number | undefined } = {}): Promise<IndexResult> {
  const result: IndexResult = { created: [], updated: [], retention: 'sweep' };
  const existing = new Map<string, Document[]>();
  const indexesOf = async (collection: string): Promise<Document[]> => {
    let list = existing.get(collection);
    if (!list) existing.set(collection, (list = await listIndexes(db, collection)));
    return list;
  };

  for (const spec of INDEXES) {
    const have = await indexesOf(spec.collection);
    const match = have.find((ix) => ix['name'] === spec.name) ?? have.find((ix) => sameKey(ix['key'], spec.key));
    if (match) {
      if (Boolean(match['unique']) !== Boolean(spec.unique)) {
        throw new TollgateError(
          'TG_CONFLICT',
          `${spec.collection} has an index ${String(match['name'])} on ${JSON.stringify(spec.key)} that is ${match['unique'] ? '' : 'not '}unique; ` +
            `Tollgate needs ${spec.unique ? 'a unique' : 'a non-unique'} one. Drop it and run migrate again.`,
        );
      }
      continue;
    }
    try {
      await db.collection(spec.collection).createIndex(spec.key, {
        name: spec.name,
        ...(spec.unique ? { unique: true } : {}),
        ...(spec.sparse ? { sparse: true } : {}),
      });
    } catch (err) {
      if (isDuplicateKey(err)) {
        throw new TollgateError(
          'TG_CONFLICT',
          `${spec.collection} has documents with the same ${Object.keys(spec.key).join(', ')}; Tollgate needs it unique. ` +
            'Fix the duplicates, then run migrate again.',
        );
      }
      throw err;
    }
    result.created.push(`${spec.collection}.${spec.name}`);
  }

  await ensureTtl(db, opts.retentionDays, await indexesOf(TTL_INDEX.collection), result);
  return result;
}

/**
 * The TTL index, where the server has TTL. Support is judged by what the server does, not by its
 * version: creating the index may fail (FerretDB v1: NotImplemented), or succeed while
 * listIndexes shows no expireAfterSeconds (the option was ignored). Either way: the sweep.
 */
async function ensureTtl(db: Db, retentionDays: number | undefined, have: Document[], result: IndexResult): Promise<void> {
  const want = Math.round((retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400);
  const name = `${TTL_INDEX.collection}.${TTL_INDEX.name}`;
  const current = have.find((ix) => ix['name'] === TTL_INDEX.name);
  const events = db.collection(TTL_INDEX.collection);
  if (!current) {
    try {
      await events.createIndex(TTL_INDEX.key, { name: TTL_INDEX.name, expireAfterSeconds: want });
    } catch (err) {
      result.ttlProblem = `the server refused a TTL index: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    result.created.push(name);
    const listed = (await listIndexes(db, TTL_INDEX.collection)).find((ix) => ix['name'] === TTL_INDEX.name);
    if (typeof listed?.['expireAfterSeconds'] !== 'number') {
      result.ttlProblem = 'the server accepted the TTL index but does not report expireAfterSeconds';
      return;
    }
    result.retention = 'ttl';
    return;
  }
  if (typeof current['expireAfterSeconds'] !== 'number') {
    result.ttlProblem = 'the TTL index exists without expireAfterSeconds (server without TTL support)';
    return;
  }
  result.retention = 'ttl';
  if (retentionDays !== undefined && current['expireAfterSeconds'] !== want) {
    try {
      await db.command({ collMod: TTL_INDEX.collection, index: { name: TTL_INDEX.name, expireAfterSeconds: want } });
      result.updated.push(name);
    } catch (err) {
      // Typically a user without dbAdmin: keep running on the old retention, and say so.
      result.ttlProblem = `could not change the TTL to ${want} s (it stays ${String(current['expireAfterSeconds'])} s): ${
        err instanceof Error ? err.message : String(err)
      }`;
    }
  }
}
