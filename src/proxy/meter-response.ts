import { PassThrough, Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { Ledger } from '../ledger.ts';
import type { MeterObserver } from '../metrics.ts';
import { formatUsd } from '../money.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { remaining } from '../quota.ts';
import type { User, UsageEvent } from '../store/types.ts';
import { usageFromTail } from '../usage/chunk-json.ts';
import { readJsonResponse, usageFromJson } from '../usage/extract.ts';
import { createStreamMeter } from '../usage/stream-meter.ts';
import { buildUsageEvent, type MeterContext, type Observation } from '../metering/usage-event.ts';

/**
 * Watches a metered upstream response on its way to the client and settles its cost.
 *
 * Streams (SSE) pass through chunk by chunk as they arrive; the meter parses on the side. The chunk
 * that carries the stream's terminal event ([DONE] / response.completed) is held back until the
 * charge is written, so a client never holds a complete response whose charge could still be lost.
 * Non-stream bodies are read whole (they are bounded and arrive at once), charged, then sent with
 * the cost in a header. Every path settles exactly once: end, upstream error, or client gone.
 */

export interface MeterDeps {
  prices: PriceTable;
  ledger: Ledger;
  log: FastifyBaseLogger;
  maxSseEventBytes: number;
  maxJsonResponseBytes: number;
  now: () => number;
  observer?: MeterObserver;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  stream: Readable;
}

const MAX_TEXT_CHARS = 1 << 20;

export function meterResponse(reply: FastifyReply, res: UpstreamResponse, ctx: MeterContext, user: User, deps: MeterDeps): void {
  const contentType = String(res.headers['content-type'] ?? '');
  const upstreamRequestId = typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : null;
  if (res.statusCode < 300 && contentType.includes('text/event-stream') && ctx.endpoint !== 'embeddings') {
    // A stream's cost is known only at its end, after the headers: the budget as of admission.
    const left = remaining(user, ctx.startedAt);
    if (left !== null) reply.header('x-tollgate-remaining-usd', formatUsd(left));
    meterStream(reply, res, ctx, upstreamRequestId, deps);
  } else {
    meterWhole(reply, res, ctx, user, upstreamRequestId, deps);
  }
}

function settle(ctx: MeterContext, seen: Observation, deps: MeterDeps) {
  const event = buildUsageEvent(ctx, seen, deps.prices, deps.now());
  logMetered(deps.log, event);
  deps.observer?.usage(event);
  return deps.ledger.record(event).then((result) => ({ event, result }));
}

function meterStream(reply: FastifyReply, res: UpstreamResponse, ctx: MeterContext, upstreamRequestId: string | null, deps: MeterDeps): void {
  const meter = createStreamMeter(ctx.endpoint as 'chat.completions' | 'completions' | 'responses', {
    stripUsageChunk: ctx.injectedUsage,
    maxEventBytes: deps.maxSseEventBytes,
    maxTextChars: MAX_TEXT_CHARS,
  });
  const upstream = res.stream;
  let held: Uint8Array[] | null = null;
  let settled = false;
  let upstreamFailed = false;

  const out = new Readable({
    read() {
      if (upstream.isPaused()) upstream.resume();
    },
    destroy(err, cb) {
      // The client went away (or the response failed): stop the upstream at once, charge what was generated.
      if (!settled) {
        upstream.destroy();
        void finish(true);
      }
      // (destroy also runs after a normal end, autoDestroy: never touch the socket here, or the
      // keep-alive connection is reset before its last bytes are flushed.)
      cb(err);
    },
  });

  const finish = async (clientAborted: boolean) => {
    if (settled) return;
    settled = true;
    const { out: tail, result } = meter.end();
    const seen: Observation = {
      status: res.statusCode,
      usage: result.usage,
      clamped: result.clamped,
      servedModel: result.model,
      outputText: result.outputText,
      clientAborted,
      upstreamFailed: upstreamFailed || result.errored,
      truncated: !result.sawTerminal,
      upstreamRequestId,
    };
    try {
      await settle(ctx, seen, deps);
    } finally {
      if (!clientAborted && !out.destroyed) {
        for (const part of held ?? []) out.push(part);
        for (const part of tail) out.push(part);
        if (upstreamFailed && !result.sawTerminal) out.push(STREAM_ERROR_EVENT);
        out.push(null);
      }
    }
  };

  // After its terminal event a stream has nothing left to say. An upstream that does not close it
  // (or keeps sending) must not keep the held chunk, and the client, waiting: settle shortly after.
  let heldBytes = 0;
  const settleAfterTerminal = () => {
    if (settled) return;
    upstream.destroy();
    void finish(false);
  };
  upstream.on('data', (chunk: Buffer) => {
    const parts = meter.write(chunk);
    if (held) {
      held.push(...parts);
      heldBytes += chunk.length;
      if (heldBytes > MAX_AFTER_TERMINAL_BYTES) settleAfterTerminal();
      return;
    }
    if (meter.terminated) {
      held = parts;
      heldBytes = chunk.length;
      setTimeout(settleAfterTerminal, TERMINAL_GRACE_MS).unref();
      return;
    }
    let more = true;
    for (const part of parts) more = out.push(part) && more;
    if (!more) upstream.pause();
  });
  upstream.on('end', () => void finish(false));
  upstream.on('error', (err) => {
    upstreamFailed = true;
    deps.log.warn({ err, requestId: ctx.requestId }, 'upstream stream failed');
    void finish(out.destroyed);
  });

  if (ctx.injectedUsage) reply.removeHeader('content-length');
  reply.send(out);
}

const TERMINAL_GRACE_MS = 1_000;
const MAX_AFTER_TERMINAL_BYTES = 1 << 20;

/** Sent when the upstream breaks off a stream, so the client sees an error rather than a silent cut. */
const STREAM_ERROR_EVENT = Buffer.from(
  `data: ${JSON.stringify({ error: { message: 'The upstream connection failed during the stream.', type: 'server_error', param: null, code: 'upstream_unavailable' } })}\n\n`,
);

function meterWhole(reply: FastifyReply, res: UpstreamResponse, ctx: MeterContext, user: User, upstreamRequestId: string | null, deps: MeterDeps): void {
  const upstream = res.stream;
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  // Past maxJsonResponseBytes the body is streamed on as it comes instead of being held; its usage is
  // then read from the tail (usage is the last member of OpenAI's bodies), or estimated.
  let passthrough: PassThrough | null = null;
  let tail = '';

  // The client went away: stop the upstream at once; 'close' below settles what was generated.
  const onClientGone = () => {
    if (!upstream.readableEnded) upstream.destroy();
  };
  reply.raw.once('close', onClientGone);

  const observation = (body: Buffer | null, clientAborted: boolean): Observation => {
    let parsed = body ? readJsonResponse(ctx.endpoint, body) : { usage: null, clamped: false, model: null };
    if (!body && tail) {
      const raw = usageFromTail(tail);
      const fromTail = raw ? usageFromJson(ctx.endpoint, raw) : null;
      if (fromTail) parsed = { usage: fromTail.usage, clamped: fromTail.clamped, model: null };
    }
    return {
      status: res.statusCode,
      usage: parsed.usage,
      clamped: parsed.clamped,
      servedModel: parsed.model,
      outputText: body && !parsed.usage && res.statusCode < 300 ? textOf(body) : '',
      clientAborted,
      upstreamFailed: failed,
      truncated: false,
      upstreamRequestId,
    };
  };

  upstream.on('data', (chunk: Buffer) => {
    if (passthrough) {
      tail = (tail + chunk.toString('latin1')).slice(-TAIL_CHARS);
      if (!passthrough.write(chunk)) upstream.pause();
      return;
    }
    size += chunk.length;
    chunks.push(chunk);
    if (size > deps.maxJsonResponseBytes) {
      const pt = new PassThrough();
      pt.on('drain', () => upstream.resume());
      for (const c of chunks.splice(0)) pt.write(c);
      tail = chunk.toString('latin1').slice(-TAIL_CHARS);
      passthrough = pt;
      reply.send(pt);
    }
  });
  upstream.on('error', (err) => {
    failed = true;
    deps.log.warn({ err, requestId: ctx.requestId }, 'upstream response failed');
  });
  upstream.on('close', () => {
    reply.raw.off('close', onClientGone);
    const clientGone = reply.raw.destroyed && !reply.raw.writableFinished;
    if (passthrough) {
      const pt = passthrough;
      // The last bytes wait for the charge, as on streams.
      void settle(ctx, observation(null, clientGone), deps).finally(() => (failed ? pt.destroy() : pt.end()));
      return;
    }
    const body = Buffer.concat(chunks, size);
    settle(ctx, observation(failed ? null : body, clientGone), deps)
      .then(({ event, result }) => {
        reply.header('x-tollgate-cost-usd', formatUsd(event.costNano));
        if (result && user.quota.limitNano !== null) {
          reply.header('x-tollgate-remaining-usd', formatUsd(Math.max(0, user.quota.limitNano - result.spendNano)));
        }
      })
      .finally(() => {
        if (clientGone) return;
        if (failed) {
          reply.code(502).header('content-type', 'application/json').header('x-tollgate-error', 'TG_UPSTREAM_UNAVAILABLE');
          reply.removeHeader('content-length');
          reply.send({ error: { message: 'The upstream connection failed.', type: 'server_error', param: null, code: 'upstream_unavailable' } });
        } else {
          reply.send(body);
        }
      });
  });
}

const TAIL_CHARS = 64 * 1024;

/** Visible text of a non-stream response, for estimation when the upstream sent no usage. */
function textOf(body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as { choices?: { message?: { content?: unknown }; text?: unknown }[]; output_text?: unknown };
    const parts: string[] = [];
    for (const c of json.choices ?? []) {
      if (typeof c.message?.content === 'string') parts.push(c.message.content);
      if (typeof c.text === 'string') parts.push(c.text);
    }
    if (typeof json.output_text === 'string') parts.push(json.output_text);
    return parts.join('\n');
  } catch {
    return '';
  }
}

function logMetered(log: FastifyBaseLogger, e: UsageEvent): void {
  log.info(
    {
      requestId: e.requestId,
      user: e.userId,
      key: e.keyId,
      model: e.pricedModel,
      endpoint: e.endpoint,
      stream: e.stream,
      status: e.status,
      tokens: { input: e.inputTokens, cached: e.cachedTokens, cacheWrite: e.cacheWriteTokens, output: e.outputTokens, reasoning: e.reasoningTokens },
      costUsd: formatUsd(e.costNano),
      latencyMs: e.latencyMs,
      flags: e.flags.length ? e.flags : undefined,
    },
    'metered request',
  );
}
