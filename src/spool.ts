import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { UsageEvent } from './store/types.ts';

/**
 * A durable local spool for charges the store could not take (database down, timing out).
 * Each event is one JSON line appended and fsynced before `append` returns, so a charge that
 * reached the spool survives a crash. Replay hands every spooled event back to the store's
 * charge, which is idempotent by request id: replaying a line twice, or one the store did take
 * after all, never counts twice.
 *
 * Files: `charges.jsonl` takes appends; replay first renames it to `replay-<time>.jsonl` so new
 * appends go to a fresh file, and deletes a replay file only once every line in it was charged.
 * The spool belongs to one process: give each instance its own directory.
 */
export class ChargeSpool {
  readonly #dir: string;
  readonly #log: FastifyBaseLogger;
  #fd: number | null = null;
  #appended = 0;
  #rotations = 0;

  constructor(dir: string, log: FastifyBaseLogger) {
    this.#dir = dir;
    this.#log = log;
    mkdirSync(dir, { recursive: true });
  }

  get dir(): string {
    return this.#dir;
  }

  append(event: UsageEvent): void {
    if (this.#fd === null) this.#fd = openSync(join(this.#dir, 'charges.jsonl'), 'a');
    writeSync(this.#fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.#fd);
    this.#appended++;
  }

  /** True when files wait to be replayed. */
  hasPending(): boolean {
    return this.#appended > 0 || this.#files().length > 0;
  }

  /**
   * Charges every spooled event through `charge`. Stops at the first failure (the store is still
   * down) and keeps the file; returns how many lines were charged.
   */
  async replay(charge: (event: UsageEvent) => Promise<unknown>): Promise<{ charged: number; complete: boolean }> {
    this.#rotate();
    let charged = 0;
    for (const file of this.#files().filter((f) => f.startsWith('replay-'))) {
      const path = join(this.#dir, file);
      const lines = readFileSync(path, 'utf8').split('\n');
      for (const line of lines) {
        if (line.trim() === '') continue;
        let event: UsageEvent;
        try {
          event = JSON.parse(line) as UsageEvent;
        } catch {
          // A line torn by a crash mid-write was never acknowledged; nothing was promised for it.
          this.#log.warn({ file }, 'spool: skipped an unreadable line');
          continue;
        }
        try {
          await charge(event);
          charged++;
        } catch (err) {
          this.#log.warn({ err, file }, 'spool: store still unavailable, will retry');
          return { charged, complete: false };
        }
      }
      unlinkSync(path);
    }
    return { charged, complete: true };
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #rotate(): void {
    if (this.#fd === null && !this.#files().includes('charges.jsonl')) return;
    this.close();
    try {
      // The sequence number keeps two rotations in one millisecond apart: rename would replace a
      // replay file still waiting for the store, and the charges in it would be lost.
      const seq = String(++this.#rotations).padStart(6, '0');
      renameSync(join(this.#dir, 'charges.jsonl'), join(this.#dir, `replay-${Date.now()}-${process.pid}-${seq}.jsonl`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.#appended = 0;
  }

  #files(): string[] {
    return readdirSync(this.#dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
  }
}
