import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, type Harness } from '../support/harness.ts';

/** The upstream receives the upstream API key: its TLS certificate must be verified. */

let server: Server;
let seen = 0;
let tg: Harness;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=evil.example', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    seen++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tg = await startTollgate({ upstreamUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await tg.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('upstream TLS', () => {
  it('an upstream with an untrusted certificate is refused and never receives the upstream key', async () => {
    const { key } = await tg.addUser();
    const res = await request(`${tg.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(502);
    await res.body.text();
    expect(seen).toBe(0);
  });
});
