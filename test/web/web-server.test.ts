import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, type Harness } from '../support/harness.ts';

/** How Tollgate serves the built admin page (src/admin/web.ts). */

const TOKEN = `web-server-token-${'y'.repeat(24)}`;
const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));
const INDEX = readFileSync(`${PUBLIC}index.html`, 'utf8');
const JS = readdirSync(`${PUBLIC}assets`).find((f) => f.endsWith('.js'))!;

let tg: Harness;

beforeAll(async () => {
  // The page never reaches the upstream; any address will do.
  tg = await startTollgate({ upstreamUrl: 'http://127.0.0.1:9', env: { TOLLGATE_ADMIN_TOKENS: TOKEN } });
});

afterAll(async () => {
  await tg?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${tg.url}${path}`, { headers, redirect: 'manual' });

describe('the admin page server', () => {
  it('serves index.html at /admin and /admin/, uncached, with a strict CSP', async () => {
    for (const path of ['/admin', '/admin/', '/admin/index.html']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await res.text(), path).toBe(INDEX);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('answers every page path under /admin/ with index.html, so links and reloads work', async () => {
    for (const path of ['/admin/overview', '/admin/users/usr_123', '/admin/users/usr_123?x=1', '/admin/whatever/deep/path']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe(INDEX);
    }
  });

  it('serves hashed assets for a year, compressed for browsers that take it', async () => {
    const plain = readFileSync(`${PUBLIC}assets/${JS}`);
    const br = await get(`/admin/assets/${JS}`, { 'accept-encoding': 'br' });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-type')).toMatch(/javascript/);
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await br.arrayBuffer()).equals(plain)).toBe(true); // fetch decodes it
    const identity = await get(`/admin/assets/${JS}`, { 'accept-encoding': 'identity' });
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(Number(identity.headers.get('content-length'))).toBe(plain.length);
    await identity.arrayBuffer();
  });

  it('answers a missing file with a 404, not with the page', async () => {
    for (const path of ['/admin/assets/app-NOPE.js', '/admin/missing.css', '/admin/favicon.ico']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('x-tollgate-error'), path).toBe('TG_NOT_FOUND');
      await res.text();
    }
  });

  it('leaves the admin API alone: its routes, its 401, and a JSON 404 for unknown API paths', async () => {
    expect((await get('/admin/api/users')).status).toBe(401);
    const ok = await get('/admin/api/users', { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ users: [] });
    for (const path of ['/admin/api/nope', '/admin/api/users/usr_1/nope', '/admin/api']) {
      const res = await get(path, { authorization: `Bearer ${TOKEN}` });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('unknown_url');
    }
  });

  it('serves nothing outside public/ and only GET/HEAD', async () => {
    for (const path of ['/admin/../package.json', '/admin/%2e%2e/package.json', '/admin/..%2fpackage.json', '/admin/assets/..%2f..%2fpackage.json']) {
      const res = await get(path);
      const body = await res.text();
      expect(body, path).not.toContain('"name": "tollgate"');
    }
    const post = await fetch(`${tg.url}/admin/`, { method: 'POST' });
    expect(post.status).toBe(404);
    await post.text();
    const head = await fetch(`${tg.url}/admin/users/x`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});
