import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_USAGE, DEFAULT_RESPONSES_USAGE, STREAM_WORDS, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

/**
 * The official SDK as the client: what it sees through Tollgate equals what it sees from the
 * upstream directly, and each request's exact cost lands on the caller.
 */

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

function clients(key: string) {
  const through = new OpenAI({ apiKey: key, baseURL: `${tg.url}/v1`, maxRetries: 0 });
  const direct = new OpenAI({ apiKey: 'sk-upstream-secret', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
  return { through, direct };
}

async function eventsOf(userId: string) {
  return (await tg.store.listEvents({ userId, limit: 1000 })).events;
}

// gpt-4o: input 2.50, cached 1.25, output 10.00 USD per 1M tokens.
// 2048 input of which 1792 cached, 300 output: (256*2.5 + 1792*1.25 + 300*10) / 1M USD = 0.00588 USD.
const GPT4O_DEFAULT_COST = 5_880_000; // nano-dollars

describe('chat completions through the SDK', () => {
  it('JSON: same body as direct, exact cost charged, cost header set', async () => {
    const { user, key } = await tg.addUser();
    const { through, direct } = clients(key);
    const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
    const a = await through.chat.completions.create(params);
    const b = await direct.chat.completions.create(params);
    expect(a).toEqual(b);
    const events = await eventsOf(user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ endpoint: 'chat.completions', inputTokens: 2048, cachedTokens: 1792, outputTokens: 300, reasoningTokens: 192, costNano: GPT4O_DEFAULT_COST, estimated: false, stream: false, servedModel: 'gpt-4o-2024-08-06', pricedModel: 'gpt-4o' });
    const stored = await tg.store.getUser(user.id);
    expect(stored?.spendNano).toBe(GPT4O_DEFAULT_COST);
    const raw = await through.chat.completions.create(params).withResponse();
    expect(raw.response.headers.get('x-tollgate-cost-usd')).toBe('0.00588');
    expect(raw.response.headers.get('x-request-id')).toMatch(/^req_upstream_/);
    expect(raw.response.headers.get('openai-processing-ms')).toBe('42');
  });

  it('the upstream gets the upstream key, never the caller key, and no compression', async () => {
    const { key } = await tg.addUser();
    const { through } = clients(key);
    await through.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    const last = upstream.received.at(-1);
    expect(last?.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect(JSON.stringify(last?.headers)).not.toContain(key);
    expect(last?.headers['accept-encoding']).toBe('identity');
  });

  it('stream without include_usage: usage injected upstream, stripped for the client, charged exactly', async () => {
    const { user, key } = await tg.addUser();
    const { through, direct } = clients(key);
    const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }], stream: true as const };
    const seen: unknown[] = [];
    for await (const chunk of await through.chat.completions.create(params)) seen.push(chunk);
    const expected: unknown[] = [];
    for await (const chunk of await direct.chat.completions.create(params)) expected.push(chunk);
    expect(seen).toEqual(expected);
    expect(seen.some((c) => (c as { usage?: unknown }).usage)).toBe(false);
    const sentUpstream = JSON.parse(upstream.received.at(-2)?.body ?? '{}') as { stream_options?: unknown };
    expect(sentUpstream.stream_options).toEqual({ include_usage: true });
    const [event] = await eventsOf(user.id);
    expect(event).toMatchObject({ stream: true, inputTokens: 2048, cachedTokens: 1792, outputTokens: 300, costNano: GPT4O_DEFAULT_COST, estimated: false });
  });

  it('stream with include_usage: the client gets the usage chunk, identical to direct', async () => {
    const { user, key } = await tg.addUser();
    const { through, direct } = clients(key);
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }], stream: true as const, stream_options: { include_usage: true } };
    const seen: unknown[] = [];
    for await (const chunk of await through.chat.completions.create(params)) seen.push(chunk);
    const expected: unknown[] = [];
    for await (const chunk of await direct.chat.completions.create(params)) expected.push(chunk);
    expect(seen).toEqual(expected);
    expect((seen.at(-1) as { usage: unknown }).usage).toEqual(DEFAULT_CHAT_USAGE);
    // gpt-4o-mini: 256*0.15 + 1792*0.075 + 300*0.60 per 1M = 38.4 + 134.4 + 180 = 352.8 micro → 352_800 nano
    const [event] = await eventsOf(user.id);
    expect(event?.costNano).toBe(352_800);
  });

  it('a stream cut before its usage chunk is recorded as estimated', async () => {
    const { user, key } = await tg.addUser();
    const { through } = clients(key);
    const stream = await through.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello to the whole wide world please' }], stream: true },
      { headers: { 'x-fake-scenario': 'cut-before-usage' } },
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(STREAM_WORDS.join(''));
    const [event] = await eventsOf(user.id);
    expect(event?.estimated).toBe(true);
    expect(event?.flags).toContain('estimated');
    expect(event?.flags).toContain('truncated');
    expect(event?.inputTokens).toBeGreaterThan(5);
    expect(event?.outputTokens).toBeGreaterThan(3);
    expect(event?.costNano).toBeGreaterThan(0);
  });
});

