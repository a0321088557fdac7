import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { openMongoStore } from './mongo.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

/** MONGODB_URI selects the MongoDB store; otherwise the embedded SQLite file. */
export async function openStore(config: Config, log: Logger): Promise<Store> {
  let store: Store;
  if (config.mongodbUri) {
    store = await openMongoStore({ uri: config.mongodbUri, dbName: config.mongodbDatabase, retentionDays: config.retentionDays, logger: log });
  } else {
    if (config.databasePath !== ':memory:') mkdirSync(dirname(config.databasePath), { recursive: true });
    store = openSqliteStore({ path: config.databasePath });
  }
  await store.init();
  return store;
}

/** Removes events past retention on a timer (the MongoDB store uses a TTL index instead, where it can). */
export function startRetentionSweep(store: Store, retentionDays: number, log: Logger, everyMs = 3_600_000): () => void {
  const sweep = () => {
    store
      .purgeEvents(Date.now() - retentionDays * 86_400_000)
      .then((n) => n > 0 && log.info({ removed: n, retentionDays }, 'retention sweep removed old usage events'))
      .catch((err: unknown) => log.warn({ err }, 'retention sweep failed'));
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
