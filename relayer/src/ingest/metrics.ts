// Ingest's counters and gauges per chain, as plain numbers a Prometheus exporter (or `status`) reads
// with `snapshot()`. Updated by the ingest loop only.

export type ChainIngestMetrics = {
  eid: number;
  /** Chain head at the last poll. */
  headBlock: number;
  /** Last block whose events are applied. */
  appliedBlock: number;
  /** `headBlock - appliedBlock`: how far behind the chain ingest is (confirmations included). */
  headLag: number;
  /** Events applied (counted again after a rollback re-applies them). */
  eventsIngested: number;
  batchesApplied: number;
  /** Rollbacks after a reorg. */
  reorgs: number;
  /** Blocks undone by rollbacks. */
  blocksRolledBack: number;
  /** Polls that failed (RPC errors, the chain moving mid-read, a consumer error) and were retried. */
  pollErrors: number;
  /** Batches dropped because another ingest process committed the chain first. */
  conflicts: number;
  /** Wall-clock time of the last commit (ms since the epoch), 0 before the first. */
  lastCommitAt: number;
};

export class IngestMetrics {
  readonly #chains = new Map<number, ChainIngestMetrics>();

  /** The live record of chain `eid` (created at zero). */
  chain(eid: number): ChainIngestMetrics {
    let metrics = this.#chains.get(eid);
    if (!metrics) {
      metrics = { eid, headBlock: 0, appliedBlock: 0, headLag: 0, eventsIngested: 0, batchesApplied: 0, reorgs: 0, blocksRolledBack: 0, pollErrors: 0, conflicts: 0, lastCommitAt: 0 };
      this.#chains.set(eid, metrics);
    }
    return metrics;
  }

  /** A copy of every chain's numbers. */
  snapshot(): ChainIngestMetrics[] {
    return [...this.#chains.values()].map((metrics) => ({ ...metrics }));
  }
}
