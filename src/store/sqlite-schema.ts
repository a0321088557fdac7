import type { DatabaseSync } from 'node:sqlite';

/**
 * The SQLite schema as an ordered list of migrations. `schema_version` records which have run;
 * migrate() applies the missing ones inside one BEGIN IMMEDIATE transaction, so two processes
 * opening the same file at once cannot both apply a step. Append new steps; never edit old ones.
 *
 * Tables are STRICT, so a value of the wrong type is refused instead of stored; every money and
 * token column is INTEGER (nano-dollars / counts).
 */
const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    disabled     INTEGER NOT NULL DEFAULT 0,
    limit_nano   INTEGER,                 -- NULL: no limit
    period       TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'lifetime')),
    enforce      INTEGER NOT NULL,
    spend_nano   INTEGER NOT NULL DEFAULT 0,
    period_start INTEGER NOT NULL,        -- start (epoch ms) of the period spend_nano belongs to
    exhausted    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    label        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
  CREATE INDEX api_keys_user ON api_keys (user_id);

  -- No foreign key to users: events (the audit trail) outlive a deleted user.
  CREATE TABLE usage_events (
    request_id          TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL,
    key_id              TEXT NOT NULL,
    endpoint            TEXT NOT NULL,
    requested_model     TEXT NOT NULL,
    served_model        TEXT NOT NULL,
    priced_model        TEXT NOT NULL,
    stream              INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL,
    cached_tokens       INTEGER NOT NULL,
    cache_write_tokens  INTEGER NOT NULL,
    output_tokens       INTEGER NOT NULL,
    reasoning_tokens    INTEGER NOT NULL,
    cost_nano           INTEGER NOT NULL,
    saved_nano          INTEGER NOT NULL,
    status              INTEGER NOT NULL,
    estimated           INTEGER NOT NULL,
    flags               TEXT NOT NULL,    -- JSON array of UsageFlag
    latency_ms          INTEGER NOT NULL,
    upstream_request_id TEXT,
    created_at          INTEGER NOT NULL
  ) STRICT;
  -- Paging per user and overall (newest first), and purge by age.
  CREATE INDEX usage_events_user_time ON usage_events (user_id, created_at, request_id);
  CREATE INDEX usage_events_time ON usage_events (created_at, request_id);

  -- Hourly rollups: reports read only these, so they cost the same after a purge and do not
  -- grow with the number of requests. Kept forever (a few rows per user, key and model per hour).
  CREATE TABLE usage_hourly (
    hour_start         INTEGER NOT NULL,
    user_id            TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    priced_model       TEXT NOT NULL,
    requests           INTEGER NOT NULL,
    input_tokens       INTEGER NOT NULL,
    cached_tokens      INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    reasoning_tokens   INTEGER NOT NULL,
    cost_nano          INTEGER NOT NULL,
    saved_nano         INTEGER NOT NULL,
    PRIMARY KEY (hour_start, user_id, key_id, priced_model)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX usage_hourly_user ON usage_hourly (user_id, hour_start);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database up to SCHEMA_VERSION; a no-op when it already is. */
export function migrate(db: DatabaseSync): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version').get();
    const current = Number(row?.['v'] ?? 0);
    if (current > SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this Tollgate supports (${SCHEMA_VERSION}); upgrade Tollgate`);
    }
    const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      record.run(v, Date.now());
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
