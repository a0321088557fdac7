import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { adminTokenList, type Config } from '../config.ts';
import type { Store } from '../store/types.ts';
import { createAdminAuthenticator } from './auth.ts';
import { meRoutes } from './me.ts';
import { usageRoutes } from './usage.ts';
import { userRoutes } from './users.ts';
import { useStrictValidation } from './validation.ts';

export interface AdminApiOptions {
  config: Config;
  store: Store;
  now: () => number;
}

export const ADMIN_PREFIX = '/admin/api';

/**
 * The admin API under /admin/api (admin tokens) and the self-service /tollgate/me (user keys),
 * with the OpenAPI document generated from their route schemas. Swagger records only routes
 * added after it is registered, and leaves out routes without tags (proxy, health, metrics).
 */
export async function registerAdminApi(app: FastifyInstance, opts: AdminApiOptions): Promise<void> {
  const { config, store, now } = opts;
  await app.register(swagger, {
    hideUntagged: true,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tollgate admin API',
        version: '1',
        description: 'Users, quotas, keys and usage reports of a Tollgate metering proxy. Money is given both as exact decimal USD strings (…Usd) and integer nano-dollars (…Nano, 1e-9 USD).',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'One of TOLLGATE_ADMIN_TOKENS' },
          userKey: { type: 'http', scheme: 'bearer', description: "A user's own Tollgate key (tg-...)" },
        },
      },
      security: [{ adminToken: [] }],
    },
  });

  const tokens = adminTokenList(config);
  if (tokens.length === 0) app.log.warn('no admin token configured (TOLLGATE_ADMIN_TOKENS): the admin API refuses every request');

  await app.register(async (admin) => {
    useStrictValidation(admin);
    const authenticateAdmin = createAdminAuthenticator(tokens);
    admin.addHook('onRequest', async (request) => authenticateAdmin(request));
    await admin.register(userRoutes, { store, now });
    await admin.register(usageRoutes, { store, now });
    admin.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }, { prefix: ADMIN_PREFIX });

  await app.register(async (self) => {
    useStrictValidation(self);
    await self.register(meRoutes, { store, now });
  }, { prefix: '/tollgate' });
}
