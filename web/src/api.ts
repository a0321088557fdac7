import type { EventView, GroupBy, KeyView, Period, UsageReport, UserView } from './types.ts';

/** A small client for the admin API (docs/admin-api.md); every call carries the admin token. */

export const API_BASE = '/admin/api';

export class ApiError extends Error {
  readonly status: number;
  /** Tollgate's stable error code (x-tollgate-error), when it sent one. */
  readonly code: string | null;
  constructor(status: number, code: string | null, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface QuotaPatch {
  limitUsd?: string | null;
  period?: Period;
  enforce?: boolean;
}

export interface UsageParams {
  from?: string;
  to?: string;
  groupBy: GroupBy;
  userId?: string;
}

export interface EventPage {
  events: EventView[];
  next: string | null;
}

export type Api = ReturnType<typeof createApi>;

/**
 * `onUnauthorized` runs when the server refuses the token (revoked or rotated while the page was
 * open), so the page can go back to the sign-in form.
 */
export function createApi(token: string, onUnauthorized: () => void = () => {}) {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(API_BASE + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, null, 'Tollgate could not be reached. Check the connection and try again.');
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: reported below */
    }
    if (!res.ok) {
      const message = (json as { error?: { message?: string } } | null)?.error?.message ?? `Request failed (${res.status}).`;
      const err = new ApiError(res.status, res.headers.get('x-tollgate-error'), message);
      if (res.status === 401) onUnauthorized();
      throw err;
    }
    return json as T;
  }

  const id = encodeURIComponent;
  return {
    listUsers: () => request<{ users: UserView[] }>('GET', '/users').then((r) => r.users),
    getUser: (userId: string) => request<UserView>('GET', `/users/${id(userId)}`),
    createUser: (name: string, quota: QuotaPatch) => request<UserView>('POST', '/users', { name, quota }),
    updateUser: (userId: string, patch: { name?: string; quota?: QuotaPatch; disabled?: boolean }) =>
      request<UserView>('PATCH', `/users/${id(userId)}`, patch),
    deleteUser: (userId: string) => request<void>('DELETE', `/users/${id(userId)}`),
    listKeys: (userId: string) => request<{ keys: KeyView[] }>('GET', `/users/${id(userId)}/keys`).then((r) => r.keys),
    createKey: (userId: string, label: string) =>
      request<{ key: KeyView; secret: string }>('POST', `/users/${id(userId)}/keys`, label ? { label } : {}),
    revokeKey: (keyId: string) => request<void>('POST', `/keys/${id(keyId)}/revoke`),
    events: (userId: string, limit: number, before: string | null) =>
      request<EventPage>('GET', `/users/${id(userId)}/events?${new URLSearchParams({ limit: String(limit), ...(before ? { before } : {}) })}`),
    usage: (p: UsageParams) => {
      const q = new URLSearchParams({ groupBy: p.groupBy });
      if (p.from) q.set('from', p.from);
      if (p.to) q.set('to', p.to);
      if (p.userId) q.set('userId', p.userId);
      return request<UsageReport>('GET', `/usage?${q}`);
    },
  };
}
