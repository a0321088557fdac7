import { TollgateError } from '../errors.ts';
import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type { Endpoint, UsageFlag } from '../usage/types.ts';
import type { ApiKeyRecord, QuotaPeriod, UsageEvent, User } from './types.ts';

/**
 * Mapping between SQLite rows and the Store's types, and the listEvents cursor codec.
 * SQLite has no boolean: flags are stored as 0/1. Integers come back as JS numbers; node:sqlite
 * throws ERR_OUT_OF_RANGE rather than return an unsafe one, so money can never silently round.
 */

export type SqlRow = Record<string, SQLOutputValue>;
/** Named parameters for a prepared statement (`:name` in SQL). */
export type SqlParams = Record<string, SQLInputValue>;

interface UserRow {
  id: string;
  name: string;
  disabled: number;
  limit_nano: number | null;
  period: string;
  enforce: number;
  spend_nano: number;
  period_start: number;
  exhausted: number;
  created_at: number;
}

interface KeyRow {
  id: string;
  user_id: string;
  hash: string;
  prefix: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

interface EventRow {
  request_id: string;
  user_id: string;
  key_id: string;
  endpoint: string;
  requested_model: string;
  served_model: string;
  priced_model: string;
  stream: number;
  input_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_nano: number;
  saved_nano: number;
  status: number;
  estimated: number;
  flags: string;
  latency_ms: number;
  upstream_request_id: string | null;
  created_at: number;
}

// The column types are fixed by the STRICT schema (sqlite-schema.ts), so a cast is sound here.
const cast = <T>(row: SqlRow): T => row as unknown as T;

export function rowToUser(r: SqlRow): User {
  const row = cast<UserRow>(r);
  return {
    id: row.id,
    name: row.name,
    disabled: row.disabled !== 0,
    quota: { limitNano: row.limit_nano, period: row.period as QuotaPeriod, enforce: row.enforce !== 0 },
    spendNano: row.spend_nano,
    periodStart: row.period_start,
    exhausted: row.exhausted !== 0,
    createdAt: row.created_at,
  };
}

/** Key columns selected with a `k_` prefix next to the user's columns (findKeyByHash's join). */
export function prefixedRowToKey(r: SqlRow): ApiKeyRecord {
  const out: SqlRow = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith('k_')) out[k.slice(2)] = v;
  return rowToKey(out);
}

export function rowToKey(r: SqlRow): ApiKeyRecord {
  const row = cast<KeyRow>(r);
  return {
    id: row.id,
    userId: row.user_id,
    hash: row.hash,
    prefix: row.prefix,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function keyParams(k: ApiKeyRecord): SqlParams {
  return {
    id: k.id,
    user_id: k.userId,
    hash: k.hash,
    prefix: k.prefix,
    label: k.label,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    revoked_at: k.revokedAt,
  };
}

export function rowToEvent(r: SqlRow): UsageEvent {
  const row = cast<EventRow>(r);
  return {
    requestId: row.request_id,
    userId: row.user_id,
    keyId: row.key_id,
    endpoint: row.endpoint as Endpoint,
    requestedModel: row.requested_model,
    servedModel: row.served_model,
    pricedModel: row.priced_model,
    stream: row.stream !== 0,
    inputTokens: row.input_tokens,
    cachedTokens: row.cached_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    outputTokens: row.output_tokens,
    reasoningTokens: row.reasoning_tokens,
    costNano: row.cost_nano,
    savedNano: row.saved_nano,
    status: row.status,
    estimated: row.estimated !== 0,
    flags: JSON.parse(row.flags) as UsageFlag[],
    latencyMs: row.latency_ms,
    upstreamRequestId: row.upstream_request_id,
    createdAt: row.created_at,
  };
}

/** Column order of usage_events, shared by the INSERT and by eventParams. */
export const EVENT_COLUMNS = [
  'request_id', 'user_id', 'key_id', 'endpoint', 'requested_model', 'served_model', 'priced_model',
  'stream', 'input_tokens', 'cached_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens',
  'cost_nano', 'saved_nano', 'status', 'estimated', 'flags', 'latency_ms', 'upstream_request_id', 'created_at',
] as const;

export function eventParams(e: UsageEvent): Record<(typeof EVENT_COLUMNS)[number], null | number | string> {
  return {
    request_id: e.requestId,
    user_id: e.userId,
    key_id: e.keyId,
    endpoint: e.endpoint,
    requested_model: e.requestedModel,
    served_model: e.servedModel,
    priced_model: e.pricedModel,
    stream: e.stream ? 1 : 0,
    input_tokens: e.inputTokens,
    cached_tokens: e.cachedTokens,
    cache_write_tokens: e.cacheWriteTokens,
    output_tokens: e.outputTokens,
    reasoning_tokens: e.reasoningTokens,
    cost_nano: e.costNano,
    saved_nano: e.savedNano,
    status: e.status,
    estimated: e.estimated ? 1 : 0,
    flags: JSON.stringify(e.flags),
    latency_ms: e.latencyMs,
    upstream_request_id: e.upstreamRequestId,
    created_at: e.createdAt,
  };
}

/**
 * The listEvents cursor: the (createdAt, requestId) of the last event of a page, as base64url
 * JSON. Opaque to callers; it arrives from HTTP clients, so decoding validates everything.
 */
export function encodeCursor(e: Pick<UsageEvent, 'createdAt' | 'requestId'>): string {
  return Buffer.from(JSON.stringify([e.createdAt, e.requestId])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; requestId: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
    return { createdAt: parsed[0] as number, requestId: parsed[1] };
  }
  throw new TollgateError('TG_INVALID_REQUEST', 'Invalid events cursor.', { param: 'before' });
}
