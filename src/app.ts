import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Config } from './config.ts';
import { registerAdminApi } from './admin/index.ts';
import { TollgateError } from './errors.ts';
import { Ledger } from './ledger.ts';
import { ChargeSpool } from './spool.ts';
import type { Logger } from './logger.ts';
import { installMetrics, Metrics } from './metrics.ts';
import type { PriceTable } from './pricing/price-table.ts';
import { v1Routes } from './proxy/v1.ts';
import type { Store } from './store/types.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  prices: PriceTable;
  logger: Logger;
  dispatcher?: Dispatcher;
  now?: () => number;
}

export interface TollgateApp {
  app: FastifyInstance;
  ledger: Ledger;
  metrics: Metrics;
}

/**
 * Builds the application; listening and shutdown belong to server.ts, so tests build, call and
 * close it without ports of their own.
 */
export async function buildApp(deps: AppDeps): Promise<TollgateApp> {
  const { config, store, prices } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: false, // answered below in OpenAI's shape instead
    forceCloseConnections: 'idle',
  });
  const ledger = new Ledger(store, deps.logger, {
    spool: new ChargeSpool(config.spoolDir, deps.logger),
    chargeTimeoutMs: config.chargeTimeoutMs,
  });
  const metrics = new Metrics();

  app.setErrorHandler((error: FastifyError | TollgateError, request, reply) => {
    const tg = toTollgateError(error);
    if (tg.status >= 500) request.log.error({ err: error }, 'request failed');
    reply.code(tg.status).header('x-tollgate-error', tg.code).headers(tg.headers).send(tg.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new TollgateError('TG_NOT_FOUND', `Invalid URL (${request.method} ${request.url.split('?')[0]})`);
    reply.code(err.status).header('x-tollgate-error', err.code).send(err.toBody());
  });

  // Once shutdown begins, requests that still arrive on open connections get an OpenAI-shaped 503.
  let closing = false;
  let idleSweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    // A keep-alive connection whose response finishes after close() began would otherwise hold the
    // server open until its keep-alive timeout: close connections as they become idle.
    idleSweep = setInterval(() => app.server.closeIdleConnections(), 100);
    idleSweep.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(idleSweep);
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw new TollgateError('TG_SHUTTING_DOWN', 'Tollgate is restarting; please retry.', { headers: { 'retry-after': '1' } });
    }
  });

  // CORS stays closed (no Access-Control-* headers at all) unless origins are configured.
  if (config.corsOrigins) {
    await app.register(cors, { origin: config.corsOrigins.split(',').map((o) => o.trim()), credentials: false, maxAge: 600 });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await store.ping();
      return { status: 'ok', store: store.kind };
    } catch {
      return reply.code(503).send({ status: 'unavailable', store: store.kind });
    }
  });

  installMetrics(app, metrics, { serve: config.metricsEnabled });
  await registerAdminApi(app, { config, store, now: deps.now ?? Date.now });
  await app.register(import('./admin/web.ts')); // the admin web page under /admin/ (docs/admin-page.md)

  await app.register(v1Routes, {
    prefix: '/v1',
    config,
    store,
    prices,
    ledger,
    observer: metrics,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  app.addHook('onClose', async () => {
    await ledger.drain();
  });
  return { app, ledger, metrics };
}

/** Maps fastify's own errors (body limit, media type, ...) into the catalogue. 5xx never leak internals. */
function toTollgateError(error: FastifyError | TollgateError): TollgateError {
  if (error instanceof TollgateError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TollgateError('TG_BODY_TOO_LARGE', 'The request body is larger than this server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TollgateError('TG_UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new TollgateError('TG_INVALID_JSON', 'We could not parse the JSON body of your request.');
    case 'FST_ERR_VALIDATION':
      return new TollgateError('TG_INVALID_REQUEST', error.message);
  }
  if (error.statusCode === 404) return new TollgateError('TG_NOT_FOUND', error.message);
  if (error.statusCode === 405) return new TollgateError('TG_METHOD_NOT_ALLOWED', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new TollgateError('TG_INVALID_REQUEST', error.message);
  }
  return new TollgateError('TG_INTERNAL', 'The server had an error while processing your request.', { cause: error });
}
