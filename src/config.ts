import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * Configuration: one schema, from which both validation and the TypeScript type derive, so the
 * two cannot drift. Values come from the environment (each field names its variable), are
 * validated once at start-up and frozen. A bad value fails fast naming the variable to fix.
 */

/** Node turns a timer delay above this into 1 ms (with only a warning), so no *_MS setting may exceed it. */
const MAX_TIMER_MS = 2_147_483_647;

const Env = <T extends Record<string, unknown>>(env: string, description: string, extra: T) => ({
  env,
  description,
  ...extra,
});

export const ConfigSchema = Type.Object({
  host: Type.String(Env('TOLLGATE_HOST', 'Address to listen on', { default: '127.0.0.1', minLength: 1 })),
  port: Type.Integer(Env('TOLLGATE_PORT', 'Port to listen on', { default: 8787, minimum: 0, maximum: 65535 })),
  upstreamUrl: Type.String(
    Env('TOLLGATE_UPSTREAM_URL', 'Base URL of the OpenAI-compatible upstream (without /v1)', {
      default: 'https://api.openai.com',
      pattern: '^https?://[^/?#]+(/[^?#]*)?$',
    }),
  ),
  upstreamApiKey: Type.Optional(
    Type.String(Env('TOLLGATE_UPSTREAM_API_KEY', 'API key sent to the upstream in place of the caller\'s key', { minLength: 1 })),
  ),
  upstreamHeadersTimeoutMs: Type.Integer(
    Env('TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS', 'How long to wait for the upstream to start answering (non-stream requests wait for the whole generation)', {
      default: 600_000,
      minimum: 1_000,
      maximum: MAX_TIMER_MS,
    }),
  ),
  upstreamBodyTimeoutMs: Type.Integer(
    Env('TOLLGATE_UPSTREAM_BODY_TIMEOUT_MS', 'Longest silence allowed between two chunks of an upstream response', {
      default: 300_000,
      minimum: 1_000,
      maximum: MAX_TIMER_MS,
    }),
  ),
  databasePath: Type.String(
    Env('TOLLGATE_DATABASE_PATH', 'SQLite file of the embedded store (used when MONGODB_URI is not set)', {
      default: './data/tollgate.db',
      minLength: 1,
    }),
  ),
  mongodbUri: Type.Optional(
    Type.String(Env('MONGODB_URI', 'MongoDB connection string; selects the MongoDB store', { pattern: '^mongodb(\\+srv)?://' })),
  ),
  mongodbDatabase: Type.String(Env('TOLLGATE_MONGODB_DATABASE', 'Database name on the MongoDB server', { default: 'tollgate', minLength: 1 })),
  pricesFile: Type.Optional(
    Type.String(Env('TOLLGATE_PRICES_FILE', 'Operator price file merged over config/prices.json', { minLength: 1 })),
  ),
  defaultPrice: Type.Optional(
    Type.String(
      Env('TOLLGATE_DEFAULT_PRICE', 'Rates for unknown models as "input/cached/output" USD per 1M tokens; unset = unknown models are rejected', {
        pattern: '^\\s*\\d+(\\.\\d+)?\\s*/\\s*\\d+(\\.\\d+)?\\s*/\\s*\\d+(\\.\\d+)?\\s*$',
      }),
    ),
  ),
  adminTokens: Type.Optional(
    Type.String(Env('TOLLGATE_ADMIN_TOKENS', 'Comma-separated admin API tokens (each at least 24 characters)', { minLength: 24 })),
  ),
  metricsEnabled: Type.Boolean(
    Env('TOLLGATE_METRICS_ENABLED', 'Serve Prometheus metrics on GET /metrics (unauthenticated: keep it off the public network)', { default: true }),
  ),
  corsOrigins: Type.Optional(
    Type.String(
      Env('TOLLGATE_CORS_ORIGINS', 'Comma-separated browser origins allowed to call Tollgate (e.g. https://app.example.com); unset = no CORS', {
        pattern: '^\\s*https?://[^,\\s/]+(\\s*,\\s*https?://[^,\\s/]+)*\\s*$',
      }),
    ),
  ),
  bodyLimitBytes: Type.Integer(
    Env('TOLLGATE_BODY_LIMIT_BYTES', 'Largest request body accepted (413 above)', { default: 32 * 1024 * 1024, minimum: 1024 }),
  ),
  maxSseEventBytes: Type.Integer(
    Env('TOLLGATE_MAX_SSE_EVENT_BYTES', 'Largest SSE event the meter parses; larger ones pass through unparsed', {
      default: 1024 * 1024,
      minimum: 4096,
    }),
  ),
  maxJsonResponseBytes: Type.Integer(
    Env('TOLLGATE_MAX_JSON_RESPONSE_BYTES', 'Largest non-stream response read whole to meter it before it is sent', {
      default: 64 * 1024 * 1024,
      minimum: 65536,
    }),
  ),
  spoolDir: Type.String(
    Env('TOLLGATE_SPOOL_DIR', 'Local directory where charges wait, durably, while the store is unavailable (one per instance)', {
      default: './data/spool',
      minLength: 1,
    }),
  ),
  chargeTimeoutMs: Type.Integer(
    Env('TOLLGATE_CHARGE_TIMEOUT_MS', 'How long a charge may take before it is spooled to disk instead', { default: 5_000, minimum: 100, maximum: MAX_TIMER_MS }),
  ),
  storeFailureMode: Type.Union([Type.Literal('closed'), Type.Literal('open')], Env('TOLLGATE_STORE_FAILURE_MODE', 'When the store is down: "closed" refuses requests with 503; "open" admits keys seen in the last 10 minutes on their last known quota', { default: 'closed' })),
  shutdownGraceMs: Type.Integer(
    Env('TOLLGATE_SHUTDOWN_GRACE_MS', 'On SIGTERM, how long open requests and streams may take to finish before they are cut', {
      default: 30_000,
      minimum: 0,
      maximum: MAX_TIMER_MS,
    }),
  ),
  retentionDays: Type.Integer(Env('TOLLGATE_RETENTION_DAYS', 'Days usage events are kept', { default: 40, minimum: 1 })),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    Env('TOLLGATE_LOG_LEVEL', 'pino log level', { default: 'info' }),
  ),
});

