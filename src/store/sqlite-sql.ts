import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ReportGroup } from './types.ts';
import { EVENT_COLUMNS } from './sqlite-rows.ts';

/**
 * Every statement the SQLite store runs, prepared once (in init) and reused: preparing is the
 * expensive part of a small query.
 */

const USER_COLUMNS = 'id, name, disabled, limit_nano, period, enforce, spend_nano, period_start, exhausted, created_at';
const KEY_COLUMNS = ['id', 'user_id', 'hash', 'prefix', 'label', 'created_at', 'last_used_at', 'revoked_at'] as const;

/**
 * Start of the period containing the event, for the user's own period. The three calendar starts
 * are computed in JS (src/quota.ts, one definition of a period) and the user's period picks one,
 * so the charge stays a single UPDATE with no read of the user first.
 */
const EVENT_PERIOD_START = `(CASE period WHEN 'day' THEN :day WHEN 'week' THEN :week WHEN 'month' THEN :month ELSE 0 END)`;

const over = (spend: string): string => `(limit_nano IS NOT NULL AND ${spend} >= limit_nano)`;

/**
 * Rollover-or-increment in one statement (SET expressions all see the row as it was):
 * - the event's period is newer than the stored one: spend restarts from this cost;
 * - same period: spend grows by the cost;
 * - older period (a late charge): nothing changes; the event and rollup still record the cost.
 */
const CHARGE_USER = `
  UPDATE users SET
    spend_nano = CASE
      WHEN period_start < ${EVENT_PERIOD_START} THEN :cost
      WHEN period_start = ${EVENT_PERIOD_START} THEN spend_nano + :cost
      ELSE spend_nano END,
    exhausted = CASE
      WHEN period_start < ${EVENT_PERIOD_START} THEN ${over(':cost')}
      WHEN period_start = ${EVENT_PERIOD_START} THEN ${over('spend_nano + :cost')}
      ELSE exhausted END,
    period_start = MAX(period_start, ${EVENT_PERIOD_START})
  WHERE id = :id
  RETURNING spend_nano, period_start, exhausted`;

const ROLLUP_COUNTERS = [
  'requests', 'input_tokens', 'cached_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'cost_nano', 'saved_nano',
] as const;

const UPSERT_HOURLY = `
  INSERT INTO usage_hourly (hour_start, user_id, key_id, priced_model, ${ROLLUP_COUNTERS.join(', ')})
  VALUES (:hour_start, :user_id, :key_id, :priced_model, ${ROLLUP_COUNTERS.map((c) => `:${c}`).join(', ')})
  ON CONFLICT (hour_start, user_id, key_id, priced_model) DO UPDATE SET
    ${ROLLUP_COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(',\n    ')}`;

/** Group expression per report grouping; 'day' is the UTC day number, formatted in JS. */
const GROUP_EXPR: Record<ReportGroup, string> = {
  user: 'user_id',
  model: 'priced_model',
  key: 'key_id',
  day: 'hour_start / 86400000',
};

function report(db: DatabaseSync, group: ReportGroup, byUser: boolean): StatementSync {
  return db.prepare(`
    SELECT ${GROUP_EXPR[group]} AS grp, ${ROLLUP_COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(', ')}
    FROM usage_hourly
    WHERE ${byUser ? 'user_id = :user_id AND ' : ''}hour_start >= :from AND hour_start < :to
    GROUP BY grp ORDER BY grp`);
}

const EVENTS_ORDER = 'ORDER BY created_at DESC, request_id DESC LIMIT :limit';
// Row-value comparison, so SQLite seeks the (…, created_at, request_id) index to the cursor.
const BEFORE_CURSOR = '(created_at, request_id) < (:created_at, :request_id)';

export function prepareStatements(db: DatabaseSync) {
  const reports = (byUser: boolean): Record<ReportGroup, StatementSync> => ({
    user: report(db, 'user', byUser),
    model: report(db, 'model', byUser),
    key: report(db, 'key', byUser),
    day: report(db, 'day', byUser),
  });
  return {
    ping: db.prepare('SELECT 1'),

    insertUser: db.prepare(`
      INSERT INTO users (${USER_COLUMNS})
      VALUES (:id, :name, 0, :limit_nano, :period, :enforce, 0, :period_start, 0, :created_at)
      RETURNING ${USER_COLUMNS}`),
    getUser: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
    getUserByName: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`),
    listUsers: db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, id`),
    updateUser: db.prepare(`
      UPDATE users SET
        name = :name, disabled = :disabled,
        limit_nano = :limit_nano, period = :period, enforce = :enforce, period_start = :period_start,
        exhausted = CASE WHEN :set_quota
          THEN (:limit_nano IS NOT NULL AND :period_start >= :now_period_start AND spend_nano >= :limit_nano)
          ELSE exhausted END
      WHERE id = :id
      RETURNING ${USER_COLUMNS}`),
    // api_keys rows go with it (ON DELETE CASCADE); usage_events have no foreign key and stay.
    deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),

    insertKey: db.prepare(`INSERT INTO api_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map((c) => `:${c}`).join(', ')})`),
    findKeyByHash: db.prepare(`
      SELECT ${KEY_COLUMNS.map((c) => `k.${c} AS k_${c}`).join(', ')}, ${USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')}
      FROM api_keys k JOIN users u ON u.id = k.user_id
      WHERE k.hash = ?`),
    listKeys: db.prepare(`SELECT ${KEY_COLUMNS.join(', ')} FROM api_keys WHERE user_id = ? ORDER BY created_at, id`),
    // The first revocation time is kept; revoking again still reports the key as found.
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, :now) WHERE id = :id'),
    // Touches can land out of order (they are fire-and-forget); keep the latest.
    touchKey: db.prepare('UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), :now) WHERE id = :id'),

    insertEvent: db.prepare(`
      INSERT INTO usage_events (${EVENT_COLUMNS.join(', ')})
      VALUES (${EVENT_COLUMNS.map((c) => `:${c}`).join(', ')})
      ON CONFLICT (request_id) DO NOTHING`),
    chargeUser: db.prepare(CHARGE_USER),
    userState: db.prepare('SELECT spend_nano, period_start, exhausted FROM users WHERE id = ?'),
    upsertHourly: db.prepare(UPSERT_HOURLY),
    getEvent: db.prepare(`SELECT ${EVENT_COLUMNS.join(', ')} FROM usage_events WHERE request_id = ?`),
    events: db.prepare(`SELECT * FROM usage_events ${EVENTS_ORDER}`),
    eventsBefore: db.prepare(`SELECT * FROM usage_events WHERE ${BEFORE_CURSOR} ${EVENTS_ORDER}`),
    userEvents: db.prepare(`SELECT * FROM usage_events WHERE user_id = :user_id ${EVENTS_ORDER}`),
    userEventsBefore: db.prepare(`SELECT * FROM usage_events WHERE user_id = :user_id AND ${BEFORE_CURSOR} ${EVENTS_ORDER}`),
    purgeEvents: db.prepare('DELETE FROM usage_events WHERE created_at < ?'),

    report: reports(false),
    userReport: reports(true),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
