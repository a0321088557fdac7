import { Long, ObjectId, type Filter } from 'mongodb';
import { TollgateError } from '../errors.ts';
import type { Endpoint, UsageFlag } from '../usage/types.ts';
import type { ApiKeyRecord, QuotaPeriod, UsageEvent, User } from './types.ts';

/**
 * The MongoDB documents and their conversion to the Store's plain types.
 *
 * Money (and the rollup counters) are written as int64 (`Long`) so `$inc` stays integer arithmetic
 * on the server; the driver hands them back as JS numbers while they fit in 53 bits, and
 * `fromInt64` refuses anything that does not, so an amount can never silently round.
 */

export const COLLECTIONS = {
  users: 'users',
  apiKeys: 'apiKeys',
  usageEvents: 'usageEvents',
  usageHourly: 'usageHourly',
} as const;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A stored integer as the driver returns it: a number, or a Long past 2^53. */
export type Int64 = number | Long;

export interface UserDoc {
  /** A string id for users Tollgate created; an adopted collection may use ObjectIds (see userIdFilter). */
  _id: string | ObjectId;
  name: string;
  disabled: boolean;
  limitNano: Int64 | null;
  period: QuotaPeriod;
  enforce: boolean;
  spendNano: Int64;
  periodStart: number;
  exhausted: boolean;
  createdAt: number;
  /** requestIds whose cost is in spendNano but whose event is not yet released (mongo-charge.ts). */
  appliedIds?: string[];
}

