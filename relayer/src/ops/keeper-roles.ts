// The keeper and the liquidator as Services: one `Keeper` each, over the shared Redis prefix. The
// keeper recalls, flags, clears and returns parked credit (`actions` queue); the liquidator is a second
// Keeper with every keeper action off and its liquidation module on (`liquidations` queue), so a process
// can run either with its own key. In a process that also runs ingest, both follow it: an applied
// batch re-scores the accounts it touched (patched from its writes, no store read) and a feed's answer
// the holders of its asset, within ingest's poll of the event; without it they learn of changes at their
// sweeps (`keeper.sweepIntervalMs`) only. Their settings are the config file's `keeper` object, checked
// with the rest of the file before anything starts (docs/OPERATIONS.md#keeper); the keeper reads the
// vault's own recall and flag lines from the chain, never a copy in the file.
import { Chains } from '../chains.ts';
import { privateKeyFromEnv } from '../config.ts';
import { registerTransactorMetrics } from '../transactor-watch.ts';
import { transactorWatchFor } from './config-file.ts';
import { KEEPER_ACTIONS, type KeeperSettings, Keeper } from '../keeper/index.ts';
import { redisOptions } from './redis-connection.ts';
import type { Service, ServiceContext, ServiceFactory } from './services.ts';

/** The keeper's settings from the config file's `keeper` object, with the role's actions switched on or off. */
function keeperSettings(context: ServiceContext, role: 'keeper' | 'liquidator'): KeeperSettings {
  const settings: KeeperSettings = { ...context.config.keeper };
  if (role === 'liquidator') {
    settings.actions = { recall: false, flag: false, clear: false, returnParked: false };
    settings.liquidator = { ...settings.liquidator, enabled: true };
  } else {
    settings.liquidator = { ...settings.liquidator, enabled: false };
  }
  return settings;
}

function keeperRole(role: 'keeper' | 'liquidator'): ServiceFactory {
  return (context): Service => {
    const { config, deployments, env, logger, metrics, local } = context;
    // Key first: a missing one is reported before anything connects.
    const transactorKey = privateKeyFromEnv(role === 'keeper' ? config.keys.keeper : config.keys.liquidator, env);
    const chains = new Chains(deployments, { transactorKey, transactions: config.transactions });
    const keeper = new Keeper({
      deployments,
      chains,
      redisUrl: config.redis.url,
      redisOptions: redisOptions(config.redis.tls),
      prefix: config.redis.prefix,
      transactorKey,
      settings: keeperSettings(context, role),
      logger: logger.child({ role }),
      ingest: local.ingest?.ingest,
      store: local.ingest?.store,
    });
    const actions = metrics.gauge({
      name: 'ballast_keeper_actions',
      help: 'Action jobs this process finished, by action and outcome (sent, skipped, error, failed).',
      labelNames: ['role', 'action', 'outcome'],
    });
    const latency = metrics.gauge({
      name: 'ballast_keeper_action_latency_max_seconds',
      help: 'Longest time from the score that wanted an action to its mined transaction, per action.',
      labelNames: ['role', 'action'],
    });
    const buckets = metrics.gauge({
      name: 'ballast_accounts_by_health_bucket',
      help: 'Accounts scored by the keepers sharing this prefix, by health bucket.',
      labelNames: ['role', 'bucket'],
    });
    metrics.collect(role, () => {
      const snapshot = keeper.metrics.snapshot();
      for (const action of KEEPER_ACTIONS) {
        for (const [outcome, count] of Object.entries(snapshot.actions[action])) actions.set({ role, action, outcome }, count);
        latency.set({ role, action }, snapshot.latencyMs[action].maxMs / 1000);
      }
      for (const [bucket, count] of Object.entries(snapshot.accountsByBucket)) buckets.set({ role, bucket }, count);
    });
    const transactors = transactorWatchFor(config, role, chains, logger);
    registerTransactorMetrics(metrics, transactors);
    return {
      name: role,
      start: () => {
        keeper.start();
        transactors.start();
      },
      stop: async ({ deadline }) => {
        transactors.stop();
        await keeper.stop({ graceMs: Math.max(0, deadline - Date.now()) });
      },
      warnings: () => transactors.warnings(),
    };
  };
}

/** The keeper: recall, flag, clear, return parked credit. */
export const keeperService: ServiceFactory = keeperRole('keeper');

/** The liquidator: repays flagged accounts' debt on remotes from its inventory, collects collateral on home. */
export const liquidatorService: ServiceFactory = keeperRole('liquidator');
