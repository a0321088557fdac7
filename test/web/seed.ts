import { generateApiKey, newId } from '../../src/keys.ts';
import type { Quota, Store, UsageEvent, User } from '../../src/store/types.ts';

/**
 * Users at known utilisations for the admin page tests, charged through the store's own charge()
 * (the same path the proxy takes), so spend, rollups and events are all real.
 */

export const USD = 1_000_000_000;
const DAY_MS = 86_400_000;
/** Dollars as exact nano-dollars (the float product is rounded once, here). */
export const usd = (dollars: number) => Math.round(dollars * USD);

export interface SeedUser {
  name: string;
  quota: Quota;
  /** Charged now, in the current period. */
  spendNano: number;
  /** The level the utilisation bar must show. */
  level: 'ok' | 'warn' | 'critical' | 'off' | 'none';
  /** The text the utilisation cell must show. */
  text: string;
}

export const SEED_USERS: SeedUser[] = [
  { name: 'ada-lovelace', quota: { limitNano: usd(10), period: 'month', enforce: true }, spendNano: usd(3.2), level: 'ok', text: '32.0%' },
  { name: 'grace-hopper', quota: { limitNano: usd(10), period: 'month', enforce: true }, spendNano: usd(7.5), level: 'warn', text: '75.0%' },
  { name: 'alan-turing', quota: { limitNano: usd(10), period: 'month', enforce: true }, spendNano: usd(9.4), level: 'critical', text: '94.0%' },
  { name: 'edsger-dijkstra', quota: { limitNano: usd(10), period: 'week', enforce: false }, spendNano: usd(12), level: 'off', text: 'Off' },
  { name: 'barbara-liskov', quota: { limitNano: null, period: 'month', enforce: true }, spendNano: usd(1.23), level: 'none', text: 'No limit' },
  { name: 'ken-thompson', quota: { limitNano: usd(50), period: 'day', enforce: true }, spendNano: 0, level: 'ok', text: '0.0%' },
];

/** A lifetime-quota user whose spend is spread over the last days and several models: the chart. */
export const CHART_USER = { name: 'margaret-hamilton', quota: { limitNano: usd(100), period: 'lifetime', enforce: true } satisfies Quota };
export const CHART_MODELS = ['gpt-4o', 'gpt-4o-mini', 'o4-mini'];

export function usageEvent(user: User, keyId: string, createdAt: number, costNano: number, model = 'gpt-4o', tokens: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: newId('req'),
    userId: user.id,
    keyId,
    endpoint: 'chat.completions',
    requestedModel: model,
    servedModel: model,
    pricedModel: model,
    stream: false,
    inputTokens: 4000,
    cachedTokens: 1024,
    cacheWriteTokens: 0,
    outputTokens: 600,
    reasoningTokens: 0,
    costNano,
    savedNano: Math.round(costNano / 20),
    status: 200,
    estimated: false,
    flags: [],
    latencyMs: 420,
    upstreamRequestId: null,
    createdAt,
    ...tokens,
  };
}

async function addUser(store: Store, name: string, quota: Quota, createdAt: number): Promise<{ user: User; keyId: string; secret: string }> {
  const user = await store.createUser({ id: newId('usr'), name, quota, createdAt });
  const k = generateApiKey();
  const keyId = newId('key');
  await store.createKey({ id: keyId, userId: user.id, hash: k.hash, prefix: k.prefix, label: 'laptop', createdAt, lastUsedAt: null, revokedAt: null });
  return { user, keyId, secret: k.secret };
}

export interface Seeded {
  users: Map<string, User>;
  chartUser: User;
  chartUserKey: string;
}

export async function seed(store: Store, now = Date.now()): Promise<Seeded> {
  const users = new Map<string, User>();
  for (const s of SEED_USERS) {
    const { user, keyId } = await addUser(store, s.name, s.quota, now - 40 * DAY_MS);
    users.set(s.name, user);
    // Two charges, so the spend is a sum and the events list has more than one row.
    if (s.spendNano > 0) {
      const first = Math.round(s.spendNano / 3);
      await store.charge(usageEvent(user, keyId, now, first, 'gpt-4o'));
      await store.charge(usageEvent(user, keyId, now, s.spendNano - first, 'gpt-4o-mini'));
    }
  }
  const chart = await addUser(store, CHART_USER.name, CHART_USER.quota, now - 40 * DAY_MS);
  users.set(CHART_USER.name, chart.user);
  // 14 days of spend, each model with its own shape, so the stacking is visible.
  for (let d = 13; d >= 1; d--) {
    const at = now - d * DAY_MS;
    await store.charge(usageEvent(chart.user, chart.keyId, at, usd(0.6 + (d % 4) * 0.25), 'gpt-4o'));
    await store.charge(usageEvent(chart.user, chart.keyId, at, usd(0.2 + (d % 3) * 0.1), 'gpt-4o-mini'));
    if (d % 2 === 0) await store.charge(usageEvent(chart.user, chart.keyId, at, usd(0.45), 'o4-mini', { reasoningTokens: 300 }));
  }
  return { users, chartUser: chart.user, chartUserKey: chart.secret };
}
