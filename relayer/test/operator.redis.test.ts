// The operator interface on a real devnet (three anvil chains, LayerZero, Ballast) and Redis, with
// `ballast-relayer start` as operators run it — a child process with a config file: it serves /metrics
// with every documented metric and /healthz 200, `status` shows per-chain cursors and lag, the deliver
// queue and the failing packets, and SIGTERM stops it with exit 0 within seconds. A chain whose RPC
// does not answer makes /healthz 503 naming that chain while the process keeps running. `accounts
// --at-risk` lists the accounts whose health the reconcile store's amounts put low, computed as the
// vault computes it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pingOAppAbi } from '@ballast/abi';
import { ChainDeployer, PING_OAPP, deployBallast, devnetKeys, liveChildren, repoRoot } from '@ballast/devnet';
import { type Deployments, contractAddress } from '@ballast/protocol';
import { Redis } from 'ioredis';
import { parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { freePort } from '../../test/support/free-port.ts';
import type { PingClient } from '../../test/support/pings.ts';
import { type RelayerProcess, liveRelayerProcesses, startRelayerProcess, stopRelayerProcesses, writeRelayerConfig } from '../../test/support/relayer-process.ts';
import { type Stack, startStack } from '../../test/support/stack.ts';
import { chainPublicClient } from '../src/chains.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { KeeperLedger } from '../src/keeper/ledger.ts';
import { ReconcileStore } from '../src/reconcile/account-store.ts';

const execute = promisify(execFile);
let stack: Stack;
let deployments: Deployments;

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet);
  deployments = stack.devnet.deployments;
});

afterAll(async () => {
  await stopRelayerProcesses();
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
  expect(liveRelayerProcesses()).toEqual([]);
});

/** Writes a config file beside the deployments file for this run, on the stack's Redis. */
function writeConfig(name: string, config: Record<string, unknown>): string {
  return writeRelayerConfig(stack.devnet.deploymentsPath, name, { redis: { url: stack.redis.url }, ...config });
}

/** Starts `ballast-relayer start --config <config>` with courier keys; resolves once it serves /metrics and has started its roles. */
function startRelayer(config: string, transactor = devnetKeys.couriers[2], extraEnv: Record<string, string> = {}): Promise<RelayerProcess> {
  return startRelayerProcess(config, { env: { BALLAST_TRANSACTOR_KEY: transactor, BALLAST_DVN_SIGNER_KEYS: devnetKeys.dvnSigner, ...extraEnv } });
}

