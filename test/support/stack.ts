// A whole local stack for suites and the demo: Redis (started if none answers), a devnet with
// PingOApp on every chain, and ping clients per chain. The courier is started by the caller
// (in-process or as a child process), with a Redis prefix of its own per run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Devnet, type DevnetOptions, type LocalRedis, deployPingOApps, devnetKeys, ensureRedis, startDevnet } from '@ballast/devnet';
import { type CourierOptions, Courier, createLogger } from '@ballast/relayer';
import { Redis } from 'ioredis';
import { PingClient } from './pings.ts';

export type Stack = {
  redis: LocalRedis;
  devnet: Devnet;
  /** A Redis key prefix unique to this run. */
  prefix: string;
  /** Ping clients by eid, for user `users[0]`. */
  pings: Map<number, PingClient>;
  /** Builds an in-process courier on this stack (not started). */
  courier: (overrides?: Partial<CourierOptions>) => Courier;
  stop: () => Promise<void>;
};

export async function startStack(options: DevnetOptions & { log?: (line: string) => void } = {}): Promise<Stack> {
  const redis = await ensureRedis();
  const deploymentsPath = options.deploymentsPath ?? join(mkdtempSync(join(tmpdir(), 'ballast-')), 'deployments.json');
  const devnet = await startDevnet({ ...options, deploymentsPath });
  const couriers: Courier[] = [];
  const prefix = `test-${process.pid}-${Date.now()}`;
  const stop = async () => {
    await Promise.all(couriers.map((courier) => courier.stop()));
    await devnet.stop();
    // Remove this run's keys; the Redis may be shared with other work.
    const client = new Redis(redis.url);
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
    await redis.stop();
  };
  try {
    await deployPingOApps(devnet);
  } catch (error) {
    await stop();
    throw error;
  }
  const pings = new Map(devnet.deployments.chains.map((chain) => [chain.eid, new PingClient(chain, devnetKeys.users[0])]));
  const courier = (overrides: Partial<CourierOptions> = {}) => {
    const instance = new Courier({
      deployments: devnet.deployments,
      redisUrl: redis.url,
      prefix,
      transactorKey: devnetKeys.couriers[0],
      dvnSignerKeys: [devnetKeys.dvnSigner],
      logger: createLogger(process.env.BALLAST_LOG_LEVEL ?? 'silent'),
      ...overrides,
    });
    couriers.push(instance);
    return instance;
  };
  return { redis, devnet, prefix, pings, courier, stop };
}
