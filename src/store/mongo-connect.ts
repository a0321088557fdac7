import { MongoClient } from 'mongodb';
import { TollgateError } from '../errors.ts';

export interface ConnectOptions {
  /** How long to look for a usable server before giving up (driver default is 30 s). */
  serverSelectionTimeoutMs?: number;
}

/** The URI with its password (and any password-like query option) replaced by ****. */
export function redactUri(uri: string): string {
  return uri
    .replace(/^(mongodb(?:\+srv)?:\/\/)([^@/?]*)@/i, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:****`}@`;
    })
    .replace(/([?&][^=&]*password[^=&]*=)[^&]*/gi, '$1****');
}

/** The database named in the URI's path, if any. */
export function dbNameFromUri(uri: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/i.exec(uri);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/**
 * Connects and checks the server answers, or throws TG_STORE_UNAVAILABLE naming the URI without
 * its password and what to check. The driver's own message is kept (it names hosts, not secrets),
 * with the password scrubbed from it anyway.
 */
export async function connectMongo(uri: string, opts: ConnectOptions = {}): Promise<MongoClient> {
  const shown = redactUri(uri);
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs ?? 5_000, appName: 'tollgate' });
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return client;
  } catch (err) {
    await client?.close().catch(() => undefined);
    const reason = scrub(err instanceof Error ? err.message : String(err), uri);
    throw new TollgateError(
      'TG_STORE_UNAVAILABLE',
      `Cannot connect to MongoDB at ${shown}: ${reason}. Check that the server is running and reachable from this host, ` +
        'and the host, port, credentials, replica set name and TLS options in MONGODB_URI.',
    );
  }
}

function scrub(message: string, uri: string): string {
  const password = /^mongodb(?:\+srv)?:\/\/[^:@/]*:([^@/]*)@/i.exec(uri)?.[1];
  let out = message.split(uri).join(redactUri(uri));
  if (password) {
    out = out.split(password).join('****');
    const decoded = safeDecode(password);
    if (decoded) out = out.split(decoded).join('****');
  }
  return out;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
