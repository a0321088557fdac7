import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveChildProtocol } from './children.ts';

/**
 * Bench-only OpenAI upstream (a child process): answers at once with realistic bodies, and does as
 * little work as it can so it does not dominate the 2 cores. POST /v1/chat/completions only:
 * - non-stream: a ~1 KB chat.completion with usage (prompt_tokens_details.cached_tokens included);
 * - stream: a role chunk at once, then `x-bench-chunks` content chunks `x-bench-gap-ms` apart,
 *   then (one more gap later) the finish chunk, the usage chunk (when include_usage) and [DONE]
 *   in one write;
 * - `x-bench-bytes: N`: a stream of ~N bytes of 4 KB content events, written as fast as the reader
 *   takes them (backpressure honoured), for the memory check.
 */

const MODEL = 'gpt-4o-mini-2024-07-18';
const ID = 'chatcmpl-BENCH0123456789abcdefghijkl';
const CREATED = 1_760_000_000;
const USAGE = {
  prompt_tokens: 1843,
  completion_tokens: 212,
  total_tokens: 2055,
  prompt_tokens_details: { cached_tokens: 1536, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const TEXT =
  'Tollgate sits between your application and the model provider. It forwards each request unchanged, ' +
  'reads the token usage the provider reports, prices it with the per-model table, and charges the ' +
  "caller's quota atomically. When a quota is used up, the caller gets the same 429 insufficient_quota " +
  'error the provider itself would send, so existing retry logic keeps working without changes at all.';

const CHAT_BODY = Buffer.from(
  JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: TEXT, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_bench01',
  }),
);

function frame(choices: unknown[], usage: unknown, includeUsage: boolean): string {
  const chunk = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, service_tier: 'default', system_fingerprint: 'fp_bench01', choices };
  return `data: ${JSON.stringify(includeUsage ? { ...chunk, usage } : chunk)}\n\n`;
}

const WORDS = TEXT.split(/(?= )/);
const content = (i: number, usage: boolean) => frame([{ index: 0, delta: { content: WORDS[i % WORDS.length] }, logprobs: null, finish_reason: null }], null, usage);
const ROLE = (usage: boolean) => frame([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], null, usage);
const TAIL = (usage: boolean) =>
  frame([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], null, usage) + (usage ? frame([], USAGE, true) : '') + 'data: [DONE]\n\n';
const BIG_EVENT = Buffer.from(frame([{ index: 0, delta: { content: 'x'.repeat(4000) }, logprobs: null, finish_reason: null }], null, true));

let requests = 0;
let open = 0;
let maxOpen = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    requests++;
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
      return;
    }
    common(res);
    if (!/"stream"\s*:\s*true/.test(body)) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': CHAT_BODY.length }).end(CHAT_BODY);
      return;
    }
    const includeUsage = /"include_usage"\s*:\s*true/.test(body);
    open++;
    maxOpen = Math.max(maxOpen, open);
    const done = () => open--;
    const big = Number(req.headers['x-bench-bytes'] ?? 0);
    const run = big > 0 ? bigStream(res, big, includeUsage) : paced(req, res, includeUsage);
    run.catch(() => res.destroy()).finally(done);
  });
});

function common(res: ServerResponse): void {
  res.setHeader('x-request-id', `req_${(requests * 2654435761 >>> 0).toString(16)}`);
  res.setHeader('openai-processing-ms', '311');
  res.setHeader('openai-version', '2020-10-01');
  res.setHeader('x-ratelimit-remaining-requests', '9999');
  res.setHeader('x-ratelimit-remaining-tokens', '29999000');
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
}

async function paced(req: IncomingMessage, res: ServerResponse, usage: boolean): Promise<void> {
  const gap = Number(req.headers['x-bench-gap-ms'] ?? 20);
  const chunks = Number(req.headers['x-bench-chunks'] ?? 10);
  let gone = false;
  res.once('close', () => (gone = true));
  sse(res);
  res.write(ROLE(usage));
  for (let i = 0; i < chunks && !gone; i++) {
    await sleep(gap);
    res.write(content(i, usage));
  }
  if (gone) return;
  await sleep(gap);
  res.end(TAIL(usage));
}

async function bigStream(res: ServerResponse, bytes: number, usage: boolean): Promise<void> {
  sse(res);
  res.write(ROLE(usage));
  let sent = 0;
  while (sent < bytes) {
    if (res.destroyed) return;
    sent += BIG_EVENT.length;
    if (!res.write(BIG_EVENT)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          res.off('drain', go);
          res.off('close', go);
          resolve();
        };
        res.on('drain', go);
        res.on('close', go);
      });
    }
  }
  res.end(TAIL(usage));
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});

serveChildProtocol(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  () => {
    const out = { requests, open, maxOpen };
    maxOpen = open; // reset per query: the next reading covers the next phase
    return out;
  },
);
