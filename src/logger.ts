import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths redacted from every log line: caller keys, upstream key, admin tokens. Compiled once. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'apiKey',
  'secret',
  'upstreamApiKey',
  'adminTokens',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'tollgate' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
