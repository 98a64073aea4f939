// Faults (issue 21): a Redis that answers with error replies instead of going away — out of memory under
// `noeviction` (OOM), the relayer's ACL user removed and restored (WRONGPASS), a switch to replica and back
// (READONLY) — and a Redis configured to evict (`allkeys-lru`). Each runs a `ballast-relayer start` process
// (courier, ingest, keeper) against a redis-server of the test's own while pings and a deposit happen during
// the fault: the process stays up, `/healthz` fails during the fault and recovers after, every packet is
// delivered exactly once and the reconcile store counts the deposit once. Secrets (the Redis password, an
// RPC URL's key) never appear in a log line or an ops endpoint.
import { BALLAST_CONTRACTS, deployBallast, devnetKeys, liveChildren } from '@ballast/devnet';
import { type Deployments, homeChain } from '@ballast/protocol';
import { ReconcileStore, lastAuditReport } from '@ballast/relayer';
import { Redis } from 'ioredis';
import { parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BallastUser } from '../support/ballast.ts';
import { packetLedger } from '../support/ballast-events.ts';
import { freePort } from '../support/free-port.ts';
import { type PrivateRedis, startPrivateRedis, userUrl } from '../support/private-redis.ts';
import { type RelayerProcess, liveRelayerProcesses, spawnRelayerProcess, startRelayerProcess, stopRelayerProcesses, writeRelayerConfig } from '../support/relayer-process.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { StallingRpcProxy } from '../support/stalling-rpc-proxy.ts';
import { waitUntil } from '../support/wait.ts';

const PASSWORD = 'relayer-redis-password-Zq81';
const ACL_USER = ['relayer', 'on', `>${PASSWORD}`, '~*', '&*', '+@all'];
/** How long each fault lasts once /healthz reports it. */
const FAULT_MS = 6_000;

let stack: Stack;
let deployments: Deployments;
let home: number;
let remote: number;

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet);
  deployments = stack.devnet.deployments;
  home = homeChain(deployments).eid;
  remote = deployments.chains.find((chain) => chain.role === 'remote')?.eid ?? 0;
});

