import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from './errors.ts';
import { meteredEndpoint } from './proxy/endpoints.ts';
import type {} from './proxy/v1.ts'; // the request.metered / request.caller declarations
import type { UsageEvent } from './store/types.ts';
import type { Endpoint } from './usage/types.ts';

/**
 * Prometheus metrics. Each app owns its registry (never prom-client's global one), so several
 * apps in one process (tests, benchmarks) count apart.
 *
 * Label values are bounded on purpose: `model` is the price-table entry a request was priced
 * with (never the caller's free-text model name), and no label carries a user or key id.
 */

/** What the proxy path reports as it meters (see src/proxy/v1.ts and meter-response.ts). */
export interface MeterObserver {
  /** A usage event was settled (charged or not): tokens and cost. */
  usage(event: UsageEvent): void;
  /** The upstream answered with its status line and headers, `ms` after admission. */
  upstreamResponded(endpoint: Endpoint, model: string, ms: number): void;
}

const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set<ErrorCode>(['TG_INVALID_API_KEY', 'TG_ADMIN_UNAUTHORIZED', 'TG_USER_DISABLED']);

export class Metrics implements MeterObserver {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tollgate_requests_total',
    help: 'Requests answered on /v1, by metered endpoint ("other" for pass-through), priced model ("none" before pricing) and HTTP status',
    labelNames: ['endpoint', 'model', 'status'] as const,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'tollgate_tokens_total',
    help: 'Tokens metered, by priced model and kind; input_uncached + input_cached + cache_write = all input, reasoning is part of output',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });
  readonly cost = new Counter({
    name: 'tollgate_cost_nanodollars_total',
    help: 'Cost charged, in nano-dollars (1e-9 USD), by priced model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly saved = new Counter({
    name: 'tollgate_cache_saved_nanodollars_total',
    help: 'What cached input saved compared with the full input rate, in nano-dollars, by priced model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'tollgate_upstream_latency_seconds',
    help: 'Time from admission to the upstream response headers on metered requests',
    labelNames: ['endpoint', 'model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly quotaRefusals = new Counter({
    name: 'tollgate_quota_refusals_total',
    help: 'Requests refused with 429 insufficient_quota before reaching the upstream',
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'tollgate_auth_failures_total',
    help: 'Requests refused for a missing, wrong or revoked credential or a disabled user, by surface (v1, me, admin)',
    labelNames: ['surface', 'code'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  usage(e: UsageEvent): void {
    const model = e.pricedModel;
    const add = (kind: string, n: number) => n > 0 && this.tokens.inc({ model, kind }, n);
    add('input_uncached', Math.max(0, e.inputTokens - e.cachedTokens - e.cacheWriteTokens));
    add('input_cached', e.cachedTokens);
    add('cache_write', e.cacheWriteTokens);
    add('output', e.outputTokens);
    add('reasoning', e.reasoningTokens);
    this.cost.inc({ model }, e.costNano);
    this.saved.inc({ model }, e.savedNano);
  }

  upstreamResponded(endpoint: Endpoint, model: string, ms: number): void {
    this.upstreamLatency.observe({ endpoint, model }, ms / 1000);
  }

  /** Counts one finished response (an onResponse hook for the whole app). */
  responded(request: FastifyRequest, reply: FastifyReply): void {
    const path = request.url.split('?', 1)[0] ?? '';
    const code = reply.getHeader('x-tollgate-error');
    if (code === 'TG_INSUFFICIENT_QUOTA') this.quotaRefusals.inc();
    if (typeof code === 'string' && AUTH_FAILURE_CODES.has(code)) {
      this.authFailures.inc({ surface: surfaceOf(path), code });
    }
    if (path === '/v1' || path.startsWith('/v1/')) {
      const metered = request.metered?.ctx;
      this.requests.inc({
        endpoint: metered?.endpoint ?? meteredEndpoint(request.method, path) ?? 'other',
        model: metered?.price.model ?? 'none',
        status: String(reply.statusCode),
      });
    }
  }
}

function surfaceOf(path: string): string {
  if (path.startsWith('/admin/')) return 'admin';
  if (path.startsWith('/tollgate/')) return 'me';
  return 'v1';
}

/** Installs the counting hook on the root instance and, when enabled, GET /metrics. */
export function installMetrics(app: FastifyInstance, metrics: Metrics, opts: { serve: boolean }): void {
  app.addHook('onResponse', async (request, reply) => metrics.responded(request, reply));
  if (!opts.serve) return;
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