describe('other metered endpoints through the SDK', () => {
  it('embeddings: same result as direct, input tokens charged', async () => {
    const { user, key } = await tg.addUser();
    const { through, direct } = clients(key);
    const params = { model: 'text-embedding-3-small', input: 'hello' };
    expect(await through.embeddings.create(params)).toEqual(await direct.embeddings.create(params));
    const [event] = await eventsOf(user.id);
    // 8 tokens at 0.02 USD per 1M = 0.16 micro-USD = 160 nano
    expect(event).toMatchObject({ endpoint: 'embeddings', inputTokens: 8, outputTokens: 0, costNano: 160 });
  });

  it('responses JSON and stream: same as direct, cached and reasoning tokens priced', async () => {
    const { user, key } = await tg.addUser();
    const { through, direct } = clients(key);
    const a = await through.responses.create({ model: 'gpt-5', input: 'hi' });
    const b = await direct.responses.create({ model: 'gpt-5', input: 'hi' });
    expect(a).toEqual(b);
    const events: unknown[] = [];
    for await (const e of await through.responses.create({ model: 'gpt-5', input: 'hi', stream: true })) events.push(e);
    const expected: unknown[] = [];
    for await (const e of await direct.responses.create({ model: 'gpt-5', input: 'hi', stream: true })) expected.push(e);
    expect(events).toEqual(expected);
    const charged = await eventsOf(user.id);
    expect(charged).toHaveLength(2);
    // gpt-5: input 1.25, cached 0.125, output 10: 952*1.25 + 2048*0.125 + 500*10 = 1190 + 256 + 5000 = 6446 micro-per-M → 6_446_000 nano
    for (const e of charged) {
      expect(e).toMatchObject({ endpoint: 'responses', inputTokens: DEFAULT_RESPONSES_USAGE.input_tokens, cachedTokens: 2048, reasoningTokens: 320, costNano: 6_446_000 });
    }
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(2 * 6_446_000);
  });

  it('legacy completions stream is metered', async () => {
    const { user, key } = await tg.addUser();
    const { through } = clients(key);
    let text = '';
    for await (const c of await through.completions.create({ model: 'gpt-3.5-turbo', prompt: 'hi', stream: true })) text += c.choices[0]?.text ?? '';
    expect(text).toBe(STREAM_WORDS.join(''));
    const [event] = await eventsOf(user.id);
    expect(event).toMatchObject({ endpoint: 'completions', inputTokens: 2048, outputTokens: 300, estimated: false });
  });

  it('uncharged endpoints pass through authenticated', async () => {
    const { user, key } = await tg.addUser();
    const { through } = clients(key);
    const models = await through.models.list();
    expect(models.data[0]?.id).toBe('gpt-4o');
    expect(await eventsOf(user.id)).toHaveLength(0);
    const bad = new OpenAI({ apiKey: 'tg-nope', baseURL: `${tg.url}/v1`, maxRetries: 0 });
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });
});
