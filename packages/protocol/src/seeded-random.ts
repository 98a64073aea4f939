// A seeded, deterministic random generator: the risk tests' random portfolios (risk-random.ts) and the
// liquidation simulation (simulation.ts) draw from it, so a run reproduces from its seed alone.
// Not exported from the package.

const MASK_64 = (1n << 64n) - 1n;

/** SplitMix64: a small, well-mixed 64-bit generator; enough for tests and simulations, not for anything secret. */
export class SeededRandom {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK_64;
  }

  /** 64 random bits. */
  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK_64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
    return z ^ (z >> 31n);
  }

  /** A bigint in [0, bound) (bound > 0), from 320 random bits. */
  below(bound: bigint): bigint {
    let bits = 0n;
    for (let i = 0; i < 5; i++) bits = (bits << 64n) | this.next();
    return bits % bound;
  }

  /** A bigint in [low, high]. */
  between(low: bigint, high: bigint): bigint {
    return low + this.below(high - low + 1n);
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return Number(this.below(BigInt(bound)));
  }

  /** A number in [0, 1), from 53 random bits. */
  unit(): number {
    return Number(this.next() >> 11n) / 2 ** 53;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.unit() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}
