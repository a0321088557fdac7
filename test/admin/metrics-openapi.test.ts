import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserView } from '../../src/admin/schemas.ts';
import type { UsageEvent } from '../../src/store/types.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';
import { ADMIN_ENV, ADMIN_TOKEN, call, chat } from './support.ts';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.close();
});

/** One sample of a Prometheus text exposition, e.g. value('tollgate_tokens_total', { kind: 'output' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
  }
  return found ? total : Number.NaN;
}

describe('Prometheus metrics', () => {
  let tg: Harness;
  let other: Harness;
  beforeAll(async () => {
    tg = await startTollgate({ upstreamUrl: upstream.url, env: ADMIN_ENV });
    other = await startTollgate({ upstreamUrl: upstream.url, env: ADMIN_ENV });
  });
  afterAll(async () => {
    await tg.close();
    await other.close();
  });

  it('count requests, tokens by kind, cost, upstream latency, quota refusals and auth failures', async () => {
    const { user, key } = await tg.addUser({ limitNano: 18_000_000, period: 'day' });
    const usages = [
      { prompt_tokens: 1200, completion_tokens: 80, prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 32 } },
      { prompt_tokens: 300, completion_tokens: 20 },
      { prompt_tokens: 4000, completion_tokens: 500, completion_tokens_details: { reasoning_tokens: 400 } },
    ];
    const stream = await chat(tg.url, key, { model: 'gpt-4o-mini', stream: true });
    expect(stream.status).toBe(200);
    for (const usage of usages) expect((await chat(tg.url, key, { usage })).status).toBe(200);
    // Spend is now about 0.0188 USD, over the 0.018 limit: the next request is refused before the upstream.
    expect((await chat(tg.url, key)).status).toBe(429);
    expect((await chat(tg.url, 'tg-not-a-real-key-000000000000000')).status).toBe(401);
    expect((await call(tg.url, 'GET', '/admin/api/users', { token: 'wrong-admin-token-long-enough-000' })).status).toBe(401);
    expect((await call(tg.url, 'GET', '/tollgate/me', { token: null })).status).toBe(401);
    expect((await call(tg.url, 'GET', '/v1/models', { token: key })).status).toBe(200);

    const events: UsageEvent[] = (await tg.store.listEvents({ userId: user.id, limit: 100 })).events;
    expect(events).toHaveLength(4);
    const sum = (f: (e: UsageEvent) => number) => events.reduce((s, e) => s + f(e), 0);

    const res = await call<unknown>(tg.url, 'GET', '/metrics', { token: null });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain');
    const m = res.text;
    expect(sample(m, 'tollgate_requests_total', { endpoint: 'chat.completions', model: 'gpt-4o', status: '200' })).toBe(3);
    expect(sample(m, 'tollgate_requests_total', { endpoint: 'chat.completions', model: 'gpt-4o-mini', status: '200' })).toBe(1);
    expect(sample(m, 'tollgate_requests_total', { endpoint: 'chat.completions', status: '429' })).toBe(1);
    expect(sample(m, 'tollgate_requests_total', { endpoint: 'chat.completions', model: 'none', status: '401' })).toBe(1);
    expect(sample(m, 'tollgate_requests_total', { endpoint: 'other', status: '200' })).toBe(1);
    expect(sample(m, 'tollgate_tokens_total', { kind: 'input_cached' })).toBe(sum((e) => e.cachedTokens));
    expect(sample(m, 'tollgate_tokens_total', { kind: 'input_uncached' })).toBe(sum((e) => e.inputTokens - e.cachedTokens - e.cacheWriteTokens));
    expect(sample(m, 'tollgate_tokens_total', { kind: 'output' })).toBe(sum((e) => e.outputTokens));
    expect(sample(m, 'tollgate_tokens_total', { kind: 'reasoning' })).toBe(sum((e) => e.reasoningTokens));
    expect(sample(m, 'tollgate_tokens_total', { model: 'gpt-4o-mini', kind: 'output' })).toBe(
      events.filter((e) => e.pricedModel === 'gpt-4o-mini').reduce((s, e) => s + e.outputTokens, 0),
    );
    expect(sample(m, 'tollgate_cost_nanodollars_total')).toBe(sum((e) => e.costNano));
    expect(sample(m, 'tollgate_cache_saved_nanodollars_total')).toBe(sum((e) => e.savedNano));
    expect(sample(m, 'tollgate_upstream_latency_seconds_count')).toBe(4);
    expect(sample(m, 'tollgate_quota_refusals_total')).toBe(1);
    expect(sample(m, 'tollgate_auth_failures_total', { surface: 'v1', code: 'TG_INVALID_API_KEY' })).toBe(1);
    expect(sample(m, 'tollgate_auth_failures_total', { surface: 'admin' })).toBe(1);
    expect(sample(m, 'tollgate_auth_failures_total', { surface: 'me' })).toBe(1);
    expect(m).toContain('process_cpu_user_seconds_total');

    // A second app in the same process has its own registry: it saw none of this.
    const fresh = (await call<unknown>(other.url, 'GET', '/metrics', { token: null })).text;
    expect(sample(fresh, 'tollgate_quota_refusals_total')).toBe(0);
    expect(sample(fresh, 'tollgate_requests_total')).toBeNaN();
  });

  it('can be switched off', async () => {
    const off = await startTollgate({ upstreamUrl: upstream.url, env: { ...ADMIN_ENV, TOLLGATE_METRICS_ENABLED: 'false' } });
    try {
      expect((await call(off.url, 'GET', '/metrics', { token: null })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('admin API without an admin token configured', () => {
  it('answers 401 to every request, whatever token is sent, and warns once at start-up', async () => {
    const tg = await startTollgate({ upstreamUrl: upstream.url });
    try {
      for (const token of [null, ADMIN_TOKEN, 'anything-at-all-0000000000000000']) {
        const res = await call(tg.url, 'GET', '/admin/api/users', { token });
        expect(res.status).toBe(401);
        expect(res.json.error.message).toMatch(/no admin token is configured/);
      }
      const warnings = tg.logLines.filter((l) => l['level'] === 40 && String(l['msg']).includes('no admin token configured'));
      expect(warnings).toHaveLength(1);
      // The proxy itself is unaffected.
      const { key } = await tg.addUser();
      expect((await chat(tg.url, key)).status).toBe(200);
    } finally {
      await tg.close();
    }
  });
});

describe('OpenAPI document', () => {
  let tg: Harness;
  beforeAll(async () => {
    tg = await startTollgate({ upstreamUrl: upstream.url, env: ADMIN_ENV });
  });
  afterAll(async () => {
    await tg.close();
  });

  interface OpenApi {
    openapi: string;
    paths: Record<string, Record<string, { tags?: string[]; security?: unknown; requestBody?: unknown; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
    components: { securitySchemes: Record<string, unknown> };
    security: unknown;
  }

  it('lists every admin and self-service route with its schemas, and nothing else', async () => {
    const res = await call<OpenApi>(tg.url, 'GET', '/admin/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toMatch(/^3\.1/);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(routes).toEqual(
      [
        'GET /admin/api/users',
        'POST /admin/api/users',
        'GET /admin/api/users/{id}',
        'PATCH /admin/api/users/{id}',
        'DELETE /admin/api/users/{id}',
        'POST /admin/api/users/{id}/disable',
        'POST /admin/api/users/{id}/enable',
        'GET /admin/api/users/{id}/keys',
        'POST /admin/api/users/{id}/keys',
        'POST /admin/api/keys/{id}/revoke',
        'GET /admin/api/users/{id}/events',
        'GET /admin/api/usage',
        'GET /tollgate/me',
      ].sort(),
    );
    expect(doc.components.securitySchemes).toHaveProperty('adminToken');
    expect(doc.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/tollgate/me']?.['get']?.security).toEqual([{ userKey: [] }]);
    const usage = doc.paths['/admin/api/usage']?.['get'];
    expect(usage?.parameters?.map((p) => p.name).sort()).toEqual(['from', 'groupBy', 'to', 'userId']);
    expect(JSON.stringify(usage?.responses['200'])).toContain('savedNano');
    expect(JSON.stringify(doc.paths['/admin/api/users']?.['post']?.requestBody)).toContain('limitUsd');
    expect(Object.keys(doc.paths['/admin/api/users']?.['post']?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '409']));
  });

  it('the document describes what the routes actually answer', async () => {
    const created = await call<UserView>(tg.url, 'POST', '/admin/api/users', { body: { name: 'doc-check', quota: { limitUsd: '3' } } });
    const doc = (await call<OpenApi>(tg.url, 'GET', '/admin/api/openapi.json')).json;
    const schema = JSON.stringify(doc.paths['/admin/api/users/{id}']?.['get']?.responses['200']);
    for (const field of Object.keys(created.json)) expect(schema).toContain(`"${field}"`);
  });
});