export type Config = Readonly<Static<typeof ConfigSchema>>;

export class ConfigError extends Error {
  readonly code = 'TG_CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

type FieldSchema = { env: string; description: string; default?: unknown };

function fields(): [string, FieldSchema][] {
  return Object.entries(ConfigSchema.properties as unknown as Record<string, FieldSchema>);
}

/** The documented variables, for docs/configuration.md and `--help`. */
export function describeConfig(): { env: string; description: string; default: unknown }[] {
  return fields().map(([, s]) => ({ env: s.env, description: s.description, default: s.default }));
}

/** Reads, validates and freezes the configuration. Unknown TOLLGATE_* variables are errors (typos). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const [key, schema] of fields()) {
    known.add(schema.env);
    const value = env[schema.env];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (name.startsWith('TOLLGATE_') && !known.has(name)) problems.push(`${name} is not a Tollgate setting (typo?)`);
  }
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(ConfigSchema, value)) {
    const key = error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    if (byPath.has(key)) continue; // one message per variable is enough
    const schema = (ConfigSchema.properties as unknown as Record<string, FieldSchema>)[key];
    const shown = schema ? `${schema.env}=${JSON.stringify((raw as Record<string, unknown>)[key])}` : key;
    byPath.set(key, `${shown}: ${error.message}${schema ? ` (${schema.description})` : ''}`);
  }
  problems.push(...byPath.values());
  if (problems.length > 0) throw new ConfigError(problems);
  const config = value as Static<typeof ConfigSchema>;
  if (/\/v1\/?$/.test(new URL(config.upstreamUrl).pathname)) {
    throw new ConfigError([
      `TOLLGATE_UPSTREAM_URL=${JSON.stringify(config.upstreamUrl)}: give the base URL without /v1 (Tollgate forwards /v1/... itself), e.g. https://api.openai.com`,
    ]);
  }
  if (config.adminTokens) {
    const short = config.adminTokens.split(',').filter((t) => t.trim().length < 24);
    if (short.length > 0) throw new ConfigError(['TOLLGATE_ADMIN_TOKENS: every token must be at least 24 characters']);
    // The admin API refuses anything shaped like a user key, so such a token could never work.
    if (config.adminTokens.split(',').some((t) => t.trim().startsWith('tg-'))) {
      throw new ConfigError(['TOLLGATE_ADMIN_TOKENS: a token must not start with "tg-" (the prefix of user keys)']);
    }
  }
  return Object.freeze(config);
}

export function adminTokenList(config: Config): string[] {
  return (config.adminTokens ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
