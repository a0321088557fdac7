import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { generateApiKey, newId } from '../../src/keys.ts';
import { loadPrices } from '../../src/load-prices.ts';
import { createLogger } from '../../src/logger.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Quota, Store, User } from '../../src/store/types.ts';

/** A Tollgate on 127.0.0.1 with an in-memory store, and helpers to make users and keys. */
export interface Harness {
  url: string;
  store: Store;
  config: Config;
  logLines: Record<string, unknown>[];
  addUser(quota?: Partial<Quota>, name?: string): Promise<{ user: User; key: string; keyId: string }>;
  close(): Promise<void>;
}

export async function startTollgate(opts: { upstreamUrl: string; store?: Store; env?: Record<string, string>; overrides?: Partial<Config> }): Promise<Harness> {
  const config = loadConfig(
    { TOLLGATE_UPSTREAM_URL: opts.upstreamUrl, TOLLGATE_UPSTREAM_API_KEY: 'sk-upstream-secret', ...opts.env },
    { spoolDir: mkdtempSync(join(tmpdir(), 'tollgate-spool-')), ...opts.overrides },
  );
  const store = opts.store ?? openSqliteStore({ path: ':memory:' });
  if (!opts.store) await store.init();
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger('info', sink);
  const { app, ledger } = await buildApp({ config, store, prices: loadPrices(config), logger });
  await ledger.start();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let n = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    config,
    logLines,
    async addUser(quota = {}, name = `user${++n}-${Math.random().toString(36).slice(2, 8)}`) {
      const user = await store.createUser({
        id: newId('usr'),
        name,
        quota: { limitNano: null, period: 'month', enforce: true, ...quota },
        createdAt: Date.now(),
      });
      const k = generateApiKey();
      const keyId = newId('key');
      await store.createKey({ id: keyId, userId: user.id, hash: k.hash, prefix: k.prefix, label: 'test', createdAt: Date.now(), lastUsedAt: null, revokedAt: null });
      return { user, key: k.secret, keyId };
    },
    async close() {
      // Tests end with sockets in every state; production shutdown has its own grace bound (server.ts).
      const force = setTimeout(() => app.server.closeAllConnections(), 1_000);
      await app.close();
      clearTimeout(force);
      if (!opts.store) await store.close();
    },
  };
}
