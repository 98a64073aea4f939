// The roles this relayer can run today, as Services with their metrics: the courier (carries
// LayerZero packets; its keys come from the environment variables the config file names) and ingest
// (follows the Ballast contracts' events into the reconcile store); the keeper and the liquidator are in
// keeper-roles.ts, the heartbeat role in heartbeat-role.ts.
import { chainPublicClient, readOnlySdk } from '../chains.ts';
import { courierKeysFromEnv } from '../config.ts';
import { buildCarriagePolicy } from '../courier/carriage-policy.ts';
import { Courier, DELIVER_QUEUE } from '../courier/courier.ts';
import { Ingest } from '../ingest/ingest.ts';
import { CommitNoticePublisher } from '../keeper/commit-notices.ts';
import { ReconcileStore } from '../reconcile/account-store.ts';
import { DriftAudit } from '../reconcile/audit.ts';
import { registerTransactorMetrics } from '../transactor-watch.ts';
import { ingestChainSettings, transactorWatchFor } from './config-file.ts';
import { heartbeatService } from './heartbeat-role.ts';
import { keeperService, liquidatorService } from './keeper-roles.ts';
import { redisOptions } from './redis-connection.ts';
import type { RoleTable, Service, ServiceFactory } from './services.ts';

/** Delivery latency buckets, seconds: one packet takes ~0.1 s on the devnet, minutes on a slow chain. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** The courier: watches every chain's endpoint, queues `deliver` jobs, verifies and executes packets. */
export const courierService: ServiceFactory = ({ config, deployments, env, logger, metrics, secrets }): Service => {
  // Keys first: a missing one is reported before anything connects.
  const keys = courierKeysFromEnv(env, config.keys);
  const { allowlist, maxDeliveryGas, maxDeliveryValueWei, ...courierSettings } = config.courier;
  const policy = buildCarriagePolicy({
    deployments,
    allowlist,
    defaultCaps: { maxGas: maxDeliveryGas, maxValueWei: maxDeliveryValueWei },
    chainCaps: new Map(
      config.chains.map((chain) => [chain.eid, { ...(chain.maxDeliveryGas === undefined ? {} : { maxGas: chain.maxDeliveryGas }), ...(chain.maxDeliveryValueWei === undefined ? {} : { maxValueWei: chain.maxDeliveryValueWei }) }]),
    ),
  });
  const courier = new Courier({
    deployments,
    redisUrl: config.redis.url,
    prefix: config.redis.prefix,
    logger,
    policy,
    ...courierSettings,
    transactions: config.transactions,
    insufficientFundsRetryMs: config.funds.insufficientFundsRetryMs,
    redisOptions: redisOptions(config.redis.tls),
    ...(secrets ? { secrets } : {}),
    ...keys,
  });
  const transactors = transactorWatchFor(config, 'courier', courier.chains, logger);
  registerTransactorMetrics(metrics, transactors);
  const names = new Map(deployments.chains.map((chain) => [chain.eid, chain.name]));
  const deliveries = metrics.counter({
    name: 'ballast_deliveries_total',
    help: 'Packets this process saw delivered: status "delivered" (it executed lzReceive) or "already-delivered" (another courier did).',
    labelNames: ['src_eid', 'dst_eid', 'status'],
  });
  const latency = metrics.histogram({
    name: 'ballast_delivery_latency_seconds',
    help: 'From the courier seeing PacketSent to the packet executed on its destination.',
    labelNames: ['src_eid', 'dst_eid'],
    buckets: LATENCY_BUCKETS,
  });
  const jobsFailed = metrics.counter({ name: 'ballast_jobs_failed_total', help: 'Job attempts that failed in this process (each is retried with backoff or parked).', labelNames: ['queue'] });
  const failing = metrics.gauge({ name: 'ballast_courier_failing_packets', help: 'Packets whose delivery is failing right now (the failure ledger; `status` lists them).' });
  const failuresDropped = metrics.counter({
    name: 'ballast_courier_failures_dropped_total',
    help: 'Failing packets dropped from the failure list because it held courier.failuresKept (the oldest first), every relayer of the prefix; their jobs still retry.',
  });
  const cursor = metrics.gauge({ name: 'ballast_courier_cursor_block', help: 'Last block of each source chain whose PacketSent logs are queued.', labelNames: ['eid', 'chain'] });
  const refused = metrics.counter({
    name: 'ballast_courier_refused_packets_total',
    help: 'Packets the carriage policy refused, every relayer of the prefix (reason "unpaid": neither our Executor nor our DVN paid; "gas-cap", "value-cap": the options ask more than the cap; "bad-options": unreadable options; "forged": the job does not match its source transaction, someone wrote to Redis). `status` lists the latest.',
    labelNames: ['reason'],
  });
  const watcherLabels = ['eid', 'chain'] as const;
  const watcherLag = metrics.gauge({ name: 'ballast_courier_watcher_lag_blocks', help: "Head minus the packet watcher's cursor at its last poll (confirmations included).", labelNames: watcherLabels });
  const watcherErrors = metrics.counter({ name: 'ballast_courier_watcher_poll_errors_total', help: 'PacketSent polls that failed (RPC errors, a refused getLogs range) and were retried with backoff.', labelNames: watcherLabels });
  const watcherRange = metrics.gauge({ name: 'ballast_courier_watcher_block_range', help: "The packet watcher's getLogs range: halved when a node refuses a range, grown back after successes.", labelNames: watcherLabels });
  courier.on('delivered', (record) => {
    deliveries.inc({ src_eid: record.srcEid, dst_eid: record.dstEid, status: record.status });
    if (record.status === 'delivered') latency.observe({ src_eid: record.srcEid, dst_eid: record.dstEid }, (record.deliveredAt - record.observedAt) / 1000);
  });
  courier.on('failed', () => jobsFailed.inc({ queue: DELIVER_QUEUE }));
  metrics.collect('courier', async () => {
    failing.set({}, await courier.ledger.failureCount());
    failuresDropped.setTotal({}, await courier.ledger.failuresDropped());
    for (const [reason, count] of Object.entries(await courier.ledger.refusalCounts())) refused.setTotal({ reason }, count);
    for (const watcher of courier.watcherMetrics()) {
      const at = { eid: watcher.eid, chain: names.get(watcher.eid) ?? String(watcher.eid) };
      watcherLag.set(at, watcher.lagBlocks);
      watcherErrors.setTotal(at, watcher.pollErrors);
      watcherRange.set(at, watcher.blockRange);
    }
    await Promise.all(
      deployments.chains.map(async (chain) => {
        const block = await courier.ledger.cursor(chain.eid);
        if (block !== undefined) cursor.set({ eid: chain.eid, chain: names.get(chain.eid) ?? String(chain.eid) }, Number(block));
      }),
    );
  });
  return {
    name: 'courier',
    start: () => {
      courier.start();
      transactors.start();
    },
    stop: async ({ deadline }) => {
      transactors.stop();
      await courier.stop({ graceMs: Math.max(0, deadline - Date.now()) });
    },
    warnings: () => transactors.warnings(),
  };
};

