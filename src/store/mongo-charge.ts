import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { TollgateError } from '../errors.ts';
import { periodStart } from '../quota.ts';
import {
  bucketId,
  bucketOf,
  DAY_MS,
  eventToDoc,
  fromInt64,
  isDuplicateKey,
  ROLLUP_COUNTERS,
  toEvent,
  toInt64,
  userIdFilter,
  type EventDoc,
  type HourlyDoc,
  type RollupCounter,
  type UserDoc,
} from './mongo-docs.ts';
import type { ChargeResult, QuotaPeriod, UsageEvent } from './types.ts';

/*
 * Why charge() works this way
 *
 * A charge touches three documents (the event, the user, an hourly rollup) and must count exactly
 * once per requestId, with many Tollgate instances on one database, without multi-document
 * transactions (FerretDB v1 has none; a MongoDB replica set would, but then a standalone could
 * not run Tollgate) and without reading money and writing it back. Every step is therefore a
 * single-document atomic write that is idempotent on its own:
 *
 *  1. Insert the event, pending and claimed (`pending: true, busy: 1`). _id is the requestId, so a
 *     second insert fails with a duplicate key. On that failure: if the stored event is no longer
 *     pending it was fully applied -> `applied: false`, nothing changes. If it is still pending, a
 *     previous attempt crashed (or is still running): claim it (`$inc busy`) and finish it from
 *     the stored copy. Every step below tolerates running twice or concurrently.
 *  2. User: `$inc spendNano` guarded by `appliedIds: {$ne: requestId}` and `$push` of the requestId,
 *     in one update, so a replay finds the id and does nothing. The filter also pins the stored
 *     period to the event's period; if that misses because the stored period is older, a second
 *     conditional update (`periodStart: {$lt: eventPeriod}`) restarts the spend at this cost
 *     (rollover without cron). If the stored period is newer, the event is late: recorded and
 *     counted in the rollups, but the current spend is left alone. A lost race retries the pair.
 *     `exhausted` is then set by a conditional update (`spendNano: {$gte: limit}` in the filter),
 *     so the flag can only be set while the stored spend really is at or over the limit.
 *  3. Rollup: an upsert by the bucket's _id with the same guard (`ids: {$ne}` + `$inc` + `$push`).
 *     If the bucket holds the id, the upsert tries to insert a second one with that _id and gets a
 *     duplicate key: already counted.
 *     Steps 2 and 3 are independent and run in parallel.
 *  4. Release: unset `pending`, `$inc busy: -1`. Whoever brings `busy` to 0 on an event that is no
 *     longer pending pulls the requestId out of the user's and the bucket's arrays, which so hold
 *     only in-flight ids. That is safe because a claim needs `pending: true`: once released, nobody
 *     can start step 2 or 3 for the event again, and busy = 0 means nobody is still in one.
 *     A process that dies mid-charge leaves its claim, so that event's id stays in the arrays for
 *     good: a few bytes per crash, the price of never guessing whether a slow process is dead.
 *     listEvents shows only released events: a pending one may not be in the spend yet, and the
 *     ledger answers the client (spooling the event) while a slow charge is still running.
 *
 * recoverPending() replays step 1's "still pending" path for events left behind by a crash; init()
 * and the store's maintenance timer run it for events older than a grace period.
 *
 * This relies on MongoDB's single-document atomicity. FerretDB v1 does not provide it under
 * concurrency (its updates read, then write back: FerretDB issue #3040); the tests run a FerretDB
 * build that serialises writes (scripts/ferretdb.sh), and docs/mongodb.md says not to run
 * production on stock FerretDB v1.
 */

export interface ChargeCollections {
  users: Collection<UserDoc>;
  events: Collection<EventDoc>;
  hourly: Collection<HourlyDoc>;
}

type ChargeState = Omit<ChargeResult, 'applied'>;
const NO_USER: ChargeState = { spendNano: 0, periodStart: 0, exhausted: false };

/** What step 2 did: charged the user, found it already charged, or left spend alone. */
type UserStep = { step: 'charged' | 'already' | 'late' | 'no-user'; state: ChargeState };

