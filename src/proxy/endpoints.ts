import type { Endpoint } from '../usage/types.ts';

/**
 * Which requests are metered. Everything else under /v1 (models, files, batches, stored
 * responses by id, ...) is forwarded authenticated and uncharged.
 */
const METERED: ReadonlyMap<string, Endpoint> = new Map([
  ['/v1/chat/completions', 'chat.completions'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
  ['/v1/responses', 'responses'],
]);

export function meteredEndpoint(method: string, url: string): Endpoint | null {
  if (method !== 'POST') return null;
  const q = url.indexOf('?');
  let path = canonicalPath(q >= 0 ? url.slice(0, q) : url);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return METERED.get(path) ?? null;
}

/**
 * The path as an upstream may route it. The proxy resolves "." segments (also %2e) with URL rules,
 * and upstream servers commonly decode %XX, merge slashes or ignore case before routing; any
 * spelling that can land on a metered route must be metered, or it is a way around the quota.
 */
function canonicalPath(raw: string): string {
  let path = raw;
  try {
    path = decodeURIComponent(path);
  } catch {
    // malformed escapes: the proxy refuses the request (400) before forwarding it
  }
  path = path.replace(/[\\/]+/g, '/');
  try {
    path = new URL(path, 'http://tollgate.invalid').pathname;
  } catch {
    // unparseable: left as it is; the proxy refuses what it cannot resolve
  }
  return path.toLowerCase();
}

/** Endpoints whose streams carry usage only when asked with stream_options.include_usage. */
export function needsIncludeUsage(endpoint: Endpoint): boolean {
  return endpoint === 'chat.completions' || endpoint === 'completions';
}
