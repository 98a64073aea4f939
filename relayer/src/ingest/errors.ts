// What can stop ingest on a chain, and what to do about it. Transient problems (an RPC error, the
// chain moving under a scan, another relayer committing first) are retried by the ingest loop;
// a reorg deeper than the kept window needs an operator.
import { BallastError } from '@ballast/protocol';

/** No block in the kept window is still on the chain: the reorg is deeper than `reorgDepth`. Needs an operator. */
export class ReorgTooDeepError extends BallastError {
  override name = 'ReorgTooDeepError';
  constructor(eid: number, appliedBlock: bigint, oldestKept: bigint | undefined) {
    super(
      `Chain ${eid} reorganised below every block ingest keeps (applied up to ${appliedBlock}, oldest kept ${oldestKept ?? 'none'}).`,
      {
        details:
          "Raise the reorgDepth setting (and the chain's confirmations) above the deepest reorg the chain can have, stop the relayers, delete the chain's keys (<prefix>:{chain:<eid>}:*) and start again to re-ingest it from its start block.",
        docsPath: 'OPERATIONS.md#ingest',
        meta: { eid, appliedBlock, oldestKept },
      },
    );
  }
}

/** The chain changed while a block range was being read (the range's last block changed hash). Retried. */
export class ChainMovedError extends BallastError {
  override name = 'ChainMovedError';
}

/** Another ingest process committed this chain first; this batch was dropped unapplied. Retried from the new cursor. */
export class IngestConflictError extends BallastError {
  override name = 'IngestConflictError';
}

/** A consumer returned a write outside its chain's key space: it could not be committed atomically with the cursor. */
export class StateKeyOutsideChainError extends BallastError {
  override name = 'StateKeyOutsideChainError';
  constructor(key: string, tag: string) {
    super(`Ingest consumer wrote key "${key}", which is not under the chain's hash tag "${tag}".`, {
      details: 'Build every state key with chainKey(prefix, eid, …) so it lives in the same Redis Cluster slot as the cursor it is committed with.',
      docsPath: 'OPERATIONS.md#ingest',
    });
  }
}
