import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../errors.ts';

/**
 * The admin web page (docs/admin-page.md): the built files in public/ under /admin/, and
 * index.html for every other page path under /admin/ (the page routes in the browser).
 * The page holds no secret: it asks for an admin token and calls the admin API with it.
 */

export const ADMIN_PAGE_PREFIX = '/admin';
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export interface AdminWebOptions {
  /** Folder with the built page (npm run build:web); default: public/ at the repository root. */
  root?: string;
}

// Scripts, styles and API calls from this origin only; no inline script, no framing.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Hashed file names (assets/app-XXXX.js) never change content, so browsers may keep them. */
function cacheControl(path: string): string {
  return /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** A page path (no file extension) gets index.html; anything else under /admin/ is a plain 404. */
function isPagePath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !path.startsWith('/admin/api/') && path !== '/admin/api' && !last.includes('.');
}

async function adminWebPlugin(app: FastifyInstance, opts: AdminWebOptions): Promise<void> {
  const root = opts.root ?? DEFAULT_PUBLIC_DIR;
  if (!existsSync(`${root}/index.html`)) {
    app.log.warn({ root }, 'admin page not built (run npm run build:web): /admin/ answers 404');
  }

  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('content-security-policy')) reply.headers(SECURITY_HEADERS);
  });

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One wildcard route: files are looked up per request, so a rebuild is served without a restart.
    // A missing file falls through to the not-found handler below.
    wildcard: true,
    index: ['index.html'],
    preCompressed: true,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', cacheControl(path));
    },
  });

  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && isPagePath(request.url) && existsSync(`${root}/index.html`)) {
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', root);
    }
    throw new TollgateError('TG_NOT_FOUND', `Invalid URL (${request.method} ${request.url.split('?')[0]})`);
  });
}

/**
 * Registered with `app.register(adminWeb)`; encapsulated under /admin so its not-found handler
 * only answers there (unknown /admin/api/... paths still get the JSON 404 of the API).
 */
export default async function adminWeb(app: FastifyInstance, opts: AdminWebOptions = {}): Promise<void> {
  await app.register(adminWebPlugin, { ...opts, prefix: ADMIN_PAGE_PREFIX });
}
