// `ballast-relayer status`: what the relayers sharing a prefix are doing, read from Redis and the
// chains (not from any process): per chain the head, ingest's applied cursor and the courier's packet
// cursor with their lag; per queue its depth and whether it is paused; every packet whose delivery is
// failing with its revert reason; the most recent failed jobs of each queue; the last audit of the
// reconcile store against the chains. The ops server's dashboard (`GET /`) renders the same. Error
// texts are shown short and scrubbed (an RPC error's message carries the request URL, which may hold
// an API key), and the failing packets come a page at a time.
import type { Deployments } from '@ballast/protocol';
import type { Redis } from 'ioredis';
import { chainPublicClient } from '../chains.ts';
import type { RefusalRecord } from '../courier/deliver.ts';
import { CourierLedger, type FailureRecord } from '../courier/ledger.ts';
import { IngestLedger } from '../ingest/ledger.ts';
import { shortErrorMessage } from '../logging.ts';
import { type AuditReport, lastAuditReport } from '../reconcile/audit.ts';
import { type FailedJob, type QueueDepth, failedJobs, queueDepths } from './queues.ts';
import { redactRpcError } from './rpc-health.ts';

export type CursorStatus = {
  /** Last block done. */
  block: string;
  /** Head minus `block`; null when the head could not be read. */
  lagBlocks: number | null;
};

export type ChainStatus = {
  eid: number;
  chain: string;
  role: 'home' | 'remote';
  headBlock: string | null;
  /** Why the head could not be read (the RPC URL left out). */
  headError?: string;
  /** Ingest's applied block (null: ingest never committed on this chain under the prefix). */
  ingest: CursorStatus | null;
  /** The courier's PacketSent cursor (null: no courier ran under the prefix). */
  courier: CursorStatus | null;
};

export type RelayerStatus = {
  prefix: string;
  /** Absent when the deployments file could not be read (`chainsError` says why). */
  chains?: ChainStatus[];
  chainsError?: string;
  queues: Record<string, QueueDepth>;
  /** One page of the packets whose delivery is failing, oldest first (`failingOffset`, at most the page's limit). */
  failing: FailureRecord[];
  /** How many packets are failing in all, and where this page starts. */
  failingTotal: number;
  failingOffset: number;
  /** Packets the carriage policy refused (not carried, not retried): the latest, and the count per reason. `replay <guid>` judges one again. */
  refused: { counts: Record<string, number>; latest: RefusalRecord[] };
  /** The most recent failed jobs of each queue (`failedJobsPerQueue`), kept until retried (`replay`). */
  failedJobs: FailedJob[];
  /** The last audit pass of the prefix (null: none yet); `driftedAccounts` > 0 means the store and a chain differ. */
  audit: AuditReport | null;
};

export type RelayerStatusParameters = {
  redis: Redis;
  prefix: string;
  /** The deployments, or why they could not be read. */
  deployments: Deployments | Error;
  /** @defaultValue 5_000 */
  rpcTimeoutMs?: number;
  /** @defaultValue 10 */
  failedJobsPerQueue?: number;
  /** Which failing packets to list, oldest first. @defaultValue { offset: 0, limit: 100 } */
  page?: StatusPage;
  /** Values to mask in error texts besides URLs (`urlSecrets` of the RPC URLs). */
  secrets?: readonly string[];
  /** How many of the latest refused packets to list. @defaultValue 20 */
  refusalsShown?: number;
};

/** A page of a long list: skip `offset`, show at most `limit`. */
export type StatusPage = { offset: number; limit: number };

export async function relayerStatus({
  redis,
  prefix,
  deployments,
  rpcTimeoutMs = 5_000,
  failedJobsPerQueue = 10,
  page = { offset: 0, limit: 100 },
  secrets = [],
  refusalsShown = 20,
}: RelayerStatusParameters): Promise<RelayerStatus> {
  const courierLedger = new CourierLedger(redis, prefix);
  const ingestLedger = new IngestLedger(redis, prefix);
  const [queues, failing, refusalCounts, refusals, failed, audit, chains] = await Promise.all([
    queueDepths(redis, prefix),
    courierLedger.failures(),
    courierLedger.refusalCounts(),
    courierLedger.refusals(refusalsShown),
    failedJobs(redis, prefix, failedJobsPerQueue),
    lastAuditReport(redis, prefix),
    deployments instanceof Error
      ? undefined
      : Promise.all(
          deployments.chains.map(async (deployment): Promise<ChainStatus> => {
            const [head, ingestCursor, courierCursor] = await Promise.all([
              chainPublicClient(deployment, { timeoutMs: rpcTimeoutMs })
                .getBlockNumber({ cacheTime: 0 })
                .then(
                  (block) => ({ block }),
                  (error: unknown) => ({ error: redactRpcError(error) }),
                ),
              ingestLedger.cursor(deployment.eid),
              courierLedger.cursor(deployment.eid),
            ]);
            const headBlock = 'block' in head ? head.block : undefined;
            const cursor = (block: bigint | undefined): CursorStatus | null =>
              block === undefined ? null : { block: block.toString(), lagBlocks: headBlock === undefined ? null : Number(headBlock - block) };
            return {
              eid: deployment.eid,
              chain: deployment.name,
              role: deployment.role,
              headBlock: headBlock?.toString() ?? null,
              ...('error' in head ? { headError: head.error } : {}),
              ingest: cursor(ingestCursor?.block),
              courier: cursor(courierCursor),
            };
          }),
        ),
  ]);
  return {
    prefix,
    ...(chains ? { chains } : { chainsError: (deployments as Error).message.split('\n')[0] }),
    queues,
    failing: failing.slice(page.offset, page.offset + page.limit).map((record) => ({ ...record, error: shortErrorMessage(record.error, 240, secrets), reason: shortErrorMessage(record.reason, 240, secrets) })),
    failingTotal: failing.length,
    failingOffset: page.offset,
    refused: { counts: refusalCounts, latest: refusals.map((record) => ({ ...record, detail: shortErrorMessage(record.detail, 240, secrets) })) },
    failedJobs: failed.map((job) => ({ ...job, reason: shortErrorMessage(job.reason, 240, secrets) })),
    audit: audit ?? null,
  };
}
