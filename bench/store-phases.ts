import { join } from 'node:path';
import { openMongoStore } from '../src/store/mongo.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { Store } from '../src/store/types.ts';
import { mongoFixture, sqliteFixture, type Fixture } from './fixtures.ts';
import { summarize } from './load.ts';
import { latency, r2, r3, table } from './report.ts';
import { wants, type Settings } from './settings.ts';
import { chargeRate, reportTimings, type ReportTiming } from './stores.ts';

/** Charge rate of each store on its own, and the 30-day report on the big fixture. */

type Log = (s: string) => void;

export async function storePhases(s: Settings, env: { work: string; cacheDir: string; mongoUri: string | null }, log: Log) {
  const out: Record<string, unknown> = {};
  if (wants(s, 'charge')) {
    log('\n== store.charge rate ==');
    const charge: Record<string, unknown> = {};
    const rows: (string | number | null)[][] = [];
    const measure = async (name: string, store: Store) => {
      for (const concurrency of [1, 16]) {
        const c = await chargeRate(store, { concurrency, durationMs: s.chargeSeconds * 1000 });
        const l = latency(summarize(c.latencies));
        charge[`${name}.c${concurrency}`] = { charges: c.charges, seconds: r3(c.seconds), perSec: r2(c.perSec), latencyMs: l };
        rows.push([name, concurrency, Math.round(c.perSec), l.p50, l.p99, l.max]);
      }
    };
    const sqlite = openSqliteStore({ path: join(env.work, 'charge.db') });
    await sqlite.init();
    await measure('sqlite (WAL, synchronous=FULL)', sqlite);
    await sqlite.close();
    if (env.mongoUri) {
      const mongo = await openMongoStore({ uri: env.mongoUri, dbName: `tollgate_bench_charge_${process.pid}` });
      await mongo.init();
      try {
        await measure('mongo', mongo);
      } finally {
        await mongo.db.dropDatabase().catch(() => undefined);
        await mongo.close();
      }
    }
    log(table(`store.charge, ${s.chargeSeconds} s each (concurrency 16 = 16 callers, 16 users)`, ['store', 'concurrency', 'charges/s', 'p50 ms', 'p99 ms', 'max ms'], rows));
    out['charge'] = charge;
  }
  if (wants(s, 'report') && s.reportEvents > 0) {
    log('\n== 30-day usage report for one user ==');
    const report: Record<string, unknown> = {};
    const rows: (string | number | null)[][] = [];
    const add = (name: string, f: Fixture, timings: ReportTiming[]) => {
      report[name] = { events: f.events, fixtureCached: f.cached, fixtureBuildSeconds: f.buildSeconds === null ? null : r2(f.buildSeconds), timings };
      for (const t of timings) rows.push([name, f.events, t.groupBy, t.rows, t.requests, r3(t.firstMs), r3(t.medianMs)]);
    };
    const fx = await sqliteFixture(env.cacheDir, s.reportEvents, log);
    const sqlite = openSqliteStore({ path: fx.path });
    await sqlite.init();
    add('sqlite', fx, await reportTimings(sqlite, fx.userId, fx.to, 5, log));
    await sqlite.close();
    if (env.mongoUri && s.mongoReportEvents > 0) {
      const mongo = await openMongoStore({ uri: env.mongoUri, dbName: `tollgate_bench_report_${process.pid}` });
      try {
        await mongo.init();
        const mf = await mongoFixture(mongo, mongo.db, s.mongoReportEvents, log);
        add('mongo', mf, await reportTimings(mongo, mf.userId, mf.to, 1, log)); // seconds to minutes per query on FerretDB: one repeat
      } finally {
        await mongo.db.dropDatabase().catch(() => undefined);
        await mongo.close();
      }
    }
    log(table('usageReport over 30 days (reads the hourly rollups), and listEvents first page of 100', ['store', 'events', 'query', 'rows', 'requests counted', 'first ms', 'median ms'], rows));
    out['report'] = report;
  }
  return out;
}
