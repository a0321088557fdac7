import type { IncomingHttpHeaders } from 'node:http';

/**
 * Header rules between caller, Tollgate and upstream. The caller's credentials never reach the
 * upstream; hop-by-hop headers never cross the proxy; everything else passes untouched so the
 * caller sees x-request-id, openai-processing-ms, x-ratelimit-* as it would directly.
 */

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate'];
const CALLER_CREDENTIALS = ['authorization', 'api-key', 'x-api-key', 'cookie'];

export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  opts: { upstreamApiKey: string | undefined; metered: boolean },
): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  for (const h of CALLER_CREDENTIALS) delete out[h];
  if (opts.upstreamApiKey) out['authorization'] = `Bearer ${opts.upstreamApiKey}`;
  // The meter reads the body as it passes, so metered responses must not be compressed.
  if (opts.metered) out['accept-encoding'] = 'identity';
  return out;
}

export function downstreamResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
  opts: { bodyRewritten: boolean },
): Record<string, string | string[] | undefined> {
  const out = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  if (opts.bodyRewritten) delete out['content-length'];
  return out;
}
