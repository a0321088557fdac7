/**
 * The error catalogue. Every error Tollgate answers with has a stable code (TG_*), an HTTP status
 * and OpenAI's error `type` and `code`, and is sent in OpenAI's shape
 * `{"error": {"message", "type", "param", "code"}}` so SDKs handle it as they would OpenAI's own.
 * The stable code is also sent in the `x-tollgate-error` header.
 */

interface ErrorSpec {
  status: number;
  type: string;
  /** OpenAI's `code` field; null where OpenAI sends none. */
  openaiCode: string | null;
}

export const ERRORS = {
  TG_INVALID_API_KEY: { status: 401, type: 'invalid_request_error', openaiCode: 'invalid_api_key' },
  TG_USER_DISABLED: { status: 403, type: 'invalid_request_error', openaiCode: 'account_deactivated' },
  TG_INSUFFICIENT_QUOTA: { status: 429, type: 'insufficient_quota', openaiCode: 'insufficient_quota' },
  TG_INVALID_JSON: { status: 400, type: 'invalid_request_error', openaiCode: 'invalid_json' },
  TG_INVALID_REQUEST: { status: 400, type: 'invalid_request_error', openaiCode: 'invalid_request' },
  TG_MISSING_MODEL: { status: 400, type: 'invalid_request_error', openaiCode: 'missing_required_parameter' },
  TG_UNKNOWN_MODEL: { status: 400, type: 'invalid_request_error', openaiCode: 'model_not_found' },
  TG_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error', openaiCode: 'unsupported_media_type' },
  TG_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', openaiCode: 'request_too_large' },
  TG_NOT_FOUND: { status: 404, type: 'invalid_request_error', openaiCode: 'unknown_url' },
  TG_METHOD_NOT_ALLOWED: { status: 405, type: 'invalid_request_error', openaiCode: 'method_not_allowed' },
  TG_ADMIN_UNAUTHORIZED: { status: 401, type: 'invalid_request_error', openaiCode: 'invalid_admin_token' },
  TG_TOO_MANY_AUTH_FAILURES: { status: 429, type: 'requests', openaiCode: 'rate_limit_exceeded' },
  TG_CONFLICT: { status: 409, type: 'invalid_request_error', openaiCode: 'conflict' },
  TG_USER_NOT_FOUND: { status: 404, type: 'invalid_request_error', openaiCode: 'user_not_found' },
  TG_KEY_NOT_FOUND: { status: 404, type: 'invalid_request_error', openaiCode: 'key_not_found' },
  TG_UPSTREAM_UNAVAILABLE: { status: 502, type: 'server_error', openaiCode: 'upstream_unavailable' },
  TG_UPSTREAM_TIMEOUT: { status: 504, type: 'server_error', openaiCode: 'upstream_timeout' },
  TG_STORE_UNAVAILABLE: { status: 503, type: 'server_error', openaiCode: 'service_unavailable' },
  TG_SHUTTING_DOWN: { status: 503, type: 'server_error', openaiCode: 'service_unavailable' },
  TG_INTERNAL: { status: 500, type: 'server_error', openaiCode: 'internal_error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  /** Extra response headers (e.g. x-should-retry on the quota 429). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: { param?: string | null; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TollgateError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    const spec = ERRORS[this.code];
    return { error: { message: this.message, type: spec.type, param: this.param, code: spec.openaiCode } };
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The quota 429 exactly as OpenAI sends it, plus the header that stops SDK retries. */
export function insufficientQuota(): TollgateError {
  return new TollgateError(
    'TG_INSUFFICIENT_QUOTA',
    'You exceeded your current quota, please check your plan and billing details.',
    { headers: { 'x-should-retry': 'false' } },
  );
}

export function invalidApiKey(detail: string): TollgateError {
  return new TollgateError('TG_INVALID_API_KEY', detail);
}
