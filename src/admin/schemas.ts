import Type, { type Static, type TSchema } from 'typebox';

/**
 * Wire schemas of the admin and self-service API: they validate requests, type the handlers and
 * generate the OpenAPI document. Money goes out twice, as an exact decimal string (`...Usd`) and as
 * integer nano-dollars (`...Nano`); times go out as ISO 8601 strings in UTC.
 */

const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
const Usd = (description: string) => Type.String({ description, examples: ['12.50'] });
const Nano = (description: string) => Type.Integer({ minimum: 0, description });
const Iso = (description: string) => Type.String({ format: 'date-time', description });

export const Period = Type.Enum(['day', 'week', 'month', 'lifetime'], {
  description: 'Calendar period in UTC: a week starts on Monday; lifetime never rolls over',
});
export const GroupBy = Type.Enum(['user', 'model', 'key', 'day']);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      message: Type.String(),
      type: Type.String(),
      param: Nullable(Type.String()),
      code: Nullable(Type.String()),
    }),
  },
  { description: "OpenAI's error shape; the stable Tollgate code is in the x-tollgate-error header" },
);

export const QuotaView = Type.Object({
  limitUsd: Nullable(Usd('Spend limit per period; null = no limit')),
  limitNano: Nullable(Nano('The limit in nano-dollars (1e-9 USD)')),
  period: Period,
  enforce: Type.Boolean({ description: 'When false, spend is tracked but requests are never refused' }),
});

export const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  disabled: Type.Boolean(),
  quota: QuotaView,
  spendUsd: Usd('Spend in the current period'),
  spendNano: Nano('Spend in the current period, in nano-dollars'),
  remainingUsd: Nullable(Usd('Budget left in the current period, never negative; null without a limit')),
  remainingNano: Nullable(Nano('Budget left, in nano-dollars')),
  utilization: Nullable(Type.Number({ description: 'Spend as a percentage of the limit, 1 decimal (may exceed 100); null without a limit' })),
  exhausted: Type.Boolean({ description: 'The current-period spend is at or over the limit' }),
  periodStart: Iso('Start of the current period (for lifetime: when the user was created)'),
  periodEnd: Nullable(Iso('End (exclusive) of the current period; null for lifetime')),
  createdAt: Iso('When the user was created'),
});
export type UserView = Static<typeof UserView>;

const LimitInput = Type.Union([Type.String({ maxLength: 40 }), Type.Number({ minimum: 0 }), Type.Null()], {
  description: 'USD per period as a decimal string ("12.50") or number, at most 9 decimals; null = no limit',
});

export const QuotaInput = Type.Object(
  { limitUsd: Type.Optional(LimitInput), period: Type.Optional(Period), enforce: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'Unique user name' });

export const CreateUserBody = Type.Object(
  { name: Name, quota: Type.Optional(QuotaInput) },
  { additionalProperties: false },
);

export const PatchUserBody = Type.Object(
  { name: Type.Optional(Name), quota: Type.Optional(QuotaInput), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, description: 'Only the fields given change; a partial quota is merged with the current one' },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const KeyView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  prefix: Type.String({ description: 'The first characters of the secret, for recognising it' }),
  label: Type.String(),
  createdAt: Iso('When the key was created'),
  lastUsedAt: Nullable(Iso('Last use, recorded at most once a minute')),
  revokedAt: Nullable(Iso('When the key was revoked; null while it works')),
});
export type KeyView = Static<typeof KeyView>;

export const CreateKeyBody = Type.Object(
  { label: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const CreatedKey = Type.Object({
  key: KeyView,
  secret: Type.String({ description: 'The API key itself. Shown only in this response: only its hash is stored' }),
});

const Tokens = {
  inputTokens: Type.Integer({ description: 'All input tokens = cached + uncached + cache write' }),
  cachedTokens: Type.Integer({ description: 'Input tokens read from the cache (cheaper rate)' }),
  uncachedTokens: Type.Integer({ description: 'Input tokens at the full input rate' }),
  cacheWriteTokens: Type.Integer({ description: 'Input tokens written to a cache (upstreams that bill them)' }),
  outputTokens: Type.Integer({ description: 'All output tokens, reasoning included' }),
  reasoningTokens: Type.Integer({ description: 'Hidden reasoning tokens, part of outputTokens' }),
  costUsd: Usd('Cost charged'),
  costNano: Nano('Cost charged, in nano-dollars'),
  savedUsd: Usd('What caching saved: cached tokens at the input rate minus at the cached rate'),
  savedNano: Nano('What caching saved, in nano-dollars'),
};

export const EventView = Type.Object({
  requestId: Type.String(),
  userId: Type.String(),
  keyId: Type.String(),
  endpoint: Type.String(),
  requestedModel: Type.String(),
  servedModel: Type.String(),
  pricedModel: Type.String(),
  stream: Type.Boolean(),
  ...Tokens,
  status: Type.Integer({ description: 'Upstream HTTP status (0 if it never answered)' }),
  estimated: Type.Boolean({ description: 'No usage came from the upstream: tokens were counted by Tollgate' }),
  flags: Type.Array(Type.String()),
  latencyMs: Type.Integer(),
  upstreamRequestId: Nullable(Type.String()),
  createdAt: Iso('When the request was settled'),
});
export type EventView = Static<typeof EventView>;

export const EventsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The `next` cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const EventPageView = Type.Object({
  events: Type.Array(EventView, { description: 'Newest first' }),
  next: Nullable(Type.String(), 'Cursor for the next (older) page; null at the end'),
});

export const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'ISO 8601 date or date-time; default: 30 days before `to`' })),
    to: Type.Optional(Type.String({ description: 'ISO 8601 date or date-time (exclusive); default: now' })),
    groupBy: Type.Optional(GroupBy),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only this user' })),
  },
  { additionalProperties: false },
);

export const UsageTotals = Type.Object({ requests: Type.Integer(), ...Tokens });
export type UsageTotals = Static<typeof UsageTotals>;

export const UsageRow = Type.Object({
  group: Type.String({ description: 'User id, priced model, key id, or day (YYYY-MM-DD, UTC)' }),
  requests: Type.Integer(),
  ...Tokens,
});
export type UsageRow = Static<typeof UsageRow>;

export const UsageReport = Type.Object({
  from: Iso('Start of the range, rounded down to the hour (reports read hourly rollups)'),
  to: Iso('End of the range (exclusive), rounded up to the hour'),
  groupBy: GroupBy,
  userId: Nullable(Type.String()),
  rows: Type.Array(UsageRow, { description: 'By day: oldest first; otherwise by cost, highest first' }),
  totals: UsageTotals,
});

export const MeView = Type.Object({
  user: Type.String({ description: 'Your user name' }),
  period: Period,
  limitUsd: Nullable(Usd('Your spend limit per period; null = no limit')),
  spendUsd: Usd('Your spend in the current period'),
  remainingUsd: Nullable(Usd('Budget left in the current period; null without a limit')),
  periodEnd: Nullable(Iso('When the current period ends; null for lifetime')),
  utilization: Nullable(Type.Number({ description: 'Spend as a percentage of the limit, 1 decimal' })),
  enforce: Type.Boolean({ description: 'Whether requests are refused once the limit is reached' }),
});
export type MeView = Static<typeof MeView>;

/** The error answers every admin route may give, for the OpenAPI document. */
export const adminErrors = { 400: ErrorBody, 401: ErrorBody };
