import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, homedir, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { rssOf, spawnChild, type BenchChild } from './children.ts';
import { bigPhase, httpPhase, manyPhase, streamsPhase, type Served } from './phases.ts';
import { evaluate } from './targets.ts';
import { readSettings, wants } from './settings.ts';
import { storePhases } from './store-phases.ts';
import { targetsTable } from './report.ts';

/**
 * `npm run bench`: starts the bench upstream, the bare passthrough and Tollgate (SQLite, and
 * MongoDB on FerretDB when available) as child processes on 127.0.0.1, runs every phase with
 * bounded durations, prints tables and writes bench/results/latest.json. See docs/performance.md.
 */

const settings = readSettings(process.argv.slice(2), process.env);
const here = new URL('.', import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const log = (s: string) => process.stdout.write(`${s}\n`);
const started = performance.now();

const work = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
const logDir = join(work, 'logs');
mkdirSync(logDir);
const cacheDir = join(tmpdir(), 'tollgate-bench-cache');
const children: BenchChild<unknown>[] = [];
let ferretDir: string | null = null;
let failed = false;

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** MONGODB_URI as given, else a FerretDB started with scripts/ferretdb.sh, else none. */
async function mongoUri(): Promise<{ uri: string; server: string } | null> {
  if (!settings.mongo) return null;
  if (process.env['MONGODB_URI']) return { uri: process.env['MONGODB_URI'], server: 'MONGODB_URI' };
  if (!existsSync(join(homedir(), 'go/bin/ferretdb')) && !process.env['FERRETDB_BIN']) return null;
  ferretDir = join(work, 'ferretdb');
  const port = await freePort();
  execFileSync('bash', [join(root, 'scripts/ferretdb.sh'), 'start', ferretDir, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { uri: `mongodb://127.0.0.1:${port}/`, server: 'FerretDB v1.24.2 (SQLite backend, scripts/ferretdb.sh build)' };
}

function cpuTimes(): { idle: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { idle, total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
}

/** Share of all cores busy over 1 s. Our servers are idle between phases: this is everyone else. */
async function machineBusy(): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, 1000));
  const b = cpuTimes();
  return b.total === a.total ? 0 : 1 - (b.idle - a.idle) / (b.total - a.total);
}

const background: Record<string, number> = {};

/** Records (and with quietWait, waits for) the other load on the machine before a phase. */
async function quiet(phase: string): Promise<void> {
  const until = performance.now() + settings.quietWait * 1000;
  let busy = await machineBusy();
  while (busy > settings.quietBusy && performance.now() < until) busy = await machineBusy();
  background[phase] = Math.round(busy * 100) / 100;
  log(`(other load on the machine before ${phase}: ${Math.round(busy * 100)} % of ${cpus().length} cores busy)`);
}

async function start<I>(name: string, script: string, env: Record<string, string>): Promise<BenchChild<I>> {
  const child = await spawnChild<I>(name, new URL(script, here).pathname, { env, logDir });
  children.push(child as BenchChild<unknown>);
  return child;
}

async function main() {
  const info = machine();
  log(`Tollgate bench: ${info.nproc} cores (${info.cpuModel}), ${info.memoryGB} GB, Node ${info.node}; load average ${info.loadAverageAtStart}`);
  const mongo = await mongoUri();
  log(mongo ? `MongoDB store: ${mongo.server}` : 'MongoDB store: not available (no MONGODB_URI, no ~/go/bin/ferretdb): SQLite only');

  type Url = { url: string };
  type Tg = Url & { keys: string[] };
  const upstream = await start<Url>('upstream', 'upstream.ts', {});
  const passthrough = await start<Url>('passthrough', 'passthrough.ts', { BENCH_UPSTREAM_URL: upstream.info.url });
  const tgSqlite = await start<Tg>('tollgate-sqlite', 'tollgate.ts', { BENCH_UPSTREAM_URL: upstream.info.url, BENCH_DB_PATH: join(work, 'tollgate.db') });
  const tgMongo = mongo
    ? await start<Tg>('tollgate-mongo', 'tollgate.ts', { BENCH_UPSTREAM_URL: upstream.info.url, BENCH_MONGODB_URI: mongo.uri, BENCH_MONGODB_DB: `tollgate_bench_http_${process.pid}` })
    : null;
  await new Promise((r) => setTimeout(r, 500));
  const rssAtStartMB: Record<string, number | null> = {};
  for (const c of children) rssAtStartMB[c.name] = ((r) => (r === null ? null : Math.round(r / 104857.6) / 10))(rssOf(c.pid));
  log(`RSS right after start-up (MB): ${JSON.stringify(rssAtStartMB)}`);
  const anyKey = ['sk-not-checked'];
  const served: Served[] = [
    { target: { name: 'direct', url: upstream.info.url, keys: anyKey }, proxy: null },
    { target: { name: 'passthrough', url: passthrough.info.url, keys: anyKey }, proxy: passthrough as BenchChild<unknown> },
    { target: { name: 'tollgate-sqlite', url: tgSqlite.info.url, keys: tgSqlite.info.keys }, proxy: tgSqlite as BenchChild<unknown> },
  ];
  if (tgMongo) served.push({ target: { name: 'tollgate-mongo', url: tgMongo.info.url, keys: tgMongo.info.keys }, proxy: tgMongo as BenchChild<unknown> });
  const up = upstream as BenchChild<unknown>;
  const noMongo = served.filter((x) => x.target.name !== 'tollgate-mongo');

  const results: Record<string, unknown> = { machine: info, settings, mongoServer: mongo?.server ?? null, startedAt: new Date().toISOString(), rssAtStartMB };
  if (wants(settings, 'http')) {
    await quiet('requests');
    log('\n== requests at concurrency 16 (closed loop) ==');
    results['requests'] = await httpPhase(settings, served, up, log, false, settings.cpuProf ? join(root, 'bench/results/prof') : null);
  }
  if (wants(settings, 'paced')) {
    await quiet('requestsPaced');
    log('\n== requests at concurrency 16, paced ==');
    results['requestsPaced'] = await httpPhase(settings, served, up, log, true, null);
  }
  if (wants(settings, 'streams')) {
    await quiet('streams');
    log('\n== stream timing ==');
    results['streams'] = await streamsPhase(settings, served, log);
  }
  if (wants(settings, 'many')) {
    await quiet('openStreams');
    log(`\n== ${settings.openStreams} open streams ==`);
    results['openStreams'] = await manyPhase(settings, noMongo, up, log);
  }
  if (wants(settings, 'big')) {
    await quiet('bigStream');
    log(`\n== ${settings.bigMb} MB stream ==`);
    results['bigStream'] = await bigPhase(settings, noMongo, log);
  }
  // The servers are done: stop them before the store phases so they do not share the CPU.
  for (const c of children.splice(0)) await c.stop();
  if (wants(settings, 'charge') || wants(settings, 'report')) {
    await quiet('stores');
    Object.assign(results, await storePhases(settings, { work, cacheDir, mongoUri: mongo?.uri ?? null }, log));
  }

  results['backgroundBusy'] = background;
  const checks = evaluate(results, settings);
  results['targets'] = checks;
  results['durationSeconds'] = Math.round((performance.now() - started) / 100) / 10;
  log(targetsTable(checks));
  const out = join(root, settings.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${settings.out} (${results['durationSeconds']} s)`);
}

async function cleanup() {
  for (const c of children.splice(0)) await c.stop().catch(() => undefined);
  if (ferretDir) {
    try {
      execFileSync('bash', [join(root, 'scripts/ferretdb.sh'), 'stop', ferretDir], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
  if (settings.keep) log(`kept ${work} (logs in ${logDir})`);
  else if (failed) {
    // Keep the logs to look at, not the databases (FerretDB's can be gigabytes).
    for (const f of readdirSync(work)) if (f !== 'logs') rmSync(join(work, f), { recursive: true, force: true });
    log(`logs kept in ${logDir}`);
  } else rmSync(work, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    failed = true;
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  failed = true;
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
