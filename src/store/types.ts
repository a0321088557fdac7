import type { Endpoint, UsageFlag } from '../usage/types.ts';

/**
 * The narrow storage interface. Both the embedded SQLite store and the MongoDB store implement
 * it and pass one contract suite (test/store/contract.ts).
 *
 * Money is always an integer count of nano-dollars (1e-9 USD), see src/money.ts.
 * Times are epoch milliseconds (UTC).
 */

export type QuotaPeriod = 'day' | 'week' | 'month' | 'lifetime';

export interface Quota {
  /** Spend limit per period in nano-dollars; null means no limit. */
  limitNano: number | null;
  period: QuotaPeriod;
  /** When false the spend is still tracked but requests are never refused. */
  enforce: boolean;
}

export interface User {
  id: string;
  name: string;
  disabled: boolean;
  quota: Quota;
  /** Spend in the period that starts at periodStart. Stale when periodStart is older than the current period. */
  spendNano: number;
  periodStart: number;
  /** Set atomically by a charge that takes spend to or past the limit, or by a quota update. */
  exhausted: boolean;
  createdAt: number;
}

export interface NewUser {
  id: string;
  name: string;
  quota: Quota;
  createdAt: number;
}

export interface UserPatch {
  name?: string;
  quota?: Quota;
  disabled?: boolean;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  hash: string;
  /** First characters of the secret, for display ("tg-abc123..."). */
  prefix: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface UsageEvent {
  /** Tollgate's own id for the request; charging is idempotent on it. */
  requestId: string;
  userId: string;
  keyId: string;
  endpoint: Endpoint;
  requestedModel: string;
  /** The model the upstream says it served (may carry a date suffix). */
  servedModel: string;
  /** The price-table entry the cost was computed with. */
  pricedModel: string;
  stream: boolean;
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNano: number;
  /** What caching saved: cached tokens at the input rate minus at the cached rate. */
  savedNano: number;
  /** HTTP status the upstream answered with (0 if it never answered). */
  status: number;
  estimated: boolean;
  flags: UsageFlag[];
  latencyMs: number;
  /** Upstream's x-request-id, when it sent one. */
  upstreamRequestId: string | null;
  createdAt: number;
}

export interface ChargeResult {
  /** False when an event with this requestId was already charged: nothing changed. */
  applied: boolean;
  /** The user's spend in the current period after the charge. */
  spendNano: number;
  periodStart: number;
  exhausted: boolean;
}

export type ReportGroup = 'user' | 'model' | 'key' | 'day';

export interface ReportQuery {
  from: number; // inclusive, rounded down to the hour
  to: number; // exclusive, rounded up to the hour
  groupBy: ReportGroup;
  userId?: string;
}

export interface ReportRow {
  /** userId, pricedModel, keyId, or the day as YYYY-MM-DD (UTC). */
  group: string;
  requests: number;
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNano: number;
  savedNano: number;
}

export interface EventPage {
  events: UsageEvent[];
  /** Pass as `before` to get the next (older) page; null at the end. */
  next: string | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  /** Creates tables / indexes; idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;

  createUser(user: NewUser): Promise<User>;
  getUser(id: string): Promise<User | null>;
  getUserByName(name: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  /** Applies the patch; a quota change recomputes `exhausted` for the current period. */
  updateUser(id: string, patch: UserPatch, now: number): Promise<User | null>;
  /** Removes the user and their keys; usage events are kept. */
  deleteUser(id: string): Promise<boolean>;

  createKey(key: ApiKeyRecord): Promise<void>;
  /** The key (revoked or not) and its user, or null. */
  findKeyByHash(hash: string): Promise<{ key: ApiKeyRecord; user: User } | null>;
  listKeys(userId: string): Promise<ApiKeyRecord[]>;
  revokeKey(keyId: string, now: number): Promise<boolean>;
  touchKey(keyId: string, now: number): Promise<void>;

  /**
   * Records the event and adds its cost to the user's spend, atomically and exactly once per
   * requestId. If the user's stored period is older than the period containing event.createdAt,
   * the spend restarts from this cost (rollover without cron). Marks the user exhausted when the
   * new spend is at or over the limit. Also updates the hourly rollups the reports read.
   */
  charge(event: UsageEvent): Promise<ChargeResult>;
  getEvent(requestId: string): Promise<UsageEvent | null>;
  /** Newest first; stable while new events arrive (cursor-based). */
  listEvents(query: { userId?: string; before?: string | null; limit: number }): Promise<EventPage>;
  usageReport(query: ReportQuery): Promise<ReportRow[]>;
  /** Deletes events created before `before`; returns how many. Rollups are kept. */
  purgeEvents(before: number): Promise<number>;
}
