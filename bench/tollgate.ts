import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { generateApiKey, newId } from '../src/keys.ts';
import { loadPrices } from '../src/load-prices.ts';
import { createLogger } from '../src/logger.ts';
import { openStore } from '../src/store/open.ts';
import { serveChildProtocol } from './children.ts';

/**
 * Tollgate as it runs in production (a child process): config from the same schema, the store
 * opened by openStore, buildApp, pino at info writing one line per metered request to stdout
 * (here the child's log file), metrics on. Only the listening address is fixed to 127.0.0.1.
 * BENCH_USERS users with one key each (limit $1M/month, enforced) are created for the load.
 */

const env = process.env;
const config = loadConfig({
  TOLLGATE_UPSTREAM_URL: env['BENCH_UPSTREAM_URL'],
  TOLLGATE_UPSTREAM_API_KEY: 'sk-bench-upstream-key',
  TOLLGATE_HOST: '127.0.0.1',
  TOLLGATE_PORT: '0',
  TOLLGATE_LOG_LEVEL: 'info',
  ...(env['BENCH_MONGODB_URI']
    ? { MONGODB_URI: env['BENCH_MONGODB_URI'], TOLLGATE_MONGODB_DATABASE: env['BENCH_MONGODB_DB'] ?? 'tollgate_bench' }
    : { TOLLGATE_DATABASE_PATH: env['BENCH_DB_PATH'] }),
});
const log = createLogger(config.logLevel);
const store = await openStore(config, log);
const now = Date.now();
const keys: string[] = [];
for (let i = 0; i < Number(env['BENCH_USERS'] ?? 16); i++) {
  const user = await store.createUser({
    id: newId('usr'),
    name: `bench-${i}-${now}`,
    quota: { limitNano: 1_000_000 * 1e9, period: 'month', enforce: true },
    createdAt: now,
  });
  const k = generateApiKey();
  await store.createKey({ id: newId('key'), userId: user.id, hash: k.hash, prefix: k.prefix, label: 'bench', createdAt: now, lastUsedAt: null, revokedAt: null });
  keys.push(k.secret);
}
const { app } = await buildApp({ config, store, prices: loadPrices(config), logger: log });
await app.listen({ host: config.host, port: config.port });
const { port } = app.server.address() as AddressInfo;
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}`, keys, store: store.kind });

serveChildProtocol(async () => {
  await app.close();
  await store.close();
});
