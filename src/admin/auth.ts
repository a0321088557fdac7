import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../errors.ts';
import { bearerToken, KEY_PREFIX, matchesAnyToken } from '../keys.ts';

/**
 * Admin authentication: `Authorization: Bearer <admin token>`, compared in constant time against
 * every configured token. With no token configured the admin API refuses everything. A user key
 * is refused by its shape before any comparison, so it can never open the admin API.
 */
export function createAdminAuthenticator(tokens: readonly string[]) {
  return async function authenticateAdmin(request: FastifyRequest): Promise<void> {
    if (tokens.length === 0) {
      throw unauthorized('The admin API is disabled: no admin token is configured (set TOLLGATE_ADMIN_TOKENS).');
    }
    const presented = bearerToken(request.headers.authorization);
    if (!presented) {
      throw unauthorized('Missing admin token. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_ADMIN_TOKEN).');
    }
    if (presented.startsWith(KEY_PREFIX)) {
      throw unauthorized('A Tollgate user key cannot be used on the admin API; use an admin token.');
    }
    if (!matchesAnyToken(presented, tokens)) throw unauthorized('Incorrect admin token provided.');
  };
}

function unauthorized(message: string): TollgateError {
  return new TollgateError('TG_ADMIN_UNAUTHORIZED', message, { headers: { 'www-authenticate': 'Bearer realm="tollgate-admin"' } });
}
