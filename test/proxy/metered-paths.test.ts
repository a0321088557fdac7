import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

let upstream: FakeUpstream;
let tg: Harness;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  tg = await startTollgate({ upstreamUrl: upstream.url });
});
afterAll(async () => {
  await tg.close();
  await upstream.close();
});

const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

describe('metered paths cannot be reached unmetered', () => {
  // The upstream URL is resolved with WHATWG URL rules, which remove "." segments (also as %2e), and
  // upstream servers commonly decode %XX and merge slashes before routing: a spelling of a metered
  // path that the meter does not recognise must not reach the upstream (exhausted user: 429 expected).
  const spellings = [
    '/v1/./chat/completions', '/v1/%2e/chat/completions', '/v1/chat/./completions', '/v1/chat/completions/.', '/v1/%2E/embeddings',
    '/v1/chat//completions', '/v1/chat/%63ompletions', '/v1/chat%2Fcompletions', '/v1/Chat/Completions', '/v1/responses/./',
  ];
  for (const path of spellings) {
    it(`${path}: charged, or refused before the upstream`, async () => {
      const { user, key } = await tg.addUser({ limitNano: 1, period: 'month', enforce: true });
      await tg.store.charge({
        requestId: `req_pre_${Math.random()}`, userId: user.id, keyId: 'k', endpoint: 'chat.completions', requestedModel: 'gpt-4o', servedModel: 'gpt-4o',
        pricedModel: 'gpt-4o', stream: false, inputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0,
        costNano: 10, savedNano: 0, status: 200, estimated: false, flags: [], latencyMs: 1, upstreamRequestId: null, createdAt: Date.now(),
      });
      const before = upstream.received.length;
      const answer = await rawRequest(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      expect(answer.startsWith('HTTP/1.1 200')).toBe(false);
      expect(upstream.received.length).toBe(before);
    });
  }

  it('a dot-segment spelling with budget left is forwarded and charged like the plain path', async () => {
    const { user, key } = await tg.addUser();
    const answer = await rawRequest(`POST /v1/./chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
    const { events } = await tg.store.listEvents({ userId: user.id, limit: 10 });
    expect(events).toHaveLength(1);
    expect(events[0]?.costNano).toBeGreaterThan(0);
  });
});

/** Sends bytes as they are (no client-side URL normalisation) and returns the raw answer. */
function rawRequest(bytes: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const url = new URL(tg.url);
    const sock = connect(Number(url.port), url.hostname, () => sock.write(bytes));
    let data = '';
    sock.on('data', (d: Buffer) => (data += d.toString()));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}
