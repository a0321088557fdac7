import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { inject } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';

/** Helpers shared by the admin API tests: the stores to run on, and a small HTTP client. */

export const ADMIN_TOKEN = `admin-${'a'.repeat(30)}`;
export const OTHER_ADMIN_TOKEN = `second-admin-${'b'.repeat(30)}`;
export const ADMIN_ENV = { TOLLGATE_ADMIN_TOKENS: `${ADMIN_TOKEN},${OTHER_ADMIN_TOKEN}` };

export interface StoreCase {
  name: 'sqlite' | 'mongo';
  open(): Promise<Store>;
}

/**
 * SQLite always; MongoDB when vitest's globalSetup (test/global-setup.ts) provides `mongoUri`.
 * Each case opens a fresh, empty store (a new database name on MongoDB).
 */
export function storeCases(): StoreCase[] {
  const cases: StoreCase[] = [
    {
      name: 'sqlite',
      async open() {
        const store = openSqliteStore({ path: ':memory:' });
        await store.init();
        return store;
      },
    },
  ];
  // Untyped on purpose: the key is declared by test/global-setup.ts, and is absent when that
  // globalSetup is not registered in vitest.config.ts.
  const mongoUri = (inject as (key: string) => unknown)('mongoUri');
  if (mongoUri !== undefined && typeof mongoUri !== 'string') throw new Error('mongoUri must be a string');
  if (mongoUri) {
    cases.push({
      name: 'mongo',
      async open() {
        const { openMongoStore } = await import('../../src/store/mongo.ts');
        const store = await openMongoStore({ uri: mongoUri, dbName: `tollgate_admin_${randomBytes(6).toString('hex')}` });
        await store.init();
        return store;
      },
    });
  }
  return cases;
}

export interface Answer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body, as the caller expects it to be (the assertions check it). */
  json: T;
}

export interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export async function call<T = ErrorJson>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
  const headers: Record<string, string> = { ...opts.headers };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${baseUrl}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  const text = await res.body.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json: json as T };
}

/** A metered chat completion through Tollgate; `usage` is what the fake upstream reports. */
export async function chat(baseUrl: string, key: string, opts: { model?: string; stream?: boolean; usage?: object } = {}): Promise<Answer<unknown>> {
  const body = { model: opts.model ?? 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...(opts.stream ? { stream: true } : {}) };
  return call<unknown>(baseUrl, 'POST', '/v1/chat/completions', {
    token: key,
    body,
    headers: opts.usage ? { 'x-fake-usage': JSON.stringify(opts.usage) } : {},
  });
}
