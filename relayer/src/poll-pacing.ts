// How the chain followers (ingest and the courier's packet watcher) pace their getLogs polls: a block
// range that halves after a failed getLogs (a node's range or result limit) and grows back after each
// success, and an exponential backoff between failed polls. One home, so both behave alike.

/** A getLogs range in blocks between 1 and `max`: halved on failure, doubled on success. */
export class AdaptiveLogRange {
  readonly max: bigint;
  #current: bigint;

  constructor(max: bigint | number) {
    this.max = BigInt(max);
    this.#current = this.max;
  }

  get current(): bigint {
    return this.#current;
  }

  /** The last block of a range starting after `cursor`, no further than `safe`. */
  end(cursor: bigint, safe: bigint): bigint {
    return safe < cursor + this.#current ? safe : cursor + this.#current;
  }

  succeeded(): void {
    this.#current = this.#current * 2n < this.max ? this.#current * 2n : this.max;
  }

  failed(): void {
    this.#current = this.#current / 2n > 0n ? this.#current / 2n : 1n;
  }
}

/** The wait after the `failures`-th failed poll in a row: `baseMs` doubled per failure, at most `maxMs`. */
export function pollBackoffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failures - 1), maxMs);
}

/**
 * Whether the `failures`-th failure in a row is worth a log line: the first, then every power of two —
 * a dead RPC logs a handful of lines an hour, not one per poll.
 */
export function shouldLogFailure(failures: number): boolean {
  return failures > 0 && (failures & (failures - 1)) === 0;
}