const MAX_ATTEMPTS = 50;
const PERIODS: QuotaPeriod[] = ['day', 'week', 'month', 'lifetime'];
// Projections for find(); findAndModify returns whole documents (FerretDB v1 has no projection there).
const USER_STATE = { spendNano: 1, periodStart: 1, limitNano: 1, exhausted: 1, period: 1 } as const;

export async function chargeEvent(c: ChargeCollections, event: UsageEvent, now = Date.now()): Promise<ChargeResult> {
  let inserted = true;
  try {
    await c.events.insertOne(eventToDoc(event, new Date(now)));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    inserted = false;
  }
  let toApply = event;
  if (!inserted) {
    const claimed = await claim(c.events, event.requestId);
    if (!claimed) return { applied: false, ...(await chargeState(c.users, event.userId)) };
    toApply = toEvent(claimed); // the stored copy: a replay may carry different numbers
  }
  const { step, state } = await applyClaimed(c, toApply);
  // Exactly one caller reports applied: the one whose update moved the money, or, when no money
  // moves (late event, unknown user), the one that recorded the event.
  return { applied: step === 'charged' || (inserted && step !== 'already'), ...state };
}

/** Completes events still pending since before `olderThanMs` ago; returns how many it completed. */
export async function recoverPending(c: ChargeCollections, opts: { olderThanMs: number; now?: number; limit?: number }): Promise<number> {
  const cutoff = new Date((opts.now ?? Date.now()) - opts.olderThanMs);
  const stale = await c.events
    .find({ pending: true, recordedAt: { $lt: cutoff } }, { projection: { _id: 1 } })
    .limit(opts.limit ?? 1_000)
    .toArray();
  let done = 0;
  for (const { _id } of stale) {
    const claimed = await claim(c.events, _id);
    if (!claimed) continue; // completed meanwhile
    await applyClaimed(c, toEvent(claimed));
    done++;
  }
  return done;
}

function claim(events: Collection<EventDoc>, requestId: string): Promise<EventDoc | null> {
  return events.findOneAndUpdate({ _id: requestId, pending: true }, { $inc: { busy: 1 } }, { returnDocument: 'after' });
}

/** Steps 2-4 for an event this caller holds a claim on. */
async function applyClaimed(c: ChargeCollections, e: UsageEvent): Promise<UserStep> {
  // allSettled, not all: the claim may only be dropped once neither step can still be running.
  const [user, rollup] = await Promise.allSettled([applyToUser(c.users, e), applyToRollup(c.hourly, e)]);
  const done = user.status === 'fulfilled' && rollup.status === 'fulfilled';
  await finish(c, e, done);
  if (user.status === 'rejected') throw user.reason;
  if (rollup.status === 'rejected') throw rollup.reason;
  return user.value;
}

/** Step 4; on failure only drops the claim, leaving the event pending for a retry or recovery. */
async function finish(c: ChargeCollections, e: UsageEvent, done: boolean): Promise<void> {
  const update: UpdateFilter<EventDoc> = done
    ? { $unset: { pending: '' }, $set: { createdDate: new Date(e.createdAt) }, $inc: { busy: -1 } }
    : { $inc: { busy: -1 } };
  const after = await c.events.findOneAndUpdate({ _id: e.requestId }, update, { returnDocument: 'after' });
  if (after && after.busy <= 0 && after.pending !== true) {
    await Promise.all([
      c.users.updateOne(userIdFilter(e.userId), { $pull: { appliedIds: e.requestId } }),
      c.hourly.updateOne({ _id: bucketId(bucketOf(e)) }, { $pull: { ids: e.requestId } }),
    ]);
  }
}

