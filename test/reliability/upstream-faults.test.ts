import { createServer } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_WORDS, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

let upstream: FakeUpstream;
let tg: Harness;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  tg = await startTollgate({ upstreamUrl: upstream.url, overrides: { upstreamHeadersTimeoutMs: 1_000 } });
});
afterAll(async () => {
  await tg.close();
  await upstream.close();
});

const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Tell me a story about a lighthouse' }], ...extra });

function post(base: string, key: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return request(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body,
    ...(signal ? { signal } : {}),
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('upstream faults', () => {
  it('refused connection: 502 in OpenAI shape, nothing charged, Tollgate keeps serving', async () => {
    const dead = await startTollgate({ upstreamUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const { user, key } = await dead.addUser();
      const res = await post(dead.url, key, chat());
      expect(res.statusCode).toBe(502);
      const body = (await res.body.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ type: 'server_error', code: 'upstream_unavailable', param: null });
      const { events } = await waitFor(async () => {
        const page = await dead.store.listEvents({ userId: user.id, limit: 10 });
        return page.events.length ? page : undefined;
      }, 'the failure event');
      expect(events[0]).toMatchObject({ status: 0, costNano: 0 });
      expect(events[0]?.flags).toContain('upstream_error');
      expect((await request(`${dead.url}/healthz`)).statusCode).toBe(200);
    } finally {
      await dead.close();
    }
  });

  it('timeout: an upstream that does not answer gets a 504 after the configured time', async () => {
    const { user, key } = await tg.addUser();
    const res = await post(tg.url, key, chat(), { 'x-fake-scenario': 'hang', 'x-fake-delay-ms': '5000' });
    expect(res.statusCode).toBe(504);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(0);
  });

  it('5xx passes through with its body; costs nothing', async () => {
    const { user, key } = await tg.addUser();
    const res = await post(tg.url, key, chat(), { 'x-fake-scenario': 'error-500' });
    expect(res.statusCode).toBe(500);
    expect(((await res.body.json()) as { error: { type: string } }).error.type).toBe('server_error');
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(0);
  });

  it('reset mid-stream: the client stream ends cleanly with an error event; what streamed is recorded, estimated and flagged', async () => {
    const { user, key } = await tg.addUser();
    const res = await post(tg.url, key, chat({ stream: true }), { 'x-fake-scenario': 'reset-mid-stream', 'x-fake-delay-ms': '20' });
    expect(res.statusCode).toBe(200);
    const text = await res.body.text(); // ends, no socket error
    const frames = text.split('\n\n').filter(Boolean);
    const last = JSON.parse(frames.at(-1)?.replace(/^data: /, '') ?? '{}') as { error?: { code: string } };
    expect(last.error?.code).toBe('upstream_unavailable');
    expect(text).toContain(STREAM_WORDS[1]);
    const [event] = (await tg.store.listEvents({ userId: user.id, limit: 10 })).events;
    expect(event?.estimated).toBe(true);
    expect(event?.flags).toEqual(expect.arrayContaining(['estimated', 'upstream_error', 'truncated']));
    expect(event?.outputTokens).toBeGreaterThan(0);
    expect(event?.costNano).toBeGreaterThan(0);
  });

  it('error event mid-stream from the upstream: passed to the client, usage estimated and flagged', async () => {
    const { user, key } = await tg.addUser();
    const res = await post(tg.url, key, chat({ stream: true }), { 'x-fake-scenario': 'error-mid-stream' });
    const text = await res.body.text();
    expect(text).toContain('The model crashed');
    const [event] = (await tg.store.listEvents({ userId: user.id, limit: 10 })).events;
    expect(event?.flags).toEqual(expect.arrayContaining(['estimated', 'upstream_error']));
  });
});

describe('client gone mid-stream', () => {
  it('the upstream request is aborted at once and what was generated is recorded, flagged', async () => {
    const { user, key } = await tg.addUser();
    const ac = new AbortController();
    const res = await post(tg.url, key, chat({ stream: true }), { 'x-fake-delay-ms': '150' }, ac.signal);
    const rec = upstream.received.at(-1);
    let seen = '';
    for await (const chunk of res.body) {
      seen += (chunk as Buffer).toString();
      if (seen.includes(STREAM_WORDS[1] as string)) break;
    }
    const abortedAt = Date.now();
    ac.abort();
    const closed = await waitFor(() => rec?.closed, 'the upstream connection to close');
    expect(closed.finished).toBe(false); // the upstream did not get to finish its stream
    expect(closed.at - abortedAt).toBeLessThan(1_000); // long before the remaining ~6 chunks x 150 ms
    const event = await waitFor(async () => (await tg.store.listEvents({ userId: user.id, limit: 10 })).events[0], 'the charge');
    expect(event.flags).toEqual(expect.arrayContaining(['client_aborted', 'estimated']));
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(event.costNano).toBeGreaterThan(0);
  });
});

describe('hostile upstream output', () => {
  it('a 10 MB SSE line passes through; usage after it is still read; nothing is charged wrongly', async () => {
    const { user, key } = await tg.addUser();
    const res = await post(tg.url, key, chat({ stream: true, stream_options: { include_usage: true } }), { 'x-fake-scenario': 'huge-line' });
    const text = await res.body.text();
    expect(text.length).toBeGreaterThan(10 * 1024 * 1024);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const [event] = (await tg.store.listEvents({ userId: user.id, limit: 10 })).events;
    expect(event).toMatchObject({ inputTokens: 2048, cachedTokens: 1792, outputTokens: 300, costNano: 5_880_000, estimated: false });
  });

  it('negative and absurd usage numbers are clamped and flagged, never trusted', async () => {
    const { user, key } = await tg.addUser();
    const usage = { prompt_tokens: 100, completion_tokens: -50, prompt_tokens_details: { cached_tokens: 5000 }, completion_tokens_details: { reasoning_tokens: 1e30 } };
    const res = await post(tg.url, key, chat(), { 'x-fake-usage': JSON.stringify(usage) });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    const [event] = (await tg.store.listEvents({ userId: user.id, limit: 10 })).events;
    expect(event).toMatchObject({ inputTokens: 100, cachedTokens: 100, outputTokens: 0, reasoningTokens: 0 });
    expect(event?.flags).toContain('clamped');
    // 100 cached tokens at 1.25 USD per 1M = 0.000125 USD
    expect(event?.costNano).toBe(125_000);
  });
});

describe('edges of the metered path', () => {
  it('a client that leaves before the upstream answers is recorded once, on its prompt, flagged', async () => {
    const { user, key } = await tg.addUser();
    const ac = new AbortController();
    const pending = post(tg.url, key, chat(), { 'x-fake-scenario': 'hang', 'x-fake-delay-ms': '800' }, ac.signal).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await pending;
    const event = await waitFor(async () => (await tg.store.listEvents({ userId: user.id, limit: 10 })).events[0], 'the charge');
    expect(event.flags).toEqual(expect.arrayContaining(['client_aborted', 'estimated']));
    expect(event.flags).not.toContain('upstream_error');
    expect(event.status).toBe(0);
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(event.outputTokens).toBe(0);
    await new Promise((r) => setTimeout(r, 900)); // the upstream answers later: nothing more is charged
    expect((await tg.store.listEvents({ userId: user.id, limit: 10 })).events).toHaveLength(1);
  });

  it('a non-stream body over the whole-body limit is streamed on intact, and its usage is read from its tail', async () => {
    const small = await startTollgate({ upstreamUrl: upstream.url, overrides: { maxJsonResponseBytes: 65_536 } });
    try {
      const { user, key } = await small.addUser();
      const body = JSON.stringify({ model: 'text-embedding-3-small', input: 'hello' });
      const through = await request(`${small.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-fake-scenario': 'big-json' }, body });
      const direct = await request(`${upstream.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fake-scenario': 'big-json' }, body });
      const [a, b] = [await through.body.text(), await direct.body.text()];
      expect(a.length).toBeGreaterThan(65_536 * 2);
      expect(JSON.parse(a)).toEqual(JSON.parse(b));
      const [event] = (await small.store.listEvents({ userId: user.id, limit: 10 })).events;
      expect(event).toMatchObject({ inputTokens: 8, costNano: 160, estimated: false });
    } finally {
      await small.close();
    }
  });
});

describe('an upstream that does not close its stream', () => {
  it('after [DONE] the client gets the end of its stream and the charge within about a second', async () => {
    const { user, key } = await tg.addUser();
    const started = Date.now();
    const res = await post(tg.url, key, chat({ stream: true }), { 'x-fake-scenario': 'linger-after-done' });
    const text = await res.body.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 5-minute body timeout
    const [event] = (await tg.store.listEvents({ userId: user.id, limit: 10 })).events;
    expect(event).toMatchObject({ costNano: 5_880_000, estimated: false });
    expect(event?.flags).not.toContain('truncated');
  });
});

describe('unmetered endpoints and the quota', () => {
  it('an exhausted user is refused on spending endpoints that are not metered, but may still read', async () => {
    const { key } = await tg.addUser({ limitNano: 1, period: 'day' });
    await (await post(tg.url, key, chat())).body.text(); // uses the quota up
    const before = upstream.received.length;
    const images = await request(`${tg.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'dall-e-3', prompt: 'a cat' }),
    });
    expect(images.statusCode).toBe(429);
    expect(((await images.body.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    expect(upstream.received.length).toBe(before);
    const models = await request(`${tg.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.statusCode).toBe(200);
    await models.body.text();
  });
});
