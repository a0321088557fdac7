import { TollgateError } from '../errors.ts';
import type { Endpoint } from '../usage/types.ts';
import { needsIncludeUsage } from './endpoints.ts';

/**
 * Pure preparation of a metered request body: parse, validate what metering needs (a model),
 * and decide whether to inject `stream_options.include_usage`. No I/O.
 */

export interface PreparedRequest {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** True when Tollgate added include_usage; the usage chunk must then be removed from the reply. */
  injectedUsage: boolean;
  /** Bytes to send upstream: the original bytes unless the body was changed. */
  forwardBody: Buffer;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function prepareRequest(endpoint: Endpoint, raw: Buffer): PreparedRequest {
  let body: unknown;
  try {
    // fatal: invalid UTF-8 is an error here, not silently replaced with U+FFFD and forwarded.
    body = JSON.parse(UTF8.decode(raw));
  } catch (err) {
    throw new TollgateError(
      'TG_INVALID_JSON',
      `We could not parse the JSON body of your request. (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TollgateError('TG_INVALID_REQUEST', 'The request body must be a JSON object.');
  }
  const obj = body as Record<string, unknown>;
  const model = obj['model'];
  if (typeof model !== 'string' || model.trim() === '') {
    throw new TollgateError('TG_MISSING_MODEL', "You must provide a model parameter.", { param: 'model' });
  }
  const stream = obj['stream'] === true && endpoint !== 'embeddings';
  let injectedUsage = false;
  if (stream && needsIncludeUsage(endpoint)) {
    const so = obj['stream_options'];
    const options = so !== null && typeof so === 'object' && !Array.isArray(so) ? (so as Record<string, unknown>) : {};
    if (options['include_usage'] !== true) {
      obj['stream_options'] = { ...options, include_usage: true };
      injectedUsage = true;
    }
  }
  return {
    body: obj,
    model,
    stream,
    injectedUsage,
    forwardBody: injectedUsage ? Buffer.from(JSON.stringify(obj)) : raw,
  };
}
