// The heartbeat role as a Service: one `Heartbeats` over the shared Redis prefix, signing with the key
// named by `keys.heartbeat` (its own key: a key is never used by two senders in one process), with its
// metrics — each remote's heartbeat age read from the mirror, heartbeats sent, fees spent, budget waits.
import { Chains } from '../chains.ts';
import { privateKeyFromEnv } from '../config.ts';
import { Heartbeats } from '../heartbeat/heartbeat.ts';
import { keeperSdk } from '../keeper/actions.ts';
import { registerTransactorMetrics } from '../transactor-watch.ts';
import { transactorWatchFor } from './config-file.ts';
import { redisOptions } from './redis-connection.ts';
import type { Service, ServiceFactory } from './services.ts';

/** The heartbeat role: sends each remote its HEARTBEAT `heartbeat.marginMs` before its draw window closes. */
export const heartbeatService: ServiceFactory = ({ config, deployments, env, logger, metrics }): Service => {
  // Key first: a missing one is reported before anything connects.
  const transactorKey = privateKeyFromEnv(config.keys.heartbeat, env);
  const chains = new Chains(deployments, { transactorKey, transactions: config.transactions });
  const homeEid = deployments.chains.find((chain) => chain.role === 'home')?.eid ?? 0;
  const log = logger.child({ role: 'heartbeat' });
  const heartbeats = new Heartbeats({
    deployments,
    chains,
    sdk: keeperSdk(deployments, chains, homeEid),
    redisUrl: config.redis.url,
    redisOptions: redisOptions(config.redis.tls),
    prefix: config.redis.prefix,
    settings: { ...config.heartbeat, insufficientFundsRetryMs: config.funds.insufficientFundsRetryMs },
    logger: log,
  });
  const names = new Map(deployments.chains.map((chain) => [chain.eid, chain.name]));
  const labels = ['eid', 'chain'] as const;
  const age = metrics.gauge({ name: 'ballast_heartbeat_age_seconds', help: "Age of each remote's last HEARTBEAT (the mirror's lastHeartbeat) by the remote's clock at the last tick.", labelNames: labels });
  const remaining = metrics.gauge({ name: 'ballast_heartbeat_window_remaining_seconds', help: "Seconds until each remote refuses draws (lastHeartbeat + heartbeatPeriod − now); 0 or less: it refuses them now.", labelNames: labels });
  const sent = metrics.counter({ name: 'ballast_heartbeats_sent_total', help: 'HEARTBEATs this process sent and saw mined, per remote.', labelNames: labels });
  const fees = metrics.counter({ name: 'ballast_heartbeat_fees_wei_total', help: 'What those heartbeats cost on home, wei: the LayerZero fee plus gas.', labelNames: labels });
  const overBudget = metrics.counter({ name: 'ballast_heartbeat_budget_exceeded_total', help: 'Heartbeat jobs that waited because the heartbeat cost more than heartbeat.maxFeeWei.', labelNames: labels });
  const failed = metrics.counter({ name: 'ballast_heartbeat_failures_total', help: 'Heartbeat job attempts that failed in this process (retried with backoff, or waiting for funds).', labelNames: labels });
  const marginCovers = metrics.gauge({ name: 'ballast_heartbeat_margin_covers_period', help: "1 when heartbeat.marginMs is not shorter than the remote's heartbeat period (a heartbeat is sent on every arrival), else 0.", labelNames: labels });
  metrics.collect('heartbeat', () => {
    for (const eid of heartbeats.remotes) {
      const at = { eid, chain: names.get(eid) ?? String(eid) };
      const window = heartbeats.metrics.windows.get(eid);
      if (window) {
        age.set(at, window.chainNow - window.lastHeartbeat);
        remaining.set(at, window.lastHeartbeat + window.period - window.chainNow);
      }
      sent.setTotal(at, heartbeats.metrics.sent.get(eid) ?? 0);
      fees.setTotal(at, Number(heartbeats.metrics.feesWei.get(eid) ?? 0n));
      overBudget.setTotal(at, heartbeats.metrics.budgetExceeded.get(eid) ?? 0);
      failed.setTotal(at, heartbeats.metrics.failed.get(eid) ?? 0);
      if (window) marginCovers.set(at, heartbeats.metrics.marginCoversPeriod.has(eid) ? 1 : 0);
    }
  });
  const transactors = transactorWatchFor(config, 'heartbeat', chains, logger);
  registerTransactorMetrics(metrics, transactors);
  return {
    name: 'heartbeat',
    start: () => {
      heartbeats.start();
      transactors.start();
    },
    stop: async ({ deadline }) => {
      transactors.stop();
      await heartbeats.stop({ graceMs: Math.max(0, deadline - Date.now()) });
    },
    warnings: () => [
      ...transactors.warnings(),
      ...[...heartbeats.metrics.marginCoversPeriod].map(([eid, period]) => `heartbeat.marginMs (${config.heartbeat.marginMs} ms) is not shorter than ${names.get(eid) ?? eid}'s heartbeat period (${period} s): a heartbeat goes out on every arrival`),
    ],
  };
};
