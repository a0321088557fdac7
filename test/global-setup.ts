import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { TestProject } from 'vitest/node';

/**
 * vitest globalSetup for the MongoDB store tests: provides `mongoUri`.
 * MONGODB_URI, when set, is used as is. Otherwise a FerretDB (MongoDB wire protocol over SQLite)
 * is started on a free 127.0.0.1 port with a temporary directory and stopped at teardown.
 * Without either the run fails: the Mongo tests are never skipped silently.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

const INSTALL_HINT =
  'Install FerretDB with `scripts/ferretdb.sh install` (builds FerretDB v1.24.2 into ~/go/bin with Go), ' +
  'or point FERRETDB_BIN at a ferretdb binary built by that script, or set MONGODB_URI to a MongoDB server.';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findFerretdb(): string | null {
  const candidates = [
    process.env['FERRETDB_BIN'],
    join(homedir(), 'go', 'bin', 'ferretdb'),
    ...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'ferretdb')),
  ];
  return candidates.find((c): c is string => c !== undefined && c !== '' && executable(c)) ?? null;
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, logPath: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`ferretdb exited at start-up (code ${child.exitCode}):\n${readFileSync(logPath, 'utf8')}`);
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ferretdb did not accept connections on 127.0.0.1:${port} within 15 s:\n${readFileSync(logPath, 'utf8')}`);
}

/**
 * The store relies on single-document atomic updates (MongoDB's guarantee). Stock FerretDB v1
 * loses concurrent updates; say so up front instead of letting the concurrency tests fail oddly.
 */
async function checkAtomicUpdates(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  const db = client.db(`tollgate_probe_${process.pid}_${Date.now()}`);
  try {
    const col = db.collection<{ _id: string; n: number }>('probe');
    await col.insertOne({ _id: 'x', n: 0 });
    await Promise.all(Array.from({ length: 100 }, () => col.updateOne({ _id: 'x' }, { $inc: { n: 1 } })));
    const n = (await col.findOne({ _id: 'x' }))?.n;
    if (n !== 100) {
      throw new Error(
        `The server at ${uri.replace(/\/\/[^@/]*@/, '//****@')} lost concurrent updates (100 parallel $inc gave ${n}): ` +
          'stock FerretDB v1 does that (FerretDB issue #3040). ' +
          INSTALL_HINT,
      );
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env['MONGODB_URI'];
  if (given) {
    await checkAtomicUpdates(given);
    project.provide('mongoUri', given);
    return undefined;
  }

  const bin = findFerretdb();
  if (!bin) throw new Error(`MongoDB store tests need MONGODB_URI or FerretDB, and neither is available. ${INSTALL_HINT}`);

  const dir = mkdtempSync(join(tmpdir(), 'tollgate-ferretdb-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const logPath = join(dir, 'ferretdb.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/data/?_pragma=synchronous(off)`, // throwaway data: no fsync per write
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--telemetry=disable',
      '--debug-addr=-', // its default fixed port would clash between parallel runs
      '--log-level=warn',
    ],
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, DO_NOT_TRACK: '1' } },
  );
  closeSync(logFd);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForPort(port, child, logPath);
    const uri = `mongodb://127.0.0.1:${port}/`;
    await checkAtomicUpdates(uri);
    project.provide('mongoUri', uri);
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
