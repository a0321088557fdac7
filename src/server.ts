import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { loadPrices } from './load-prices.ts';
import { createLogger } from './logger.ts';
import { openStore, startRetentionSweep } from './store/open.ts';

/** Entry point: the only module that listens on a port and handles signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee docs/configuration.md.\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const prices = loadPrices(config);
  const store = await openStore(config, log);
  const stopSweep = store.kind === 'sqlite' ? startRetentionSweep(store, config.retentionDays, log) : () => {};
  const { app, ledger } = await buildApp({ config, store, prices, logger: log });
  // Charges spooled while the store was down in an earlier run go in before new traffic.
  await ledger.start();
  const address = await app.listen({ host: config.host, port: config.port });
  log.info({ address, store: store.kind, upstream: config.upstreamUrl }, 'tollgate ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new connections, finishing open requests');
    stopSweep();
    // Streams still open after the grace period are cut; their meters settle them as client-aborted.
    const force = setTimeout(() => {
      log.warn('shutdown grace period over: closing the remaining connections');
      app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`tollgate failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
