import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';
import { serveChildProtocol } from './children.ts';

/**
 * The baseline: a bare node:http server forwarding every request with undici, no auth, no
 * metering, no framework. What proxying alone costs on this machine.
 */

const upstream = process.env['BENCH_UPSTREAM_URL'];
if (!upstream) throw new Error('BENCH_UPSTREAM_URL is required');
const pool = new Pool(upstream, { connections: null, pipelining: 1, keepAliveTimeout: 60_000 });

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);

function strip(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool
    .request({ method: req.method as 'POST', path: req.url ?? '/', headers: strip(req.headers), body: hasBody ? req : null })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, strip(headers));
      pipeline(body, res, () => undefined);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  // The client went away mid-stream: pipeline tears the upstream body down too.
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});

serveChildProtocol(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await pool.close();
});