afterAll(async () => {
  await stopRelayerProcesses();
  await stack?.stop();
  expect(liveRelayerProcesses()).toEqual([]);
  expect(liveChildren()).toEqual([]);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(relayer: RelayerProcess): boolean {
  return relayer.child.exitCode === null && relayer.child.signalCode === null;
}

function relayerConfig(name: string, redisUrl: string, prefix: string, extra: Record<string, unknown> = {}): string {
  return writeRelayerConfig(stack.devnet.deploymentsPath, name, {
    redis: { url: redisUrl, prefix },
    roles: ['courier', 'ingest', 'keeper'],
    courier: { lockDurationMs: 2_000 },
    ingest: { pollIntervalMs: 100, maxBackoffMs: 1_000 },
    keeper: { lockDurationMs: 2_000, sweepIntervalMs: 2_000, backoffMs: 200, maxBackoffMs: 1_000 },
    audit: { intervalMs: 1_000 },
    health: { rpcProbeIntervalMs: 500, redisTimeoutMs: 500 },
    shutdown: { timeoutMs: 5_000 },
    ...extra,
  });
}

const relayerEnv = { BALLAST_TRANSACTOR_KEY: devnetKeys.couriers[1], BALLAST_DVN_SIGNER_KEYS: devnetKeys.dvnSigner, BALLAST_KEEPER_KEY: devnetKeys.users[1] };

type Health = { status: string; problems: string[] };

async function health(relayer: RelayerProcess): Promise<{ status: number; report: Health }> {
  const response = await relayer.get('/healthz');
  return { status: response.status, report: JSON.parse(response.body) as Health };
}

/** Every packet sent on the devnet so far is delivered, none twice. */
async function everyPacketDelivered(): Promise<true | string> {
  const packets = await packetLedger(deployments);
  if (packets.deliveredTwice.length > 0) return `delivered twice: ${packets.deliveredTwice.join(', ')}`;
  return packets.undelivered.length === 0 || `${packets.undelivered.length} of ${packets.sent} not delivered`;
}

/** Sends one ping each way between home and the first remote (without waiting for delivery). */
async function sendPings(): Promise<void> {
  await Promise.all([stack.pings.get(home)?.send(remote), stack.pings.get(remote)?.send(home)]);
}

type FaultRun = {
  name: string;
  /** The relayer's Redis URL on `redis` (an ACL user's, say). */
  url: (redis: PrivateRedis) => string;
  setUp?: (redis: PrivateRedis) => Promise<void>;
  inject: (redis: PrivateRedis) => Promise<void>;
  lift: (redis: PrivateRedis) => Promise<void>;
  /** What /healthz must say about Redis during the fault (a word of the error reply). */
  reply: string;
  /** A user who deposits WETH before and during the fault. */
  userIndex: number;
  /** Checks made while the fault lasts. */
  during?: (relayer: RelayerProcess) => Promise<void>;
};

async function runFault({ name, url, setUp, inject, lift, reply, userIndex, during }: FaultRun): Promise<{ relayer: RelayerProcess; reported: string }> {
  const redis = await startPrivateRedis();
  try {
    await setUp?.(redis);
    const prefix = `${stack.prefix}:${name}`;
    const relayer = await startRelayerProcess(relayerConfig(`relayer-${name}`, url(redis), prefix), { env: relayerEnv, name });
    await waitUntil('/healthz ok', async () => (await health(relayer)).status === 200 || JSON.stringify((await health(relayer)).report), 30_000);
    const user = new BallastUser(deployments, devnetKeys.users[userIndex] as `0x${string}`);
    await user.deposit('weth', parseEther('1'));
    await sendPings();
    await waitUntil('the first pings delivered', everyPacketDelivered, 60_000);

    await inject(redis);
    let reported = '';
    await waitUntil(
      `/healthz to report ${reply}`,
      async () => {
        const { status, report } = await health(relayer);
        reported = report.problems.find((problem) => problem.startsWith('redis')) ?? '';
        return (status === 503 && reported.includes(reply)) || `${status} ${JSON.stringify(report)}`;
      },
      15_000,
      100,
    );
    // Work arrives during the fault: packets to carry and a deposit to ingest.
    await sendPings();
    await user.deposit('weth', parseEther('2'));
    await sleep(FAULT_MS);
    await during?.(relayer);
    expect(alive(relayer), relayer.output()).toBe(true);
    expect((await health(relayer)).status).toBe(503);

    const liftedAt = Date.now();
    await lift(redis);
    await waitUntil('/healthz to recover', async () => (await health(relayer)).status === 200 || JSON.stringify((await health(relayer)).report), 30_000, 100);
    await waitUntil('every packet delivered once', everyPacketDelivered, 90_000);
    // The deposit during the fault is in the store once: 3 WETH, not 1 (lost) or 5 (applied twice).
    const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    try {
      const store = new ReconcileStore({ redis: admin, chains: deployments.chains, prefix });
      const weth = user.contract(home, BALLAST_CONTRACTS.weth);
      await waitUntil('the deposit ingested', async () => ((await store.account(user.address)).collateral[weth] === parseEther('3')) || `store has ${(await store.account(user.address)).collateral[weth]}`, 30_000);
      expect(await user.collateralOf('weth')).toBe(parseEther('3'));
      await waitUntil(
        'an audit after the fault with no drift',
        async () => {
          const report = await lastAuditReport(admin, prefix);
          return (report !== undefined && report.startedAt > liftedAt && report.accounts > 0 && report.driftedAccounts === 0) || JSON.stringify(report);
        },
        30_000,
      );
    } finally {
      admin.disconnect();
    }
    expect(await everyPacketDelivered()).toBe(true);
    expect(alive(relayer), relayer.output()).toBe(true);
    const { code } = await relayer.terminate();
    expect(code, relayer.output()).toBe(0);
    console.log(`${name}: /healthz said "${reported}"; recovered ${Date.now() - liftedAt} ms after the fault was lifted`);
    return { relayer, reported };
  } finally {
    await stopRelayerProcesses();
    await redis.stop();
  }
}

describe('Redis error replies are outages, not crashes', () => {
  test('OOM (maxmemory reached under noeviction): the process stays up, /healthz fails, then everything lands once', async () => {
    await runFault({
      name: 'oom',
      url: (redis) => redis.url,
      inject: async (redis) => {
        await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
        await redis.admin.config('SET', 'maxmemory', '1');
      },
      lift: async (redis) => {
        await redis.admin.config('SET', 'maxmemory', '0');
      },
      reply: 'OOM',
      userIndex: 2,
      // /metrics shows why: used memory above the limit (INFO still answers at OOM).
      during: async (relayer) => {
        const { body } = await relayer.get('/metrics');
        expect(body).toContain('ballast_redis_maxmemory_bytes 1\n');
        expect(Number(/ballast_redis_used_memory_bytes (\d+)/.exec(body)?.[1])).toBeGreaterThan(1);
        expect(body).toContain('ballast_redis_evicted_keys_total 0\n');
      },
    });
  }, 240_000);

  test('WRONGPASS (the ACL user removed, then restored): the process stays up, /healthz fails, the password is never printed', async () => {
    const { relayer } = await runFault({
      name: 'wrongpass',
      url: (redis) => userUrl(redis, 'relayer', PASSWORD),
      setUp: async (redis) => {
        await redis.admin.call('ACL', 'SETUSER', ...ACL_USER);
      },
      inject: async (redis) => {
        // Removing a user closes its connections: every reconnect is refused until it is back.
        await redis.admin.call('ACL', 'DELUSER', 'relayer');
      },
      lift: async (redis) => {
        await redis.admin.call('ACL', 'SETUSER', ...ACL_USER);
      },
      reply: 'WRONGPASS',
      userIndex: 3,
    });
    expect(relayer.raw()).not.toContain(PASSWORD);
  }, 240_000);

  test('READONLY (switched to a replica of a dead master, then back): the process stays up, /healthz fails, then everything lands once', async () => {
    const deadMaster = await freePort();
    await runFault({
      name: 'readonly',
      url: (redis) => redis.url,
      // A replica keeps its data until it syncs, and a dead master never syncs it: writes are refused.
      inject: async (redis) => {
        await redis.admin.call('REPLICAOF', '127.0.0.1', String(deadMaster));
      },
      lift: async (redis) => {
        await redis.admin.call('REPLICAOF', 'NO', 'ONE');
      },
      reply: 'READONLY',
      userIndex: 4,
    });
  }, 240_000);
});

describe('start refuses a Redis that evicts', () => {
  test('maxmemory-policy allkeys-lru: start exits 1 naming the policy and the fix', async () => {
    const redis = await startPrivateRedis();
    try {
      await redis.admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const relayer = spawnRelayerProcess(relayerConfig('relayer-evicting', redis.url, `${stack.prefix}:evicting`), { env: relayerEnv });
      expect(await relayer.exited).toBe(1);
      expect(relayer.output()).toContain('allkeys-lru');
      expect(relayer.output()).toContain('noeviction');
      expect(relayer.logs.some((line) => line.msg === 'relayer started')).toBe(false);
    } finally {
      await stopRelayerProcesses();
      await redis.stop();
    }
  }, 60_000);

  test('a Redis that starts evicting later (a failover to a server configured otherwise): /healthz names the policy once reconnected', async () => {
    const redis = await startPrivateRedis();
    try {
      const relayer = await startRelayerProcess(relayerConfig('relayer-evicting-later', redis.url, `${stack.prefix}:evicting-later`), { env: relayerEnv });
      await waitUntil('/healthz ok', async () => (await health(relayer)).status === 200 || 'not yet', 30_000);
      await redis.admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      // Every connection of the relayer drops and reconnects, as after a failover.
      await redis.admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await waitUntil(
        '/healthz to name the policy',
        async () => {
          const { status, report } = await health(relayer);
          return (status === 503 && report.problems.some((problem) => problem.includes('"allkeys-lru"'))) || JSON.stringify(report);
        },
        20_000,
      );
      await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
      await redis.admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await waitUntil('/healthz ok again', async () => (await health(relayer)).status === 200 || JSON.stringify((await health(relayer)).report), 20_000);
      expect(alive(relayer)).toBe(true);
      expect((await relayer.terminate()).code).toBe(0);
    } finally {
      await stopRelayerProcesses();
      await redis.stop();
    }
  }, 90_000);

  test('a user the ACL forbids CONFIG: start warns that it cannot check the policy and runs', async () => {
    const redis = await startPrivateRedis();
    try {
      await redis.admin.call('ACL', 'SETUSER', ...ACL_USER, '-config');
      const relayer = await startRelayerProcess(relayerConfig('relayer-noconfig', userUrl(redis, 'relayer', PASSWORD), `${stack.prefix}:noconfig`), { env: relayerEnv });
      const warning = relayer.logs.find((line) => String(line.msg).includes('maxmemory-policy'));
      expect(warning?.level).toBe(40);
      expect(String(warning?.msg)).toContain('cannot');
      expect((await relayer.terminate()).code).toBe(0);
      expect(relayer.raw()).not.toContain(PASSWORD);
    } finally {
      await stopRelayerProcesses();
      await redis.stop();
    }
  }, 60_000);
});

describe('secrets are never printed', () => {
  test('an RPC URL with keys in its path and query and a Redis password appear in no log line and no ops endpoint', async () => {
    const redis = await startPrivateRedis();
    const remoteChain = deployments.chains.find((chain) => chain.eid === remote);
    if (!remoteChain) throw new Error('devnet needs a remote');
    const proxy = await StallingRpcProxy.start(remoteChain.rpcUrl);
    const pathKey = 'SECRETKEY0a1b2c3d4e5f';
    const queryKey = 'SECRET2apikey9z8y7x';
    try {
      await redis.admin.call('ACL', 'SETUSER', ...ACL_USER);
      const rpcUrl = `${proxy.url}/v3/${pathKey}?apikey=${queryKey}`;
      const relayer = await startRelayerProcess(
        relayerConfig('relayer-secrets', userUrl(redis, 'relayer', PASSWORD), `${stack.prefix}:secrets`, {
          chains: [{ eid: remote, rpcUrl }],
          health: { rpcProbeIntervalMs: 250, rpcTimeoutMs: 1_000, rpcMaxAgeMs: 2_000, redisTimeoutMs: 500 },
          logLevel: 'debug',
        }),
        { env: relayerEnv, name: 'secrets' },
      );
      // Failures everywhere: the RPC stalls past the roles' 10 s request timeout (a timeout's message
      // carries the request URL) while packets wait to be delivered through it; Redis refuses the
      // relayer's password for a while.
      await sendPings();
      proxy.stall(14_000);
      await sendPings();
      await sleep(8_000);
      await redis.admin.call('ACL', 'DELUSER', 'relayer');
      await sleep(4_000);
      const during = await Promise.all(['/healthz', '/status', '/metrics', '/'].map((path) => relayer.get(path)));
      await redis.admin.call('ACL', 'SETUSER', ...ACL_USER);
      await waitUntil('the stall to end', async () => !proxy.stalled || 'stalled', 15_000);
      await waitUntil('every packet delivered once', everyPacketDelivered, 90_000);
      const after = await Promise.all(['/healthz', '/status', '/metrics', '/'].map((path) => relayer.get(path)));
      expect(alive(relayer), relayer.output()).toBe(true);
      expect((await relayer.terminate()).code).toBe(0);

      const warnings = relayer.logs.filter((line) => (line.level as number) >= 40);
      expect(warnings.length, 'the faults were logged').toBeGreaterThan(0);
      const printed = [relayer.raw(), ...[...during, ...after].map((response) => response.body)].join('\n');
      // The URL was there to leak: the lines name the RPC by its origin only.
      expect(printed).toContain(`${proxy.url}/…`);
      for (const secret of [PASSWORD, pathKey, queryKey]) expect(printed, secret).not.toContain(secret);
      console.log(`secrets: ${relayer.logs.length} log lines (${warnings.length} warnings or worse), ${printed.length} characters printed, no secret among them`);
    } finally {
      await stopRelayerProcesses();
      await proxy.close();
      await redis.stop();
    }
  }, 180_000);
});
