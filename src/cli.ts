import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { generateApiKey, newId } from './keys.ts';
import { createLogger } from './logger.ts';
import { formatUsd, parseUsd } from './money.ts';
import { currentSpend, periodEnd, remaining } from './quota.ts';
import { openStore } from './store/open.ts';
import type { Quota, QuotaPeriod, Store, User } from './store/types.ts';

/**
 * The admin CLI: enough to set Tollgate up from a shell. It opens the same store the server uses
 * (same environment variables), so it can run beside a live server.
 */

const USAGE = `Usage: npm run admin -- <command>

  user create <name> [--limit USD] [--period day|week|month|lifetime] [--no-enforce]
  user list
  user show <name>
  quota set <name> [--limit USD|none] [--period P] [--enforce on|off]
  key create <user-name> [--label TEXT]       prints the key once; only its hash is stored
  key list <user-name>
  key revoke <key-id>
  migrate                                     creates tables/indexes; on MongoDB also adopts existing users
`;

const PERIODS: readonly QuotaPeriod[] = ['day', 'week', 'month', 'lifetime'];

class UsageError extends Error {}

function parsePeriod(v: string | undefined, fallback: QuotaPeriod): QuotaPeriod {
  if (v === undefined) return fallback;
  if (!(PERIODS as string[]).includes(v)) throw new UsageError(`--period must be one of ${PERIODS.join(', ')}, got "${v}"`);
  return v as QuotaPeriod;
}

function parseLimit(v: string | undefined, fallback: number | null): number | null {
  if (v === undefined) return fallback;
  if (v === 'none') return null;
  try {
    return parseUsd(v);
  } catch (err) {
    throw new UsageError(`--limit: ${(err as Error).message}`);
  }
}

async function requireUser(store: Store, name: string | undefined): Promise<User> {
  if (!name) throw new UsageError('a user name is required');
  const user = await store.getUserByName(name);
  if (!user) throw new UsageError(`no user named "${name}"`);
  return user;
}

function describeUser(user: User, now: number): Record<string, unknown> {
  const end = periodEnd(user.quota.period, now);
  const left = remaining(user, now);
  return {
    id: user.id,
    name: user.name,
    disabled: user.disabled,
    limitUsd: user.quota.limitNano === null ? 'none' : formatUsd(user.quota.limitNano),
    period: user.quota.period,
    enforce: user.quota.enforce,
    spendThisPeriodUsd: formatUsd(currentSpend(user, now)),
    remainingUsd: left === null ? 'unlimited' : formatUsd(left),
    periodEnd: end === null ? null : new Date(end).toISOString(),
  };
}

export async function runCli(argv: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      period: { type: 'string' },
      enforce: { type: 'string' },
      'no-enforce': { type: 'boolean' },
      label: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, arg] = positionals;
  if (values.help || !group) {
    out(USAGE);
    return group ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger('warn');
  const store = await openStore(config, log);
  const now = Date.now();
  try {
    const command = action ? `${group} ${action}` : group;
    switch (command) {
      case 'user create': {
        if (!arg) throw new UsageError('user create needs a name');
        if (await store.getUserByName(arg)) throw new UsageError(`a user named "${arg}" exists already`);
        const quota: Quota = { limitNano: parseLimit(values.limit, null), period: parsePeriod(values.period, 'month'), enforce: !values['no-enforce'] };
        const user = await store.createUser({ id: newId('usr'), name: arg, quota, createdAt: now });
        out(JSON.stringify(describeUser(user, now), null, 2));
        return 0;
      }
      case 'user list':
        for (const user of await store.listUsers()) out(JSON.stringify(describeUser(user, now)));
        return 0;
      case 'user show':
        out(JSON.stringify(describeUser(await requireUser(store, arg), now), null, 2));
        return 0;
      case 'quota set': {
        const user = await requireUser(store, arg);
        if (values.enforce !== undefined && values.enforce !== 'on' && values.enforce !== 'off') {
          throw new UsageError('--enforce must be on or off');
        }
        const quota: Quota = {
          limitNano: parseLimit(values.limit, user.quota.limitNano),
          period: parsePeriod(values.period, user.quota.period),
          enforce: values.enforce === undefined ? user.quota.enforce : values.enforce === 'on',
        };
        const updated = await store.updateUser(user.id, { quota }, now);
        out(JSON.stringify(describeUser(updated as User, now), null, 2));
        return 0;
      }
      case 'key create': {
        const user = await requireUser(store, arg);
        const { secret, hash, prefix } = generateApiKey();
        const id = newId('key');
        await store.createKey({ id, userId: user.id, hash, prefix, label: values.label ?? '', createdAt: now, lastUsedAt: null, revokedAt: null });
        out(`key id: ${id}\nkey:    ${secret}\nThis is the only time the key is shown; store it now.`);
        return 0;
      }
      case 'key list': {
        const user = await requireUser(store, arg);
        for (const k of await store.listKeys(user.id)) {
          out(JSON.stringify({ id: k.id, prefix: k.prefix, label: k.label, createdAt: new Date(k.createdAt).toISOString(), revoked: k.revokedAt !== null }));
        }
        return 0;
      }
      case 'key revoke': {
        if (!arg) throw new UsageError('key revoke needs a key id');
        if (!(await store.revokeKey(arg, now))) throw new UsageError(`no key with id "${arg}"`);
        out(`revoked ${arg}`);
        return 0;
      }
      case 'migrate': {
        if (store.kind === 'mongo' && config.mongodbUri) {
          const { migrate } = await import('./store/migrate.ts');
          out(JSON.stringify(await migrate(config.mongodbUri, { dbName: config.mongodbDatabase }), null, 2));
        } else {
          out(`embedded store at ${config.databasePath} is up to date`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  runCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`))
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      if (err instanceof UsageError) process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
      else if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    });
}