export interface KeyDoc {
  _id: string;
  userId: string;
  hash: string;
  prefix: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** One usage event; `_id` is the requestId, so the primary index is the unique requestId index. */
export interface EventDoc {
  _id: string;
  userId: string;
  keyId: string;
  endpoint: Endpoint;
  requestedModel: string;
  servedModel: string;
  pricedModel: string;
  stream: boolean;
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNano: Int64;
  savedNano: Int64;
  status: number;
  estimated: boolean;
  flags: UsageFlag[];
  latencyMs: number;
  upstreamRequestId: string | null;
  createdAt: number;
  /** When this store first inserted the event (wall clock); recovery waits a grace period after it. */
  recordedAt: Date;
  /** Present (true) until the charge is fully applied. */
  pending?: true;
  /** How many charge calls are working on the event right now (see mongo-charge.ts). */
  busy: number;
  /** createdAt as a Date, set only once applied: the TTL index reads it, so it never drops a pending event. */
  createdDate?: Date;
}

export const ROLLUP_COUNTERS = [
  'requests',
  'inputTokens',
  'cachedTokens',
  'cacheWriteTokens',
  'outputTokens',
  'reasoningTokens',
  'costNano',
  'savedNano',
] as const;
export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

export type HourlyDoc = {
  /** bucketId(): the bucket's four key fields, so the rollup upsert addresses one document by _id. */
  _id: string;
  hourStart: number;
  /** hourStart rounded down to the UTC day, so reports group by day without date operators. */
  dayStart: number;
  userId: string;
  keyId: string;
  pricedModel: string;
  /** requestIds counted here whose event is not yet released (mongo-charge.ts). */
  ids?: string[];
} & Record<RollupCounter, Int64>;

const MAX = Long.fromNumber(Number.MAX_SAFE_INTEGER);
const MIN = Long.fromNumber(Number.MIN_SAFE_INTEGER);

export function toInt64(n: number): Long {
  if (!Number.isSafeInteger(n)) throw new TollgateError('TG_INTERNAL', `not a safe integer: ${n}`);
  return Long.fromNumber(n);
}

export function fromInt64(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (Long.isLong(v) && v.lessThanOrEqual(MAX) && v.greaterThanOrEqual(MIN)) return v.toNumber();
  throw new TollgateError('TG_INTERNAL', `stored ${field} is not a safe integer: ${String(v)}`);
}

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

/**
 * Filter on a user's _id. Users Tollgate creates have string ids; a users collection adopted by
 * migrate may have ObjectId ids, which Tollgate shows as their hex string.
 */
export function userIdFilter(id: string): Filter<UserDoc> {
  return OBJECT_ID_HEX.test(id) ? { _id: { $in: [id, new ObjectId(id)] } } : { _id: id };
}

export function userIdOf(doc: Pick<UserDoc, '_id'>): string {
  return typeof doc._id === 'string' ? doc._id : doc._id.toHexString();
}

export function toUser(d: UserDoc): User {
  return {
    id: userIdOf(d),
    name: d.name,
    disabled: d.disabled === true,
    quota: {
      limitNano: d.limitNano === null || d.limitNano === undefined ? null : fromInt64(d.limitNano, 'limitNano'),
      period: d.period,
      enforce: d.enforce === true,
    },
    spendNano: fromInt64(d.spendNano, 'spendNano'),
    periodStart: d.periodStart,
    exhausted: d.exhausted === true,
    createdAt: d.createdAt,
  };
}

/** Projection that leaves out the bookkeeping array. */
export const USER_FIELDS = { appliedIds: 0 } as const;

export function keyToDoc(k: ApiKeyRecord): KeyDoc {
  return {
    _id: k.id,
    userId: k.userId,
    hash: k.hash,
    prefix: k.prefix,
    label: k.label,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

export function toKey(d: KeyDoc): ApiKeyRecord {
  return {
    id: d._id,
    userId: d.userId,
    hash: d.hash,
    prefix: d.prefix,
    label: d.label,
    createdAt: d.createdAt,
    lastUsedAt: d.lastUsedAt ?? null,
    revokedAt: d.revokedAt ?? null,
  };
}

/** The document a first charge inserts: pending, claimed by its inserter (busy: 1). */
export function eventToDoc(e: UsageEvent, recordedAt: Date): EventDoc {
  return {
    _id: e.requestId,
    userId: e.userId,
    keyId: e.keyId,
    endpoint: e.endpoint,
    requestedModel: e.requestedModel,
    servedModel: e.servedModel,
    pricedModel: e.pricedModel,
    stream: e.stream,
    inputTokens: e.inputTokens,
    cachedTokens: e.cachedTokens,
    cacheWriteTokens: e.cacheWriteTokens,
    outputTokens: e.outputTokens,
    reasoningTokens: e.reasoningTokens,
    costNano: toInt64(e.costNano),
    savedNano: toInt64(e.savedNano),
    status: e.status,
    estimated: e.estimated,
    flags: e.flags,
    latencyMs: e.latencyMs,
    upstreamRequestId: e.upstreamRequestId,
    createdAt: e.createdAt,
    recordedAt,
    pending: true,
    busy: 1,
  };
}

export function toEvent(d: EventDoc): UsageEvent {
  return {
    requestId: d._id,
    userId: d.userId,
    keyId: d.keyId,
    endpoint: d.endpoint,
    requestedModel: d.requestedModel,
    servedModel: d.servedModel,
    pricedModel: d.pricedModel,
    stream: d.stream,
    inputTokens: d.inputTokens,
    cachedTokens: d.cachedTokens,
    cacheWriteTokens: d.cacheWriteTokens,
    outputTokens: d.outputTokens,
    reasoningTokens: d.reasoningTokens,
    costNano: fromInt64(d.costNano, 'costNano'),
    savedNano: fromInt64(d.savedNano, 'savedNano'),
    status: d.status,
    estimated: d.estimated,
    flags: d.flags,
    latencyMs: d.latencyMs,
    upstreamRequestId: d.upstreamRequestId,
    createdAt: d.createdAt,
  };
}

export type Bucket = Pick<HourlyDoc, 'hourStart' | 'userId' | 'keyId' | 'pricedModel'>;

/** The rollup bucket an event counts in. */
export function bucketOf(e: UsageEvent): Bucket {
  return { hourStart: Math.floor(e.createdAt / HOUR_MS) * HOUR_MS, userId: e.userId, keyId: e.keyId, pricedModel: e.pricedModel };
}

export function bucketId(b: Bucket): string {
  return JSON.stringify([b.hourStart, b.userId, b.keyId, b.pricedModel]);
}

/**
 * Duplicate-key write error: E11000 from MongoDB (and FerretDB's insert/update); FerretDB v1's
 * findAndModify reports it as an InternalError carrying SQLite's message instead.
 */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 11000 || (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}

/**
 * The listEvents cursor: (createdAt, requestId) of a page's last event as base64url JSON, the
 * same shape as the SQLite store's. Opaque to callers; it comes from HTTP clients, so it is validated.
 */
export function encodeCursor(e: Pick<UsageEvent, 'createdAt' | 'requestId'>): string {
  return Buffer.from(JSON.stringify([e.createdAt, e.requestId])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; requestId: string } {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // falls through to the error below
  }
  if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
    return { createdAt: parsed[0] as number, requestId: parsed[1] };
  }
  throw new TollgateError('TG_INVALID_REQUEST', 'Invalid events cursor.', { param: 'before' });
}
