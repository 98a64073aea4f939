// Choosing what to bring home before an export or a withdrawal: every set of sources (parked credit to
// return, undrawn lines to release) is weighed by its quoted fees, and the cheapest set that makes the
// intent feasible wins. Pure: the caller says what is feasible; no I/O.

/** Credit that can be brought home from one remote: its parked credit (`returnParked`) or its undrawn line (`release`). */
export type FreeSource = { kind: 'returnParked' | 'release'; eid: number; chain: string; amount: bigint; fee: bigint };

/** A set of sources and what it costs. */
export type Cover = { sources: FreeSource[]; fee: bigint; freed: bigint };

/** Most sources weighed together (2^n sets); beyond it the largest are kept. */
const MAX_SOURCES = 12;

/**
 * Every set of `sources` for which `feasible` holds, cheapest first (fewer steps, then less credit moved,
 * on a tie). The empty set is weighed too.
 */
export function coversByFee(sources: readonly FreeSource[], feasible: (chosen: readonly FreeSource[]) => boolean): Cover[] {
  const kept = [...sources].filter((source) => source.amount > 0n).sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : 0)).slice(0, MAX_SOURCES);
  const covers: Cover[] = [];
  for (let mask = 0; mask < 1 << kept.length; mask++) {
    const chosen = kept.filter((_, index) => (mask >> index) & 1);
    if (!feasible(chosen)) continue;
    covers.push({ sources: chosen, fee: chosen.reduce((sum, source) => sum + source.fee, 0n), freed: chosen.reduce((sum, source) => sum + source.amount, 0n) });
  }
  return covers.sort((a, b) => (a.fee !== b.fee ? (a.fee < b.fee ? -1 : 1) : a.sources.length !== b.sources.length ? a.sources.length - b.sources.length : a.freed < b.freed ? -1 : a.freed > b.freed ? 1 : 0));
}

/**
 * The amounts to take from `cover`'s sources so that at least `needed` comes home: parked credit returns
 * whole (`returnParked` takes all of it), lines are released only as far as needed, largest first.
 */
export function trimCover(cover: Cover, needed: bigint): FreeSource[] {
  let left = needed;
  const parked = cover.sources.filter((source) => source.kind === 'returnParked');
  for (const source of parked) left -= source.amount;
  const released: FreeSource[] = [];
  for (const source of cover.sources.filter((candidate) => candidate.kind === 'release')) {
    if (left <= 0n) break;
    const amount = source.amount < left ? source.amount : left;
    released.push({ ...source, amount });
    left -= amount;
  }
  return [...parked, ...released];
}

/** A route's name from its sources: `release on remote-1 + export`. */
export function describeSources(sources: readonly FreeSource[]): string {
  return sources.map((source) => `${source.kind === 'release' ? 'release' : 'return parked'} on ${source.chain}`).join(' + ');
}
