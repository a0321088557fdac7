import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { hashApiKey } from '../src/keys.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';

let dir: string;
let dbPath: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  dbPath = join(dir, 'db', 'tollgate.db');
  process.env['TOLLGATE_DATABASE_PATH'] = dbPath;
  delete process.env['MONGODB_URI'];
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(args, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('admin CLI', () => {
  it('creates a user with a quota, a key that authenticates, sets the quota and revokes the key', async () => {
    const created = await cli('user', 'create', 'alice', '--limit', '25', '--period', 'week');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ name: 'alice', limitUsd: '25.00', period: 'week', enforce: true, spendThisPeriodUsd: '0.00' });

    const key = await cli('key', 'create', 'alice', '--label', 'laptop');
    const secret = /key:\s+(tg-\S+)/.exec(key.out)?.[1];
    const keyId = /key id:\s+(key_\S+)/.exec(key.out)?.[1];
    expect(secret).toBeDefined();

    const store = openSqliteStore({ path: dbPath });
    await store.init();
    const found = await store.findKeyByHash(hashApiKey(secret as string));
    expect(found?.user.name).toBe('alice');
    expect(found?.key.label).toBe('laptop');
    // only the hash is stored
    expect(JSON.stringify(found)).not.toContain(secret);

    const quota = await cli('quota', 'set', 'alice', '--limit', '0.5', '--period', 'day', '--enforce', 'off');
    expect(JSON.parse(quota.out)).toMatchObject({ limitUsd: '0.50', period: 'day', enforce: false });

    expect((await cli('key', 'revoke', keyId as string)).code).toBe(0);
    expect((await store.findKeyByHash(hashApiKey(secret as string)))?.key.revokedAt).not.toBeNull();

    const shown = JSON.parse((await cli('user', 'show', 'alice')).out) as Record<string, unknown>;
    expect(shown).toMatchObject({ name: 'alice', spendThisPeriodUsd: '0.00', remainingUsd: '0.50' });
    expect(typeof shown['periodEnd']).toBe('string');
    await store.close();
  });

  it('rejects bad input with a message saying what to fix', async () => {
    await cli('user', 'create', 'bob');
    await expect(cli('user', 'create', 'bob')).rejects.toThrow(/exists already/);
    await expect(cli('quota', 'set', 'bob', '--period', 'year')).rejects.toThrow(/--period must be one of/);
    await expect(cli('quota', 'set', 'bob', '--limit', '-3')).rejects.toThrow(/--limit/);
    await expect(cli('key', 'create', 'nobody')).rejects.toThrow(/no user named "nobody"/);
  });
});
