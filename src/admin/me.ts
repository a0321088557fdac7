import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createAuthenticator } from '../proxy/authenticate.ts';
import { ErrorBody, MeView } from './schemas.ts';
import type { AdminRouteOptions } from './users.ts';
import { toMeView } from './views.ts';

/** GET /tollgate/me: a user's own standing, authenticated with their own Tollgate key. */
export const meRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, { store, now }) => {
  const authenticate = createAuthenticator(store, now);
  app.get('/me', {
    schema: {
      tags: ['self-service'],
      summary: 'Your spend this period, limit, remaining budget and period end (with your own API key)',
      security: [{ userKey: [] }],
      response: { 200: MeView, 401: ErrorBody, 403: ErrorBody },
    },
  }, async (request) => {
    const { user } = await authenticate(request);
    return toMeView(user, now());
  });
};
