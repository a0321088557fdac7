import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI upstream on 127.0.0.1 that speaks OpenAI's shapes: JSON and SSE for chat and
 * legacy completions (usage chunk only with include_usage), embeddings, and Responses API event
 * streams. A request steers it with headers:
 *   x-fake-scenario: cut-before-usage | error-mid-stream | error-500 | error-400 | no-usage | reset-mid-stream | hang | huge-line | big-json | linger-after-done
 *   x-fake-usage:    JSON usage object to report instead of the default
 *   x-fake-delay-ms: pause between stream chunks
 * Every request received is recorded for assertions.
 */

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Set when the connection closed: whether the whole response had been written by then. */
  closed?: { finished: boolean; at: number };
}

export interface FakeUpstream {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export const DEFAULT_CHAT_USAGE = {
  prompt_tokens: 2048,
  completion_tokens: 300,
  total_tokens: 2348,
  prompt_tokens_details: { cached_tokens: 1792, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

export const DEFAULT_RESPONSES_USAGE = {
  input_tokens: 3000,
  input_tokens_details: { cached_tokens: 2048 },
  output_tokens: 500,
  output_tokens_details: { reasoning_tokens: 320 },
  total_tokens: 3500,
};

export const STREAM_WORDS = ['Hello', ' there', ',', ' how', ' can', ' I', ' help', '?'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(record);
      res.on('close', () => {
        record.closed = { finished: res.writableFinished, at: Date.now() };
      });
      handle(req, res, body).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const scenario = String(req.headers['x-fake-scenario'] ?? '');
  const delay = Number(req.headers['x-fake-delay-ms'] ?? 0);
  const usageOverride = req.headers['x-fake-usage'] ? (JSON.parse(String(req.headers['x-fake-usage'])) as unknown) : undefined;
  const path = (req.url ?? '').split('?')[0];
  res.setHeader('x-request-id', `req_upstream_${Math.random().toString(36).slice(2)}`);
  res.setHeader('openai-processing-ms', '42');
  res.setHeader('x-ratelimit-remaining-requests', '9999');

  if (req.method === 'GET' && path === '/v1/models') {
    return json(res, 200, { object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: 1, owned_by: 'openai' }] });
  }
  if (scenario === 'hang') {
    await sleep(delay || 60_000);
    if (res.destroyed) return;
  }
  if (scenario === 'error-500') return json(res, 500, { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } });
  if (scenario === 'error-400') return json(res, 400, { error: { message: 'Bad thing', type: 'invalid_request_error', param: 'messages', code: null } });

  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return json(res, 400, { error: { message: 'invalid json', type: 'invalid_request_error', param: null, code: null } });
  }
  const model = String(body['model'] ?? 'gpt-4o');
  const served = model.match(/-\d{4}-\d{2}-\d{2}$/) ? model : `${model}-2024-08-06`;
  const created = 1_700_000_000;

  if (path === '/v1/embeddings') {
    const usage = usageOverride ?? { prompt_tokens: 8, total_tokens: 8 };
    // scenario big-json: a ~300 kB body, larger than the smallest whole-body metering limit
    const dims = scenario === 'big-json' ? 30_000 : 3;
    const embedding = Array.from({ length: dims }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);
    return json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model: served, usage });
  }

  if (path === '/v1/chat/completions' || path === '/v1/completions') {
    const chat = path === '/v1/chat/completions';
    const usage = scenario === 'no-usage' ? undefined : (usageOverride ?? DEFAULT_CHAT_USAGE);
    const id = chat ? 'chatcmpl-fake123' : 'cmpl-fake123';
    const object = chat ? 'chat.completion' : 'text_completion';
    if (body['stream'] !== true) {
      const choice = chat
        ? { index: 0, message: { role: 'assistant', content: STREAM_WORDS.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }
        : { index: 0, text: STREAM_WORDS.join(''), logprobs: null, finish_reason: 'stop' };
      return json(res, 200, { id, object, created, model: served, choices: [choice], ...(usage ? { usage } : {}), system_fingerprint: 'fp_fake' });
    }
    const includeUsage = (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
    sse(res);
    const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion';
    const frame = (choices: unknown[], u: unknown) =>
      `data: ${JSON.stringify({ id, object: chunkObject, created, model: served, system_fingerprint: 'fp_fake', choices, ...(includeUsage ? { usage: u } : {}) })}\n\n`;
    if (chat) res.write(frame([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], null));
    for (let i = 0; i < STREAM_WORDS.length; i++) {
      if (delay) await sleep(delay);
      const w = STREAM_WORDS[i];
      res.write(frame([chat ? { index: 0, delta: { content: w }, logprobs: null, finish_reason: null } : { index: 0, text: w, logprobs: null, finish_reason: null }], null));
      if (scenario === 'error-mid-stream' && i === 3) {
        res.write(`data: ${JSON.stringify({ error: { message: 'The model crashed', type: 'server_error', param: null, code: null } })}\n\n`);
        return void res.end();
      }
      if (scenario === 'reset-mid-stream' && i === 3) return void res.destroy();
    }
    res.write(frame([chat ? { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' } : { index: 0, text: '', logprobs: null, finish_reason: 'stop' }], null));
    if (scenario === 'cut-before-usage') return void res.end();
    if (scenario === 'huge-line') res.write(`data: {"pad":"${'x'.repeat(10 * 1024 * 1024)}"}\n\n`);
    if (includeUsage && usage) res.write(frame([], usage));
    res.write('data: [DONE]\n\n');
    if (scenario === 'linger-after-done') return; // never closes the response
    return void res.end();
  }

  if (path === '/v1/responses') {
    const usage = scenario === 'no-usage' ? null : (usageOverride ?? DEFAULT_RESPONSES_USAGE);
    const response = (status: string, u: unknown, text: string) => ({
      id: 'resp_fake123',
      object: 'response',
      created_at: created,
      status,
      model: served,
      output: text
        ? [{ type: 'message', id: 'msg_fake', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }]
        : [],
      usage: u,
    });
    if (body['stream'] !== true) return json(res, 200, response('completed', usage, STREAM_WORDS.join('')));
    sse(res);
    let seq = 0;
    const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
    res.write(event('response.created', { response: response('in_progress', null, '') }));
    for (let i = 0; i < STREAM_WORDS.length; i++) {
      if (delay) await sleep(delay);
      res.write(event('response.output_text.delta', { item_id: 'msg_fake', output_index: 0, content_index: 0, delta: STREAM_WORDS[i] }));
      if (scenario === 'reset-mid-stream' && i === 3) return void res.destroy();
    }
    if (scenario === 'cut-before-usage') return void res.end();
    res.write(event('response.completed', { response: response('completed', usage, STREAM_WORDS.join('')) }));
    return void res.end();
  }
  return json(res, 404, { error: { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error', param: null, code: null } });
}

function json(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}
