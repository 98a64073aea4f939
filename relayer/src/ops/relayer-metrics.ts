// Metrics every relayer process exports whatever roles it runs: queue depths under its prefix (read
// from Redis at scrape time, so any process shows the whole cluster's queues), each chain's RPC health
// and head, Redis reachability, and which roles run. Role metrics are added by the roles (./roles.ts).
import type { ChainDeployment } from '@ballast/protocol';
import type { Redis } from 'ioredis';
import type { RelayerRole } from './config-file.ts';
import type { MetricsRegistry } from './metrics.ts';
import { QUEUE_STATES, RELAYER_QUEUES, RelayerQueues } from './queues.ts';
import { withTimeout } from './redis-connection.ts';
import type { RpcHealth } from './rpc-health.ts';

export type RegisterRelayerMetricsParameters = {
  metrics: MetricsRegistry;
  redis: Redis;
  prefix: string;
  chains: readonly ChainDeployment[];
  rpcHealth: RpcHealth;
  roles: readonly RelayerRole[];
  /** Queue names to report (those with keys under the prefix). @defaultValue RELAYER_QUEUES */
  queues?: readonly string[];
  /** @defaultValue 1_000 */
  redisTimeoutMs?: number;
};

export function registerRelayerMetrics({ metrics, redis, prefix, chains, rpcHealth, roles, queues = RELAYER_QUEUES, redisTimeoutMs = 1_000 }: RegisterRelayerMetricsParameters): void {
  const startedAt = Date.now() / 1000;
  metrics.gauge({ name: 'ballast_relayer_start_time_seconds', help: 'When this relayer process started (Unix seconds).' }).set({}, startedAt);
  const role = metrics.gauge({ name: 'ballast_relayer_role', help: 'Roles this process runs (1 per running role).', labelNames: ['role'] });
  for (const name of roles) role.set({ role: name }, 1);

  const jobs = metrics.gauge({ name: 'ballast_queue_jobs', help: 'Jobs in each queue of the prefix by state (every relayer sharing the prefix).', labelNames: ['queue', 'state'] });
  const paused = metrics.gauge({ name: 'ballast_queue_paused', help: '1 when the queue is paused (drained) for every relayer of the prefix.', labelNames: ['queue'] });
  const relayerQueues = new RelayerQueues(redis, prefix, queues);
  metrics.collect('queues', async () => {
    const depths = await relayerQueues.depths();
    jobs.reset();
    paused.reset();
    for (const [queue, depth] of Object.entries(depths)) {
      for (const state of QUEUE_STATES) jobs.set({ queue, state }, depth[state]);
      paused.set({ queue }, depth.paused ? 1 : 0);
    }
  });

  const redisUp = metrics.gauge({ name: 'ballast_redis_up', help: '1 when Redis answered a PING during this scrape.' });
  metrics.collect('redis', async () => {
    try {
      await withTimeout(redis.ping(), redisTimeoutMs, 'no answer');
      redisUp.set({}, 1);
    } catch {
      redisUp.set({}, 0);
    }
  });

  const labels = ['eid', 'chain'] as const;
  const rpcUp = metrics.gauge({ name: 'ballast_rpc_up', help: "1 when the chain's RPC answered its last probe.", labelNames: labels });
  const lastAnswer = metrics.gauge({ name: 'ballast_rpc_last_answer_timestamp_seconds', help: "When the chain's RPC last answered a probe (0 never).", labelNames: labels });
  const head = metrics.gauge({ name: 'ballast_chain_head_block', help: 'Head block at the last RPC probe.', labelNames: labels });
  const names = new Map(chains.map((chain) => [chain.eid, chain.name]));
  metrics.collect('rpc', () => {
    for (const state of rpcHealth.states()) {
      const at = { eid: state.eid, chain: names.get(state.eid) ?? state.chain };
      rpcUp.set(at, state.lastAnswerAt > 0 && state.lastError === undefined ? 1 : 0);
      lastAnswer.set(at, state.lastAnswerAt / 1000);
      if (state.headBlock !== undefined) head.set(at, Number(state.headBlock));
    }
  });
}
