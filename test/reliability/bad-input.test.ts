import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

let upstream: FakeUpstream;
let tg: Harness;
let key: string;
let userId: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  tg = await startTollgate({ upstreamUrl: upstream.url, env: { TOLLGATE_ADMIN_TOKENS: 'admin-token-0123456789abcdef' } });
  const u = await tg.addUser();
  key = u.key;
  userId = u.user.id;
});
afterAll(async () => {
  await tg.close();
  await upstream.close();
});

async function call(method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}) {
  const res = await request(`${tg.url}${path}`, {
    method: method as 'POST',
    headers: { authorization: `Bearer ${key}`, ...opts.headers },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

function errorOf(text: string): { message: string; type: string; param: unknown; code: unknown } {
  return (JSON.parse(text) as { error: { message: string; type: string; param: unknown; code: unknown } }).error;
}

/** Sends bytes as they are (no client-side URL or header normalisation) and returns the raw answer. */
function rawRequest(bytes: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const url = new URL(tg.url);
    const sock = connect(Number(url.port), url.hostname, () => sock.write(bytes));
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(data);
    }, 2_000);
    sock.on('data', (d: Buffer) => (data += d.toString()));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.on('error', reject);
  });
}

async function nothingCharged() {
  expect((await tg.store.getUser(userId))?.spendNano).toBe(0);
  expect((await tg.store.listEvents({ userId, limit: 10 })).events).toHaveLength(0);
}

describe('bad input', () => {
  it('wrong content type on a metered endpoint: 415, OpenAI-shaped', async () => {
    const r = await call('POST', '/v1/chat/completions', { body: 'model=gpt-4o', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
    expect(errorOf(r.text).type).toBe('invalid_request_error');
    await nothingCharged();
  });

  it('invalid UTF-8 in the JSON body: 400 invalid_json, never forwarded', async () => {
    const before = upstream.received.length;
    const body = Buffer.concat([Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]}')]);
    const r = await call('POST', '/v1/chat/completions', { body, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(errorOf(r.text).code).toBe('invalid_json');
    expect(upstream.received.length).toBe(before);
    await nothingCharged();
  });

  it('JSON that is not an object, and a non-boolean stream flag, are refused or treated safely', async () => {
    const arr = await call('POST', '/v1/chat/completions', { body: '[1,2,3]', headers: { 'content-type': 'application/json' } });
    expect(arr.status).toBe(400);
    const num = await call('POST', '/v1/embeddings', { body: '42', headers: { 'content-type': 'application/json' } });
    expect(num.status).toBe(400);
    await nothingCharged();
  });

  it('deeply nested JSON does not crash the server', async () => {
    const deep = `{"model":"gpt-4o","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const r = await call('POST', '/v1/chat/completions', { body: deep, headers: { 'content-type': 'application/json' } });
    expect([200, 400]).toContain(r.status);
    expect((await request(`${tg.url}/healthz`)).statusCode).toBe(200);
  });

  it('unknown endpoints outside /v1 get an OpenAI-shaped 404', async () => {
    const r = await call('GET', '/nope');
    expect(r.status).toBe(404);
    expect(errorOf(r.text).code).toBe('unknown_url');
  });

  it('path tricks through /v1/.. (sent raw, as no URL parser would) never reach the admin API or leave /v1 upstream', async () => {
    const before = upstream.received.length;
    const paths = ['/v1/../admin/api/users', '/v1/%2e%2e/admin/api/users', '/v1/..%2fadmin/api/users', '/v1/%2E%2E%2Fadmin%2Fapi%2Fusers', '/v1/./../healthz', '/v1//../admin/api/users', '/v1/..\\admin/api/users'];
    for (const path of paths) {
      const raw = await rawRequest(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-token-0123456789abcdef\r\nConnection: close\r\n\r\n`);
      expect(raw, path).not.toContain('"users"');
      expect(raw.startsWith('HTTP/1.1 200'), path).toBe(false);
    }
    for (const r of upstream.received.slice(before)) {
      expect(r.url.startsWith('/v1/')).toBe(true);
      expect(decodeURIComponent(r.url)).not.toContain('..');
    }
  });

  it('header injection: CR/LF in a header value is refused by the HTTP parser and nothing is forwarded', async () => {
    const before = upstream.received.length;
    const raw = await rawRequest(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nX-Evil: a\rInjected: b\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(raw.startsWith('HTTP/1.1 400')).toBe(true);
    expect(upstream.received.length).toBe(before);
  });
});

describe('security', () => {
  it('CORS is closed by default: no Access-Control-Allow-Origin, preflight not approved', async () => {
    const r = await call('OPTIONS', '/v1/chat/completions', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const g = await call('GET', '/v1/models', { headers: { origin: 'https://evil.example' } });
    expect(g.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the upstream key is never returned to the caller', async () => {
    const r = await call('POST', '/v1/chat/completions', { body: JSON.stringify({ model: 'gpt-4o', messages: [] }), headers: { 'content-type': 'application/json' } });
    expect(JSON.stringify(r.headers) + r.text).not.toContain('sk-upstream-secret');
  });

  it('the admin API refuses a user key', async () => {
    const r = await call('GET', '/admin/api/users', { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(401);
  });

  it('failed authentication is throttled per address with 429 and retry-after', async () => {
    const other = await startTollgate({ upstreamUrl: upstream.url });
    try {
      const statuses: number[] = [];
      let retryAfter: string | string[] | undefined;
      for (let i = 0; i < 40; i++) {
        const res = await request(`${other.url}/v1/models`, { headers: { authorization: `Bearer tg-wrong-${i}` } });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) retryAfter = res.headers['retry-after'];
        await res.body.text();
      }
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

describe('CORS when configured', () => {
  it('allows only the configured origins', async () => {
    const open = await startTollgate({ upstreamUrl: upstream.url, env: { TOLLGATE_CORS_ORIGINS: 'https://app.example.com' } });
    try {
      const ok = await request(`${open.url}/v1/models`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
      await ok.body.text();
      expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const evil = await request(`${open.url}/v1/models`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      await evil.body.text();
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await open.close();
    }
  });
});
