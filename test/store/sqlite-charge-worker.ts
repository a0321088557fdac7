/**
 * Worker for sqlite.test.ts: a second (and third) connection to the same database file,
 * charging on its own thread so the charges really overlap with the other worker's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { UsageEvent } from '../../src/store/types.ts';

export interface ChargeJob {
  path: string;
  userId: string;
  /** Request ids this worker charges, with their costs; some are shared with the other worker. */
  charges: Array<{ requestId: string; costNano: number; createdAt: number }>;
}

export interface ChargeReport {
  applied: string[];
}

const job = workerData as ChargeJob;
const store = openSqliteStore({ path: job.path });
await store.init();
const port = parentPort!;
port.postMessage('ready');
await new Promise((resolve) => port.once('message', resolve));

const applied: string[] = [];
for (const c of job.charges) {
  const event: UsageEvent = {
    requestId: c.requestId,
    userId: job.userId,
    keyId: 'k1',
    endpoint: 'chat.completions',
    requestedModel: 'gpt-4o-mini',
    servedModel: 'gpt-4o-mini',
    pricedModel: 'gpt-4o-mini',
    stream: false,
    inputTokens: 10,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 1,
    reasoningTokens: 0,
    costNano: c.costNano,
    savedNano: 0,
    status: 200,
    estimated: false,
    flags: [],
    latencyMs: 1,
    upstreamRequestId: null,
    createdAt: c.createdAt,
  };
  if ((await store.charge(event)).applied) applied.push(c.requestId);
}
await store.close();
port.postMessage({ applied } satisfies ChargeReport);
