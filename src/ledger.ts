import type { Logger } from 'pino';
import type { ChargeResult, Store, UsageEvent } from './store/types.ts';

/**
 * Where usage events become charges. The store's charge is atomic and idempotent by request id,
 * so a retry after an ambiguous failure (timeout, lost connection) can never count twice.
 */
export class Ledger {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
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
    let lastError: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        return await this.#store.charge(event);
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 50 * 2 ** i));
      }
    }
    // The full event is logged so an operator can replay it; charging is idempotent.
    this.#log.error({ err: lastError, event }, 'charge failed: usage event not recorded');
    return null;
  }

  /** Resolves once every charge under way has been written (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
