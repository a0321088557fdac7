import type { FastifyBaseLogger } from 'fastify';
import type { ChargeSpool } from './spool.ts';
import type { ChargeResult, Store, UsageEvent } from './store/types.ts';

/**
 * Where usage events become charges. The store's charge is atomic and idempotent by request id,
 * so a retry after an ambiguous failure (timeout, lost connection) can never count twice.
 *
 * When the store cannot take a charge within `chargeTimeoutMs`, the event goes to the durable
 * spool on local disk and is replayed in the background until the store takes it. Either way
 * `record` resolves only once the charge is durable somewhere: the caller may then release the
 * response.
 */
export interface LedgerOptions {
  spool?: ChargeSpool;
  chargeTimeoutMs?: number;
  replayEveryMs?: number;
}

export class Ledger {
  readonly #store: Store;
  readonly #log: FastifyBaseLogger;
  readonly #spool: ChargeSpool | undefined;
  readonly #timeoutMs: number;
  readonly #replayEveryMs: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  #replayTimer: NodeJS.Timeout | null = null;
  #replaying: Promise<unknown> | null = null;

  constructor(store: Store, log: FastifyBaseLogger, opts: LedgerOptions = {}) {
    this.#store = store;
    this.#log = log;
    this.#spool = opts.spool;
    this.#timeoutMs = opts.chargeTimeoutMs ?? 5_000;
    this.#replayEveryMs = opts.replayEveryMs ?? 2_000;
  }

  /** Replays what an earlier run left in the spool (call once at start-up). */
  async start(): Promise<void> {
    if (this.#spool?.hasPending()) {
      await this.replayNow();
      if (this.#spool.hasPending()) this.#scheduleReplay();
    }
  }

  async record(event: UsageEvent): Promise<ChargeResult | null> {
    const attempt = this.#charge(event);
    this.#inFlight.add(attempt);
    try {
      return await attempt;
    } finally {
      this.#inFlight.delete(attempt);
    }
  }

  async #charge(event: UsageEvent): Promise<ChargeResult | null> {
    try {
      return await withTimeout(this.#store.charge(event), this.#timeoutMs);
    } catch (err) {
      if (!this.#spool) {
        // No spool configured: the full event is logged so an operator can replay it.
        this.#log.error({ err, event }, 'charge failed: usage event not recorded');
        return null;
      }
      try {
        this.#spool.append(event);
      } catch (spoolErr) {
        // Disk full or unwritable: nothing can make this charge durable. Log it whole for an operator
        // and resolve: callers settle with `void`, and a rejection there would crash the process.
        this.#log.error({ err: spoolErr, storeErr: errorSummary(err), event }, 'charge failed and could not be spooled: usage event not recorded');
        return null;
      }
      this.#log.warn({ err: errorSummary(err), requestId: event.requestId }, 'store unavailable: charge spooled to disk');
      this.#scheduleReplay();
      return null;
    }
  }

  /** Replays the spool now; resolves when done (or the store refused again). */
  replayNow(): Promise<unknown> {
    const spool = this.#spool;
    if (!spool) return Promise.resolve();
    this.#replaying ??= spool
      .replay((e) => withTimeout(this.#store.charge(e), this.#timeoutMs))
      .then(({ charged, complete }) => {
        if (charged > 0) this.#log.info({ charged, complete }, 'spool: replayed charges into the store');
        if (!complete) this.#scheduleReplay();
      })
      .catch((err: unknown) => {
        this.#log.error({ err }, 'spool replay failed');
        this.#scheduleReplay();
      })
      .finally(() => {
        this.#replaying = null;
      });
    return this.#replaying;
  }

  #scheduleReplay(): void {
    if (this.#replayTimer) return;
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = null;
      void this.replayNow();
    }, this.#replayEveryMs);
    this.#replayTimer.unref();
  }

  /** Resolves once every charge under way is durable (graceful shutdown); a last replay attempt. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    if (this.#replayTimer) clearTimeout(this.#replayTimer);
    this.#replayTimer = null;
    if (this.#spool?.hasPending()) await this.replayNow();
    if (this.#replayTimer) clearTimeout(this.#replayTimer);
    this.#replayTimer = null;
    this.#spool?.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function errorSummary(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
