import { Pool } from 'undici';
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

describe('keep-alive', () => {
  it('streams end cleanly: many streams in a row on one connection all succeed', async () => {
    const { key } = await tg.addUser();
    const pool = new Pool(tg.url, { connections: 1 });
    try {
      for (let i = 0; i < 60; i++) {
        const res = await pool.request({
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
        });
        const text = await res.body.text();
        expect(text.trimEnd().endsWith('data: [DONE]'), `stream ${i}`).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });
});
