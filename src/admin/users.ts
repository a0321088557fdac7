import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { TollgateError } from '../errors.ts';
import { generateApiKey, newId } from '../keys.ts';
import type { Quota, Store, User, UserPatch } from '../store/types.ts';
import { adminErrors, CreatedKey, CreateKeyBody, CreateUserBody, ErrorBody, IdParams, KeyView, PatchUserBody, QuotaInput, UserView } from './schemas.ts';
import type { Static } from 'typebox';
import { parseLimit } from './validation.ts';
import { toKeyView, toUserView } from './views.ts';

export interface AdminRouteOptions {
  store: Store;
  now: () => number;
}

const NoContent = Type.Null({ description: 'No content' });
const notFound = { 404: ErrorBody };

/** Users and their keys: /admin/api/users..., /admin/api/keys/:id/revoke. */
export const userRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, { store, now }) => {
  async function requireUser(id: string): Promise<User> {
    const user = await store.getUser(id);
    if (!user) throw userNotFound(id);
    return user;
  }

  async function checkNameFree(name: string): Promise<void> {
    if (await store.getUserByName(name)) {
      throw new TollgateError('TG_CONFLICT', `A user named ${JSON.stringify(name)} exists already.`, { param: 'name' });
    }
  }

  async function update(id: string, patch: UserPatch): Promise<UserView> {
    const user = await store.updateUser(id, patch, now());
    if (!user) throw userNotFound(id);
    return toUserView(user, now());
  }

  const users = { tags: ['users'] };
  const keys = { tags: ['keys'] };

  app.get('/users', {
    schema: { ...users, summary: 'List users with their quota and spend this period', response: { 200: Type.Object({ users: Type.Array(UserView) }), ...adminErrors } },
  }, async () => {
    const t = now();
    const list = await store.listUsers();
    list.sort((a, b) => a.name.localeCompare(b.name));
    return { users: list.map((u) => toUserView(u, t)) };
  });

  app.post('/users', {
    schema: { ...users, summary: 'Create a user', body: CreateUserBody, response: { 201: UserView, ...adminErrors, 409: ErrorBody } },
  }, async (request, reply) => {
    const name = cleanName(request.body.name);
    const q = request.body.quota ?? {};
    const quota: Quota = {
      limitNano: parseLimit(q.limitUsd ?? null, 'quota.limitUsd'),
      period: q.period ?? 'month',
      enforce: q.enforce ?? true,
    };
    await checkNameFree(name);
    // The store's unique index still decides a race between two creates (TG_CONFLICT, 409).
    const user = await store.createUser({ id: newId('usr'), name, quota, createdAt: now() });
    return reply.code(201).send(toUserView(user, now()));
  });

  app.get('/users/:id', {
    schema: { ...users, summary: 'Get one user', params: IdParams, response: { 200: UserView, ...adminErrors, ...notFound } },
  }, async (request) => toUserView(await requireUser(request.params.id), now()));

  app.patch('/users/:id', {
    schema: {
      ...users,
      summary: 'Rename a user, change the quota (limit, period, enforcement) or disable/enable',
      params: IdParams,
      body: PatchUserBody,
      response: { 200: UserView, ...adminErrors, ...notFound, 409: ErrorBody },
    },
  }, async (request) => {
    const current = await requireUser(request.params.id);
    const { body } = request;
    const patch: UserPatch = {};
    if (body.name !== undefined) {
      const name = cleanName(body.name);
      if (name !== current.name) await checkNameFree(name);
      patch.name = name;
    }
    if (body.quota !== undefined) patch.quota = mergeQuota(current.quota, body.quota);
    if (body.disabled !== undefined) patch.disabled = body.disabled;
    return update(current.id, patch);
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/users/:id/${action}`, {
      schema: {
        ...users,
        summary: disabled ? 'Disable a user: their keys are refused with 403 until enabled' : 'Enable a disabled user',
        params: IdParams,
        response: { 200: UserView, ...adminErrors, ...notFound },
      },
    }, async (request) => update(request.params.id, { disabled }));
  }

  app.delete('/users/:id', {
    schema: { ...users, summary: 'Delete a user and their keys; their usage events are kept', params: IdParams, response: { 204: NoContent, ...adminErrors, ...notFound } },
  }, async (request, reply) => {
    if (!(await store.deleteUser(request.params.id))) throw userNotFound(request.params.id);
    return reply.code(204).send(null);
  });

  app.get('/users/:id/keys', {
    schema: { ...keys, summary: "List a user's keys (never their secrets)", params: IdParams, response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...adminErrors, ...notFound } },
  }, async (request) => {
    const user = await requireUser(request.params.id);
    const list = await store.listKeys(user.id);
    list.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    return { keys: list.map(toKeyView) };
  });

  app.post('/users/:id/keys', {
    schema: {
      ...keys,
      summary: 'Create a key; the secret is in this response only',
      params: IdParams,
      body: CreateKeyBody,
      response: { 201: CreatedKey, ...adminErrors, ...notFound },
    },
    // The body is optional: `curl -X POST` without one creates an unlabelled key.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request, reply) => {
    const user = await requireUser(request.params.id);
    const { secret, hash, prefix } = generateApiKey();
    const key = { id: newId('key'), userId: user.id, hash, prefix, label: request.body.label ?? '', createdAt: now(), lastUsedAt: null, revokedAt: null };
    await store.createKey(key);
    return reply.code(201).send({ key: toKeyView(key), secret });
  });

  app.post('/keys/:id/revoke', {
    schema: { ...keys, summary: 'Revoke a key at once (idempotent)', params: IdParams, response: { 204: NoContent, ...adminErrors, 404: ErrorBody } },
  }, async (request, reply) => {
    if (!(await store.revokeKey(request.params.id, now()))) {
      throw new TollgateError('TG_KEY_NOT_FOUND', `No key with id ${JSON.stringify(request.params.id)}.`, { param: 'id' });
    }
    return reply.code(204).send(null);
  });
};

export function userNotFound(id: string): TollgateError {
  return new TollgateError('TG_USER_NOT_FOUND', `No user with id ${JSON.stringify(id)}.`, { param: 'id' });
}

function cleanName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new TollgateError('TG_INVALID_REQUEST', 'name must not be blank.', { param: 'name' });
  return name;
}

/** A partial quota from the API applied over the current one. */
function mergeQuota(current: Quota, input: Static<typeof QuotaInput>): Quota {
  return {
    limitNano: input.limitUsd === undefined ? current.limitNano : parseLimit(input.limitUsd, 'quota.limitUsd'),
    period: input.period ?? current.period,
    enforce: input.enforce ?? current.enforce,
  };
}