/** Ingest: follows every chain's Ballast contracts into the reconcile store, reorg-safe. */
export const ingestService: ServiceFactory = ({ config, deployments, redis, logger, metrics, local }): Service => {
  const chains = deployments.chains.map((deployment) => ({ deployment, publicClient: chainPublicClient(deployment) }));
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix: config.redis.prefix });
  const ingest = new Ingest({
    chains,
    redis,
    prefix: config.redis.prefix,
    consumer: store,
    settings: config.ingest,
    chainSettings: ingestChainSettings(config),
    logger,
  });
  // The keeper and the liquidator of this process follow it (keeper-roles.ts); those of other processes
  // hear of its commits through their notices.
  local.ingest = { ingest, store };
  const notices = new CommitNoticePublisher({ redis, prefix: config.redis.prefix, store, logger });
  const unfollow = notices.follow(ingest);
  const labels = ['eid', 'chain'] as const;
  const gauge = (name: string, help: string) => metrics.gauge({ name, help, labelNames: labels });
  const counter = (name: string, help: string) => metrics.counter({ name, help, labelNames: labels });
  const headBlock = gauge('ballast_ingest_head_block', 'Chain head at the last ingest poll.');
  const appliedBlock = gauge('ballast_ingest_applied_block', 'Last block whose events are applied to the reconcile store.');
  const headLag = gauge('ballast_ingest_head_lag_blocks', 'Head minus applied block: how far ingest is behind the chain, confirmations included.');
  const lastCommit = gauge('ballast_ingest_last_commit_timestamp_seconds', 'When ingest last committed on the chain (0 before the first commit).');
  const events = counter('ballast_ingest_events_total', 'Events applied (counted again when a rollback makes them re-applied).');
  const batches = counter('ballast_ingest_batches_total', 'Batches (block ranges) committed.');
  const reorgs = counter('ballast_ingest_reorgs_total', 'Rollbacks after a reorg.');
  const rolledBack = counter('ballast_ingest_blocks_rolled_back_total', 'Blocks undone by rollbacks.');
  const pollErrors = counter('ballast_ingest_poll_errors_total', 'Polls that failed (RPC errors, the chain moving mid-read) and were retried.');
  const conflicts = counter('ballast_ingest_conflicts_total', 'Batches dropped because another relayer committed the chain first.');
  const noticesSent = metrics.counter({
    name: 'ballast_ingest_commit_notices_total',
    help: 'Commit notices published for the keepers of other processes (outcome "failed": not published; they see the batch at their next sweep).',
    labelNames: ['outcome'],
  });
  const names = new Map(deployments.chains.map((chain) => [chain.eid, chain.name]));
  metrics.collect('ingest', () => {
    noticesSent.setTotal({ outcome: 'published' }, notices.published);
    noticesSent.setTotal({ outcome: 'failed' }, notices.failed);
    for (const chain of ingest.metrics.snapshot()) {
      const at = { eid: chain.eid, chain: names.get(chain.eid) ?? String(chain.eid) };
      headBlock.set(at, chain.headBlock);
      appliedBlock.set(at, chain.appliedBlock);
      headLag.set(at, chain.headLag);
      lastCommit.set(at, chain.lastCommitAt / 1000);
      events.setTotal(at, chain.eventsIngested);
      batches.setTotal(at, chain.batchesApplied);
      reorgs.setTotal(at, chain.reorgs);
      rolledBack.setTotal(at, chain.blocksRolledBack);
      pollErrors.setTotal(at, chain.pollErrors);
      conflicts.setTotal(at, chain.conflicts);
    }
  });
  const audit = new DriftAudit({ store, ledger: ingest.ledger, sdk: readOnlySdk(deployments), redis, prefix: config.redis.prefix, ...config.audit, logger });
  const auditRuns = metrics.counter({ name: 'ballast_reconcile_audit_runs_total', help: 'Audit passes this process ran (outcome "failed": the pass threw and waits for the next interval).', labelNames: ['outcome'] });
  const auditLast = metrics.gauge({ name: 'ballast_reconcile_audit_last_timestamp_seconds', help: 'When the last audit pass of any relayer of the prefix finished (0: none yet).' });
  const auditAccounts = metrics.gauge({ name: 'ballast_reconcile_audit_accounts', help: 'Accounts the last audit pass compared with the chains.' });
  const driftAccounts = metrics.gauge({ name: 'ballast_reconcile_drift_accounts', help: 'Accounts on which the last audit pass found the reconcile store and a chain differ (0: they agree).' });
  const driftValues = metrics.gauge({ name: 'ballast_reconcile_drift_values', help: 'Values that differ in the last audit pass, by chain and field kind (collateral, exported, epoch, line, drawn, parked).', labelNames: ['eid', 'kind'] });
  metrics.collect('audit', async () => {
    auditRuns.setTotal({ outcome: 'completed' }, audit.runs - audit.failures);
    auditRuns.setTotal({ outcome: 'failed' }, audit.failures);
    const report = await audit.lastReport();
    auditLast.set({}, report ? report.finishedAt / 1000 : 0);
    auditAccounts.set({}, report?.accounts ?? 0);
    driftAccounts.set({}, report?.driftedAccounts ?? 0);
    driftValues.reset();
    for (const [key, count] of Object.entries(report?.differencesByKind ?? {})) {
      const [eid = '', kind = ''] = key.split(':');
      driftValues.set({ eid, kind }, count);
    }
  });
  return {
    name: 'ingest',
    start: async () => {
      await ingest.start();
      audit.start();
    },
    // A step is committed whole or not at all: stopping after the step in progress loses nothing; an
    // audit pass only reads.
    stop: async () => {
      await audit.stop();
      await ingest.stop();
      unfollow();
    },
  };
};

/** Roles available in this build. */
export const BUILT_IN_ROLES: RoleTable = { courier: courierService, ingest: ingestService, keeper: keeperService, liquidator: liquidatorService, heartbeat: heartbeatService };
