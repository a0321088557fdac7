import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import { insufficientQuota, TollgateError } from '../errors.ts';
import { newId } from '../keys.ts';
import type { Ledger } from '../ledger.ts';
import { buildUsageEvent, type MeterContext } from '../metering/usage-event.ts';
import type { MeterObserver } from '../metrics.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { admit } from '../quota.ts';
import type { Store } from '../store/types.ts';
import { createAuthenticator, type Caller } from './authenticate.ts';
import { meteredEndpoint } from './endpoints.ts';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import { meterResponse, type UpstreamResponse } from './meter-response.ts';
import { prepareRequest, type PreparedRequest } from './prepare-request.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    metered?: { ctx: MeterContext; prepared: PreparedRequest };
  }
}

export interface V1Options {
  config: Config;
  store: Store;
  prices: PriceTable;
  ledger: Ledger;
  /** Injected transport (tests, benchmarks); default: an undici Agent with the configured timeouts. */
  dispatcher?: Dispatcher;
  now?: () => number;
  /** Metrics: told of every settled event and of upstream latency. */
  observer?: MeterObserver;
}

/**
 * The OpenAI-compatible surface: every /v1/* request is authenticated with a Tollgate key and
 * forwarded by @fastify/http-proxy; the metered endpoints are admitted against the quota first and
 * their responses are watched by the meter on the way back.
 */
export async function v1Routes(app: FastifyInstance, opts: V1Options): Promise<void> {
  const { config, store, prices, ledger } = opts;
  const now = opts.now ?? Date.now;
  const authenticate = createAuthenticator(store, now, { failureMode: config.storeFailureMode });
  const upstream = new URL(config.upstreamUrl);
  const upstreamPath = upstream.pathname.replace(/\/+$/, '');

  // Bodies are read as bytes: metered JSON is parsed by prepareRequest (so a parse error is an
  // OpenAI-shaped 400), everything else is forwarded byte for byte.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.addHook('onRequest', async (request) => {
    request.caller = await authenticate(request);
  });

  app.register(httpProxy, {
    upstream: upstream.origin,
    rewritePrefix: `${upstreamPath}/v1`,
    undici: opts.dispatcher ?? ({
      headersTimeout: config.upstreamHeadersTimeoutMs,
      bodyTimeout: config.upstreamBodyTimeoutMs,
      // No cap: each request in flight holds one upstream connection for its whole length (minutes
      // for a stream), so a cap silently queues every request past it (bench/: 1,000 streams, 256 open).
      // null, not absent: @fastify/reply-from would default to 128.
      connections: null,
      // @fastify/reply-from turns certificate verification off unless told otherwise; the upstream
      // receives the upstream API key, so its certificate must be verified.
      tls: { rejectUnauthorized: true },
      // `tls` is read by reply-from's option builder, not declared in its types.
    } as Record<string, unknown>),
    disableRequestLogging: true,
    preValidation: async (request: FastifyRequest) => {
      const endpoint = meteredEndpoint(request.method, request.url);
      const caller = request.caller as Caller;
      if (!endpoint) {
        // Unmetered calls that can still spend upstream money (images, audio, batches, ...) are
        // refused to a user whose quota is used up; reads (GET, HEAD) stay open.
        if (request.method !== 'GET' && request.method !== 'HEAD' && !admit(caller.user, now()).ok) throw insufficientQuota();
        return;
      }
      if (!Buffer.isBuffer(request.body)) {
        throw new TollgateError('TG_UNSUPPORTED_MEDIA_TYPE', 'Metered endpoints take a JSON body (Content-Type: application/json).');
      }
      const prepared = prepareRequest(endpoint, request.body);
      const price = prices.resolve(prepared.model);
      if (!price) {
        throw new TollgateError(
          'TG_UNKNOWN_MODEL',
          `The model \`${prepared.model}\` has no price configured in Tollgate, so it cannot be metered. Ask your administrator to add it to the price file.`,
          { param: 'model' },
        );
      }
      if (!admit(caller.user, now()).ok) throw insufficientQuota();
      request.metered = {
        prepared,
        ctx: {
          requestId: newId('req'),
          userId: caller.user.id,
          keyId: caller.key.id,
          endpoint,
          requestedModel: prepared.model,
          stream: prepared.stream,
          injectedUsage: prepared.injectedUsage,
          requestBody: prepared.body,
          price,
          startedAt: now(),
        },
      };
    },
    handler: (request: FastifyRequest, reply: FastifyReply, dest: string, options: object) => {
      const metered = request.metered;
      const body = metered ? metered.prepared.forwardBody : request.body;
      // A metered request settles exactly once: through the meter once the upstream answers, or
      // here if the upstream fails or the client leaves before it answers.
      let settledEarly = false;
      const settleEarly = (why: 'upstream_failed' | 'client_aborted') => {
        if (!metered || settledEarly) return;
        settledEarly = true;
        void meterFailure(metered.ctx, why);
      };
      const onEarlyClose = () => {
        if (!reply.raw.writableFinished) settleEarly('client_aborted');
      };
      if (metered) {
        reply.header('x-tollgate-request-id', metered.ctx.requestId);
        reply.raw.once('close', onEarlyClose);
      }
      return reply.from(dest, {
        ...options,
        ...(Buffer.isBuffer(body) ? { body, contentType: String(request.headers['content-type'] ?? 'application/json') } : {}),
        rewriteRequestHeaders: (_req, headers) =>
          upstreamRequestHeaders(headers, { upstreamApiKey: config.upstreamApiKey, metered: metered !== undefined }),
        rewriteHeaders: (headers) => downstreamResponseHeaders(headers, { bodyRewritten: false }),
        onError: (rep, { error }) => {
          reply.raw.off('close', onEarlyClose);
          const timeout = /timeout/i.test(String((error as Error).message) + String((error as { code?: string }).code));
          const err = timeout
            ? new TollgateError('TG_UPSTREAM_TIMEOUT', 'The upstream did not answer in time.', { cause: error })
            : new TollgateError('TG_UPSTREAM_UNAVAILABLE', 'The upstream could not be reached.', { cause: error });
          settleEarly('upstream_failed');
          rep.send(err);
        },
        ...(metered
          ? {
              onResponse: (_req: unknown, rep: unknown, res: unknown) => {
                reply.raw.off('close', onEarlyClose);
                const upstreamRes = res as UpstreamResponse;
                if (settledEarly) {
                  upstreamRes.stream.destroy(); // the client left while we waited; already settled
                  return;
                }
                opts.observer?.upstreamResponded(metered.ctx.endpoint, metered.ctx.price.model, now() - metered.ctx.startedAt);
                meterResponse(rep as FastifyReply, upstreamRes, metered.ctx, (request.caller as Caller).user, {
                  prices,
                  ledger,
                  log: request.log,
                  maxSseEventBytes: config.maxSseEventBytes,
                  maxJsonResponseBytes: config.maxJsonResponseBytes,
                  now,
                  ...(opts.observer ? { observer: opts.observer } : {}),
                });
              },
            }
          : {}),
      });
    },
  });

  /** No upstream answer to meter: the upstream failed (costs nothing) or the client left first (prompt estimated). */
  async function meterFailure(ctx: MeterContext, why: 'upstream_failed' | 'client_aborted'): Promise<void> {
    const clientAborted = why === 'client_aborted';
    const event = buildUsageEvent(
      ctx,
      { status: 0, usage: null, clamped: false, servedModel: null, outputText: '', clientAborted, upstreamFailed: !clientAborted, truncated: false, upstreamRequestId: null },
      prices,
      now(),
    );
    opts.observer?.usage(event);
    await ledger.record(event);
  }
}