async function applyToUser(users: Collection<UserDoc>, e: UsageEvent): Promise<UserStep> {
  const id = e.requestId;
  const cost = toInt64(e.costNano);
  const eventStart = (p: QuotaPeriod): number => periodStart(p, e.createdAt);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Same period as stored: add. One $or branch per period, so no read is needed first.
    const samePeriod: Filter<UserDoc> = {
      ...userIdFilter(e.userId),
      appliedIds: { $ne: id },
      $or: PERIODS.map((period) => ({ period, periodStart: eventStart(period) })),
    };
    const added = await users.findOneAndUpdate(
      samePeriod,
      { $inc: { spendNano: cost }, $push: { appliedIds: id } },
      { returnDocument: 'after' },
    );
    if (added) return { step: 'charged', state: await settleExhausted(users, added) };

    const cur = await users.findOne(userIdFilter(e.userId), { projection: { ...USER_STATE, appliedIds: 1 } });
    if (!cur) return { step: 'no-user', state: NO_USER };
    if (cur.appliedIds?.includes(id)) return { step: 'already', state: stateOf(cur) };
    if (typeof cur.period !== 'string' || typeof cur.periodStart !== 'number') {
      throw new TollgateError('TG_INTERNAL', `user ${e.userId} has no quota fields; run "tollgate migrate"`);
    }
    const start = eventStart(cur.period);
    if (cur.periodStart > start) return { step: 'late', state: stateOf(cur) };
    if (cur.periodStart < start) {
      const rolled = await users.findOneAndUpdate(
        { ...userIdFilter(e.userId), period: cur.period, periodStart: { $lt: start }, appliedIds: { $ne: id } },
        { $set: { spendNano: cost, periodStart: start, exhausted: false }, $push: { appliedIds: id } },
        { returnDocument: 'after' },
      );
      if (rolled) return { step: 'charged', state: await settleExhausted(users, rolled) };
    }
    // Lost a race (a concurrent rollover, a period change, or a replay that just applied): again.
  }
  throw new TollgateError('TG_STORE_UNAVAILABLE', `charge of ${id}: too much contention on user ${e.userId}`);
}

/** Sets `exhausted` when this spend reached the limit; conditional, so a stale view cannot set it wrongly. */
async function settleExhausted(users: Collection<UserDoc>, doc: Pick<UserDoc, '_id' | keyof typeof USER_STATE>): Promise<ChargeState> {
  const spend = fromInt64(doc.spendNano, 'spendNano');
  const limit = doc.limitNano === null || doc.limitNano === undefined ? null : fromInt64(doc.limitNano, 'limitNano');
  const over = limit !== null && spend >= limit;
  if (over && !doc.exhausted) {
    await users.updateOne(
      { _id: doc._id, periodStart: doc.periodStart, limitNano: doc.limitNano, spendNano: { $gte: limit } },
      { $set: { exhausted: true } },
    );
  }
  return { spendNano: spend, periodStart: doc.periodStart, exhausted: over };
}

function stateOf(doc: Pick<UserDoc, 'spendNano' | 'periodStart' | 'exhausted'>): ChargeState {
  return { spendNano: fromInt64(doc.spendNano, 'spendNano'), periodStart: doc.periodStart, exhausted: doc.exhausted === true };
}

async function chargeState(users: Collection<UserDoc>, userId: string): Promise<ChargeState> {
  const doc = await users.findOne(userIdFilter(userId), { projection: USER_STATE });
  return doc ? stateOf(doc) : NO_USER;
}

async function applyToRollup(hourly: Collection<HourlyDoc>, e: UsageEvent): Promise<void> {
  const bucket = bucketOf(e);
  const _id = bucketId(bucket);
  const values: Record<RollupCounter, number> = {
    requests: 1,
    inputTokens: e.inputTokens,
    cachedTokens: e.cachedTokens,
    cacheWriteTokens: e.cacheWriteTokens,
    outputTokens: e.outputTokens,
    reasoningTokens: e.reasoningTokens,
    costNano: e.costNano,
    savedNano: e.savedNano,
  };
  const $inc = Object.fromEntries(ROLLUP_COUNTERS.map((k) => [k, toInt64(values[k])]));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      await hourly.updateOne(
        { _id, ids: { $ne: e.requestId } },
        { $inc, $push: { ids: e.requestId }, $setOnInsert: { ...bucket, dayStart: bucket.hourStart - (bucket.hourStart % DAY_MS) } },
        { upsert: true },
      );
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Either the bucket already counts this event, or another event created it just now.
      if (await hourly.findOne({ _id, ids: e.requestId }, { projection: { _id: 1 } })) return;
    }
  }
  throw new TollgateError('TG_STORE_UNAVAILABLE', `charge of ${e.requestId}: could not update its hourly rollup`);
}