/** Polls `check` until it returns a value (not undefined). */
async function eventually<value>(check: () => Promise<value | undefined>, timeoutMs = 20_000): Promise<value> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, ['--import', 'tsx', 'relayer/src/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The value of one series in a Prometheus text body, or undefined. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ballast-relayer start', () => {
  test('serves /metrics and /healthz, status shows cursors, queue and failing packets, SIGTERM exits 0', async () => {
    const [home, remote1, remote2] = deployments.chains;
    if (!home || !remote1 || !remote2) throw new Error('devnet needs three chains');
    const prefix = `${stack.prefix}:start`;
    const config = writeConfig('relayer-start', {
      redis: { url: stack.redis.url, prefix },
      roles: ['courier', 'ingest'],
      ingest: { pollIntervalMs: 50 },
      health: { rpcProbeIntervalMs: 200, rpcMaxAgeMs: 5_000 },
      shutdown: { timeoutMs: 5_000 },
    });
    // Packets to remote1 are refused by its receiver (they fail and are retried); remote2 → home lands.
    await new ChainDeployer(remote1, devnetKeys.deployer).write('PingOApp.setRefusing', contractAddress(remote1, PING_OAPP), pingOAppAbi, 'setRefusing', [true]);
    const relayer = await startRelayer(config);

    const health = await eventually(async () => {
      const response = await relayer.get('/healthz');
      return response.status === 200 ? (JSON.parse(response.body) as { status: string; chains: { ok: boolean }[]; redis: { ok: boolean } }) : undefined;
    });
    expect(health).toMatchObject({ status: 'ok', problems: [], redis: { ok: true } });
    expect(health.chains.map((chain) => chain.ok)).toEqual([true, true, true]);

    const ping = (eid: number) => stack.pings.get(eid) as PingClient;
    await ping(home.eid).send(remote1.eid, 2);
    await ping(remote2.eid).send(home.eid, 1);
    const metrics = await eventually(async () => {
      const { body } = await relayer.get('/metrics');
      const delivered = sample(body, `ballast_deliveries_total{src_eid="${remote2.eid}",dst_eid="${home.eid}",status="delivered"}`);
      const failing = sample(body, 'ballast_courier_failing_packets');
      return delivered === 1 && failing === 2 ? body : undefined;
    });
    for (const name of [
      'ballast_ingest_head_lag_blocks',
      'ballast_ingest_head_block',
      'ballast_ingest_applied_block',
      'ballast_ingest_events_total',
      'ballast_ingest_batches_total',
      'ballast_ingest_reorgs_total',
      'ballast_ingest_blocks_rolled_back_total',
      'ballast_ingest_poll_errors_total',
      'ballast_ingest_conflicts_total',
      'ballast_ingest_last_commit_timestamp_seconds',
      'ballast_queue_jobs',
      'ballast_queue_paused',
      'ballast_jobs_failed_total',
      'ballast_deliveries_total',
      'ballast_delivery_latency_seconds',
      'ballast_courier_failing_packets',
      'ballast_courier_cursor_block',
      'ballast_rpc_up',
      'ballast_rpc_last_answer_timestamp_seconds',
      'ballast_chain_head_block',
      'ballast_redis_up',
      'ballast_relayer_role',
      'ballast_relayer_start_time_seconds',
      'ballast_metrics_collect_errors_total',
      'ballast_reconcile_audit_runs_total',
      'ballast_reconcile_audit_last_timestamp_seconds',
      'ballast_reconcile_audit_accounts',
      'ballast_reconcile_drift_accounts',
      'ballast_reconcile_drift_values',
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(metrics).toMatch(new RegExp(`^ballast_queue_jobs\\{queue="deliver",state="${state}"\\} \\d+$`, 'm'));
    expect(sample(metrics, `ballast_ingest_head_lag_blocks{eid="${home.eid}",chain="home"}`)).toBeGreaterThanOrEqual(0);
    expect(sample(metrics, `ballast_rpc_up{eid="${remote2.eid}",chain="remote2"}`)).toBe(1);
    expect(sample(metrics, 'ballast_redis_up')).toBe(1);
    expect(sample(metrics, 'ballast_jobs_failed_total{queue="deliver"}')).toBeGreaterThanOrEqual(2);
    expect(sample(metrics, 'ballast_relayer_role{role="ingest"}')).toBe(1);
    // Ballast's deployment emitted events on every chain; ingest has applied them.
    expect(sample(metrics, `ballast_ingest_events_total{eid="${home.eid}",chain="home"}`)).toBeGreaterThan(0);
    // The audit ran at start (one pass per interval for the prefix) and found no drift.
    expect(sample(metrics, 'ballast_reconcile_audit_runs_total{outcome="completed"}')).toBe(1);
    expect(sample(metrics, 'ballast_reconcile_audit_last_timestamp_seconds')).toBeGreaterThan(0);
    expect(sample(metrics, 'ballast_reconcile_drift_accounts')).toBe(0);

    const status = await cli(['status', '--config', config]);
    expect(status.code, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout) as {
      prefix: string;
      chains: { eid: number; chain: string; headBlock: string; ingest: { block: string; lagBlocks: number }; courier: { block: string; lagBlocks: number } }[];
      queues: Record<string, { paused: boolean; delayed: number; completed: number }>;
      failing: { reason: string; dstEid: number; attempts: number }[];
    };
    expect(shown.prefix).toBe(prefix);
    expect(shown.chains.map((chain) => chain.chain)).toEqual(['home', 'remote1', 'remote2']);
    for (const chain of shown.chains) {
      expect(BigInt(chain.headBlock)).toBeGreaterThan(0n);
      expect(chain.ingest.lagBlocks).toBeGreaterThanOrEqual(0);
      expect(chain.courier.lagBlocks).toBeGreaterThanOrEqual(0);
      expect(chain.ingest.lagBlocks).toBe(Number(BigInt(chain.headBlock) - BigInt(chain.ingest.block)));
    }
    expect(shown.queues.deliver).toMatchObject({ paused: false });
    expect(shown.queues.deliver?.completed).toBeGreaterThanOrEqual(1);
    expect(shown.failing).toHaveLength(2);
    for (const failure of shown.failing) {
      expect(failure.dstEid).toBe(remote1.eid);
      expect(failure.reason).toMatch(/^PingOApp_Refused\(40101, \d+\)$/);
    }

    // The same status over HTTP (GET /status), and as the dashboard page (GET /).
    const served = JSON.parse((await relayer.get('/status')).body) as typeof shown;
    expect(served.prefix).toBe(prefix);
    expect(served.chains.map((chain) => chain.chain)).toEqual(['home', 'remote1', 'remote2']);
    expect(served.failing).toHaveLength(2);
    const page = await relayer.get('/');
    expect(page.status).toBe(200);
    for (const text of ['<td>home</td>', '<td>remote1</td>', '<td>remote2</td>', '<td>deliver</td>', 'PingOApp_Refused(40101, ', 'Last audit of the reconcile store']) expect(page.body).toContain(text);

    const { code, ms } = await relayer.terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(relayer.logs.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['shutting down: taking no new jobs; jobs in flight get until the deadline, then are handed back', 'relayer stopped']));
    expect(relayer.logs.find((entry) => entry.msg === 'relayer stopped')).toMatchObject({ stopped: ['ingest', 'courier'], late: [], failed: [] });
    await new ChainDeployer(remote1, devnetKeys.deployer).write('PingOApp.setRefusing', contractAddress(remote1, PING_OAPP), pingOAppAbi, 'setRefusing', [false]);
  }, 60_000);

  test('a chain whose RPC does not answer makes /healthz 503 naming it, and the relayer keeps running', async () => {
    const remote2 = deployments.chains[2];
    if (!remote2) throw new Error('devnet needs three chains');
    // A port nothing listens on.
    const deadPort = await freePort();
    const config = writeConfig('relayer-dead-rpc', {
      redis: { url: stack.redis.url, prefix: `${stack.prefix}:dead-rpc` },
      chains: [{ eid: remote2.eid, rpcUrl: `http://127.0.0.1:${deadPort}` }],
      ingest: { pollIntervalMs: 50, maxBackoffMs: 500 },
      health: { rpcProbeIntervalMs: 200, rpcMaxAgeMs: 10_000 },
    });
    const relayer = await startRelayer(config);
    const report = await eventually(async () => {
      const response = await relayer.get('/healthz');
      return response.status === 503 ? (JSON.parse(response.body) as { status: string; problems: string[]; chains: { chain: string; ok: boolean; error: string | null }[] }) : undefined;
    });
    expect(report.status).toBe('unhealthy');
    expect(report.problems, JSON.stringify(report.problems)).toHaveLength(1);
    expect(report.problems[0]).toContain(`chain remote2 (eid ${remote2.eid}): RPC has not answered`);
    expect(report.chains.map((chain) => [chain.chain, chain.ok])).toEqual([
      ['home', true],
      ['remote1', true],
      ['remote2', false],
    ]);
    // The URL can carry an API key: it is never shown.
    expect(JSON.stringify(report)).not.toContain(String(deadPort));

    // Seconds later: still running, still saying why, the other chains followed.
    await new Promise((wait) => setTimeout(wait, 3_000));
    expect(relayer.child.exitCode).toBeNull();
    const again = await relayer.get('/healthz');
    expect(again.status).toBe(503);
    const { body } = await relayer.get('/metrics');
    expect(sample(body, `ballast_rpc_up{eid="${remote2.eid}",chain="remote2"}`)).toBe(0);
    expect(sample(body, `ballast_ingest_poll_errors_total{eid="${remote2.eid}",chain="remote2"}`)).toBeGreaterThan(0);
    expect(sample(body, `ballast_ingest_events_total{eid="${deployments.chains[0]?.eid}",chain="home"}`)).toBeGreaterThan(0);

    const { code, ms } = await relayer.terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
  }, 60_000);
});

describe('ballast-relayer accounts', () => {
  test('--at-risk lists the accounts whose computed health is low, as the vault computes it', async () => {
    const prefix = `${stack.prefix}:accounts`;
    const [, remote1] = deployments.chains;
    if (!remote1) throw new Error('devnet needs a remote');
    // Three users at $2,000 per WETH: one exports near its power, one a fair share, one little.
    const [low, watched, safe] = [devnetKeys.users[1], devnetKeys.users[2], devnetKeys.users[3]].map((key) => new BallastUser(deployments, key));
    if (!low || !watched || !safe) throw new Error('three users');
    for (const [user, exported] of [
      [low, 1_500n],
      [watched, 1_200n],
      [safe, 500n],
    ] as const) {
      await user.deposit('weth', parseEther('1'));
      await user.exportCredit(remote1.eid, exported * 10n ** 18n);
    }
    // WETH falls to $1,600: health = 1,600 × 0.85 ÷ exported → 0.9067, 1.1333, 2.72.
    await low.setPrice('weth', 1_600n);

    // Ingest under a prefix of its own, caught up to the current heads.
    const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
    const chains = deployments.chains.map((deployment) => ({ deployment, publicClient: chainPublicClient(deployment) }));
    const ingest = new Ingest({ chains, redis, prefix, consumer: new ReconcileStore({ redis, chains: deployments.chains, prefix }), settings: { pollIntervalMs: 20 } });
    const heads = await Promise.all(chains.map((chain) => chain.publicClient.getBlockNumber()));
    ingest.start();
    await eventually(async () => {
      const cursors = await Promise.all(chains.map((chain) => ingest.ledger.cursor(chain.deployment.eid)));
      return cursors.every((cursor, index) => cursor !== undefined && cursor.block >= (heads[index] as bigint)) ? true : undefined;
    });
    await ingest.stop();

    const config = writeConfig('relayer-accounts', { redis: { url: stack.redis.url, prefix } });
    const atRisk = await cli(['accounts', '--at-risk', '--config', config]);
    expect(atRisk.code, atRisk.stderr).toBe(0);
    const report = JSON.parse(atRisk.stdout) as {
      source: string;
      basis: string;
      healthStored: boolean;
      listed: string;
      accountsSeen: number;
      accounts: { account: string; health: string; bucket: string; exportedUsd: string; collateralUsd: string }[];
    };
    expect(report).toMatchObject({ source: 'computed', healthStored: false, listed: 'at-risk' });
    expect(report.basis).toContain('the reconcile store keeps no health yet');
    expect(report.basis).toContain("the vault's liquidationHealth");
    expect(report.accounts.map((account) => [account.account, account.bucket, account.health])).toEqual([
      [low.address, 'liquidatable', '0.9066'],
      [watched.address, 'watch', '1.1333'],
    ]);
    expect(report.accounts[0]).toMatchObject({ exportedUsd: '1500', collateralUsd: '1600' });
    // To the wei, what the vault says.
    const vaultHealth = await low.liquidationHealth();
    expect(report.accounts[0]?.health).toBe((Number(vaultHealth / 10n ** 14n) / 10_000).toString());

    const all = await cli(['accounts', '--config', config]);
    expect(JSON.parse(all.stdout).accounts.map((account: { account: string; bucket: string }) => [account.account, account.bucket])).toEqual(
      expect.arrayContaining([[safe.address, 'healthy']]),
    );
    const below = await cli(['accounts', '--below', '1', '--config', config]);
    expect(JSON.parse(below.stdout).accounts.map((account: { account: string }) => account.account)).toEqual([low.address]);

    // Once the keeper stores scores, they are listed as stored.
    await new KeeperLedger(redis, prefix).recordScore({
      account: low.address,
      bucket: 'liquidatable',
      health: vaultHealth.toString(),
      usageHealth: vaultHealth.toString(),
      epoch: 0,
      totalExported: (1_500n * 10n ** 18n).toString(),
      totalDrawn: '0',
      assets: [],
      scoredAt: Date.now(),
    });
    const stored = JSON.parse((await cli(['accounts', '--at-risk', '--config', config])).stdout);
    expect(stored).toMatchObject({ source: 'keeper-scores', healthStored: true, accounts: [{ account: low.address, bucket: 'liquidatable', health: '0.9066', exportedUsd: '1500' }] });
    redis.disconnect();
    await low.setPrice('weth', 2_000n);
  }, 60_000);

  test('with nothing ingested under the prefix, accounts says how to get there', async () => {
    const config = writeConfig('relayer-empty', { redis: { url: stack.redis.url, prefix: `${stack.prefix}:empty` } });
    const result = await cli(['accounts', '--at-risk', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Ingest has not applied any block of the home chain home');
    expect(result.stderr).toContain('roles includes "ingest"');
  });
});

describe('ballast-relayer start --roles courier,keeper,ingest', () => {
  test('the keeper role follows the ingest of its own process: it flags an account that falls under 1 long before a sweep would, and reports it in /metrics', async () => {
    const [home, remote1] = deployments.chains;
    if (!home || !remote1) throw new Error('devnet needs a remote');
    const prefix = `${stack.prefix}:keeper`;
    const config = writeConfig('relayer-keeper', {
      redis: { url: stack.redis.url, prefix },
      // The keeper listed before ingest: ingest is built first whatever its place, so the keeper finds it.
      roles: ['courier', 'keeper', 'ingest'],
      ingest: { pollIntervalMs: 50 },
      // No sweep after the first (at start, before the account exists): only the batches and the price
      // tick the process's ingest applies can get the account scored and flagged.
      keeper: { sweepIntervalMs: 600_000 },
      shutdown: { timeoutMs: 5_000 },
    });
    const relayer = await startRelayer(config, devnetKeys.couriers[2], { BALLAST_KEEPER_KEY: devnetKeys.couriers[1] });
    // A borrower draws everything it exported (usage-aware health = home health), then WETH halves.
    const user = new BallastUser(deployments, devnetKeys.users[4]);
    await user.setPrice('weth', 2_000n);
    await user.deposit('weth', parseEther('1'));
    await user.exportCredit(remote1.eid, parseEther('1500'));
    await eventually(async () => ((await user.position(remote1.eid)).line === parseEther('1500') ? true : undefined));
    await user.sendHeartbeat(remote1.eid);
    await eventually(async () => {
      try {
        await user.borrow(remote1.eid, 1_500n * 10n ** 6n);
        return true;
      } catch {
        return undefined; // the heartbeat is still on its way
      }
    });
    try {
      await user.setPrice('weth', 1_000n); // health 850 / 1,500
      const epochs = await eventually(async () => {
        const now = await user.epochs();
        return now[home.eid] === 1 && now[remote1.eid] === 1 ? now : undefined;
      }, 30_000);
      expect(epochs[home.eid]).toBe(1);
      const metrics = await eventually(async () => {
        const { body } = await relayer.get('/metrics');
        return sample(body, 'ballast_keeper_actions{role="keeper",action="flag",outcome="sent"}') === 1 ? body : undefined;
      });
      expect(sample(metrics, 'ballast_relayer_role{role="keeper"}')).toBe(1);
      expect(metrics).toContain('# TYPE ballast_accounts_by_health_bucket ');
    } finally {
      await user.setPrice('weth', 2_000n);
    }
    expect((await relayer.terminate()).code).toBe(0);
  });
});

