// The config file's schema: every kind of field, when wrong, is named by its path with what to put
// there; defaults fill what the file leaves out; flags win over the file; chain overrides are checked
// against the deployments file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployments } from '@ballast/protocol';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../config.ts';
import { parseKeeperSettings } from '../keeper/settings.ts';
import { applyChainOverrides, ingestChainSettings, loadRelayerConfigFile, parseRelayerConfigFile, resolveRelayerConfig } from './config-file.ts';

function rejection(value: unknown): ConfigError {
  try {
    parseRelayerConfigFile(value, 'relayer.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

function writeConfig(value: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ballast-config-')), 'relayer.json');
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('parseRelayerConfigFile', () => {
  test('an empty file is every default', () => {
    const config = parseRelayerConfigFile({});
    expect(config.keys).toEqual({ transactor: 'BALLAST_TRANSACTOR_KEY', dvnSigners: 'BALLAST_DVN_SIGNER_KEYS', keeper: 'BALLAST_KEEPER_KEY', liquidator: 'BALLAST_LIQUIDATOR_KEY', heartbeat: 'BALLAST_HEARTBEAT_KEY' });
    expect(config.heartbeat).toEqual({ marginMs: 3_600_000, alertMarginMs: 1_800_000, tickIntervalMs: 30_000, maxFeeWei: 5n * 10n ** 16n, budgetRetryMs: 60_000, attempts: 1_000 });
    expect(config.thresholds).toEqual({ recallHealth: 11n * 10n ** 17n, atRiskHealth: 125n * 10n ** 16n });
    expect(config.keeper).toMatchObject({ concurrency: 4, sweepIntervalMs: 30_000, warnHealth: 125n * 10n ** 16n, maxFeeWei: { flag: 5n * 10n ** 16n } });
    expect(config.metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 9464, statusCacheMs: 1_000, maxConnections: 64, headersTimeoutMs: 5_000 });
    expect(config.health.rpcMaxAgeMs).toBe(30_000);
    expect(config.ingest.reorgDepth).toBe(64);
    expect(config.audit).toEqual({ intervalMs: 300_000, batchSize: 100 });
    expect(config.shutdown.timeoutMs).toBe(20_000);
  });

  test.each([
    // [what, file, field path named, what-to-put fragment]
    ['a chain eid that is not a whole number', { chains: [{ eid: 'home' }] }, 'chains.0.eid', "the chain's LayerZero endpoint id"],
    ['a chain RPC URL that is not a URL', { chains: [{ eid: 40101, rpcUrl: 'localhost:8545' }] }, 'chains.0.rpcUrl', 'an http(s) JSON-RPC URL'],
    ['a websocket RPC URL', { chains: [{ eid: 40101, rpcUrl: 'wss://rpc.example.org' }] }, 'chains.0.rpcUrl', 'an http(s) JSON-RPC URL'],
    ['negative confirmations', { chains: [{ eid: 40101 }, { eid: 40102, confirmations: -1 }] }, 'chains.1.confirmations', 'a whole number of blocks (0 or more)'],
    ['a zero poll interval on a chain', { chains: [{ eid: 40101, pollIntervalMs: 0 }] }, 'chains.0.pollIntervalMs', 'sub-second blocks'],
    ['a zero reorg depth', { chains: [{ eid: 40101, reorgDepth: 0 }] }, 'chains.0.reorgDepth', 'above the deepest reorg'],
    ['a fractional start block', { chains: [{ eid: 40101, startBlock: 1.5 }] }, 'chains.0.startBlock', 'a block number'],
    ['an eid listed twice', { chains: [{ eid: 40101 }, { eid: 40101 }] }, 'chains.1.eid', 'listed twice'],
    ['a misspelt chain field', { chains: [{ eid: 40101, cofirmations: 2 }] }, 'chains.0.cofirmations', 'unknown field'],
    ['a misspelt top-level field', { chain: [] }, 'chain', 'unknown field'],
    ['a Redis URL of another scheme', { redis: { url: 'http://127.0.0.1:6379' } }, 'redis.url', 'a Redis URL'],
    ['a prefix with a hash tag', { redis: { prefix: 'ballast{x}' } }, 'redis.prefix', 'letters, digits and _ . : -'],
    ['a private key where a variable name belongs', { keys: { transactor: `0x${'ab'.repeat(32)}` } }, 'keys.transactor', 'keys never go in the config file'],
    ['a variable name with a space', { keys: { dvnSigners: 'DVN KEYS' } }, 'keys.dvnSigners', 'the NAME of the environment variable'],
    ['an unknown role', { roles: ['courier', 'watcher'] }, 'roles.1', '"courier", "ingest", "keeper", "liquidator", "heartbeat"'],
    ['a heartbeat margin of zero', { heartbeat: { marginMs: 0 } }, 'heartbeat.marginMs', "before a remote's draw window closes"],
    ['a heartbeat fee budget in ether', { heartbeat: { maxFeeWei: '0.05' } }, 'heartbeat.maxFeeWei', 'a whole number of wei'],
    ['no roles', { roles: [] }, 'roles', 'one or more'],
    ['a role listed twice', { roles: ['ingest', 'ingest'] }, 'roles', 'a role is listed twice'],
    ['a zero concurrency', { courier: { concurrency: 0 } }, 'courier.concurrency', 'deliveries in progress at once'],
    ['an ingest setting of the wrong type', { ingest: { maxBlockRange: '2000' } }, 'ingest.maxBlockRange', 'the largest getLogs range'],
    ['a negative audit interval', { audit: { intervalMs: -1 } }, 'audit.intervalMs', '0 turns the audit off'],
    ['a zero audit batch', { audit: { batchSize: 0 } }, 'audit.batchSize', 'compared per store snapshot'],
    ['a health that is not a number', { thresholds: { recallHealth: 'high' } }, 'thresholds.recallHealth', 'e.g. 1.1'],
    ['a zero health', { thresholds: { atRiskHealth: 0 } }, 'thresholds.atRiskHealth', 'above 0'],
    // Removed: the keeper flags at the vault's own line and pays up to keeper.maxFeeWei (DECISIONS.md).
    ['a flag health (removed)', { thresholds: { flagHealth: 1 } }, 'thresholds.flagHealth', "the vault's own line, health under 1"],
    ['fee budgets (removed)', { thresholds: { feeBudgets: {} } }, 'thresholds.feeBudgets', 'its fee budgets are keeper.maxFeeWei'],
    ['a keeper fee budget in ether', { keeper: { maxFeeWei: { flag: '0.05' } } }, 'keeper.maxFeeWei.flag', 'a whole number as a string, e.g. "50000000000000000"'],
    ['a misspelt keeper setting', { keeper: { sweepInterval: 1_000 } }, 'keeper.sweepInterval', 'unknown field'],
    ['a misspelt keeper setting, with the fields the schema has', { keeper: { sweepInterval: 1_000 } }, 'keeper.sweepInterval', 'keeper takes an object with any of "actions", "maxFeeWei"'],
    ['a keeper action switch as a string', { keeper: { actions: { flag: 'no' } } }, 'keeper.actions.flag', 'true or false'],
    ['a zero keeper sweep interval', { keeper: { sweepIntervalMs: 0 } }, 'keeper.sweepIntervalMs', 'between re-scores of every account'],
    ['a liquidator inventory keyed by name', { keeper: { liquidator: { inventory: { remote: '1' } } } }, 'keeper.liquidator.inventory.remote', 'keyed by remote eid'],
    ['a liquidator home address that is not one', { keeper: { liquidator: { homeAddress: '0x1234' } } }, 'keeper.liquidator.homeAddress', 'a 0x address of 20 bytes'],
    ['a port out of range', { metrics: { port: 70000 } }, 'metrics.port', 'a TCP port from 0 to 65535'],
    ['enabled as a string', { metrics: { enabled: 'yes' } }, 'metrics.enabled', 'true or false'],
    ['a zero RPC age', { health: { rpcMaxAgeMs: 0 } }, 'health.rpcMaxAgeMs', 'has not answered for longer'],
    ['a shutdown timeout as a string', { shutdown: { timeoutMs: '20s' } }, 'shutdown.timeoutMs', 'in-flight jobs get to finish'],
    ['an unknown log level', { logLevel: 'verbose' }, 'logLevel', '"trace", "debug"'],
    ['a list instead of an object', [], '(top level)', 'a JSON object'],
  ])('%s is named with what to put there', (_, file, path, hint) => {
    const error = rejection(file);
    expect(error.shortMessage).toContain(`Invalid relayer config relayer.json: ${path}:`);
    expect(error.message).toContain(hint);
    expect(error.docsPath).toBe('OPERATIONS.md#config-file');
  });

  const HEX64 = 'ab'.repeat(32);
  test.each([
    // [what, the value that is almost a key]
    ['a key with a trailing space', `0x${HEX64} `],
    ['a key with a 0X prefix', `0X${HEX64}`],
    ['a key of 63 hex digits', HEX64.slice(1)],
    ['a key without 0x', HEX64],
    ['a mnemonic', 'test test test test test test test test test test test junk'],
    ['a name with a space and a secret in it', 'KEY s3cr3t-passphrase'],
  ])('%s where a variable name belongs is refused by field, never echoed', (_, value) => {
    const error = rejection({ keys: { transactor: value } });
    expect(error.shortMessage).toContain('Invalid relayer config relayer.json: keys.transactor:');
    for (const part of value.trim().split(/\s+/).filter((word) => word.length > 4)) expect(error.message).not.toContain(part);
    expect(error.message).not.toContain(value.trim().slice(2, 40));
  });

  test('an RPC URL of a wrong scheme is refused without its key', () => {
    const error = rejection({ chains: [{ eid: 40101, rpcUrl: 'wss://rpc.example.org/v3/SECRETKEY0a1b2c' }] });
    expect(error.shortMessage).toContain('chains.0.rpcUrl');
    expect(error.message).not.toContain('SECRETKEY0a1b2c');
  });

  test('Redis TLS files are read relative to the config file', async () => {
    const path = writeConfig({ redis: { url: 'rediss://redis.internal:6380', tls: { caFile: 'ca.pem', serverName: 'redis.internal' } } });
    const config = await resolveRelayerConfig({ file: path, env: {} });
    expect(config.redis.tls).toEqual({ caFile: join(path, '..', 'ca.pem'), certFile: undefined, keyFile: undefined, serverName: 'redis.internal' });
  });

  test("the keeper's settings are parsed with the file, and parse again to themselves when the keeper is built", () => {
    const config = parseRelayerConfigFile({ keeper: { maxFeeWei: { flag: '7' }, warnHealth: '1.5', liquidator: { inventory: { '40102': 10 } } } });
    expect(config.keeper.maxFeeWei.flag).toBe(7n);
    expect(config.keeper.liquidator.inventory).toEqual({ '40102': 10n });
    expect(parseKeeperSettings(config.keeper)).toEqual(config.keeper);
  });

  test('every bad field is listed in the details', () => {
    const error = rejection({ chains: [{ eid: 0 }], metrics: { port: -1 } });
    expect(error.details).toContain('chains.0.eid');
    expect(error.details).toContain('metrics.port');
  });
});

describe('loadRelayerConfigFile', () => {
  test('a file that is not JSON says so', async () => {
    const path = writeConfig('{ "roles": ["courier"], }');
    await expect(loadRelayerConfigFile(path)).rejects.toThrow(`Relayer config ${path} is not valid JSON`);
  });

  test('a missing file says which', async () => {
    await expect(loadRelayerConfigFile('/nonexistent/relayer.json')).rejects.toThrow('Cannot read relayer config /nonexistent/relayer.json (ENOENT)');
  });
});

describe('resolveRelayerConfig', () => {
  test('flags win over the file, the file over $REDIS_URL, and deployments is read from beside the file', async () => {
    const path = writeConfig({ deployments: 'deployments.json', redis: { url: 'redis://10.0.0.1:6379', prefix: 'file' }, roles: ['ingest'], courier: { concurrency: 4 }, metrics: { port: 9100 } });
    const fromFile = await resolveRelayerConfig({ file: path, env: { REDIS_URL: 'redis://env:6379' } });
    expect(fromFile.deploymentsPath).toBe(join(path, '..', 'deployments.json'));
    expect(fromFile.redis).toEqual({ url: 'redis://10.0.0.1:6379', prefix: 'file' });
    expect(fromFile.roles).toEqual(['ingest']);
    expect(fromFile.courier).toMatchObject({ concurrency: 4, lockDurationMs: 30_000 });
    const flagged = await resolveRelayerConfig({
      file: path,
      env: {},
      cwd: '/srv',
      overrides: { deployments: 'other.json', redisUrl: 'redis://flag:6379', prefix: 'flag', roles: ['courier'], concurrency: 2, metricsPort: 0, logLevel: 'warn' },
    });
    expect(flagged).toMatchObject({
      deploymentsPath: '/srv/other.json',
      redis: { url: 'redis://flag:6379', prefix: 'flag' },
      roles: ['courier'],
      courier: { concurrency: 2 },
      metrics: { port: 0 },
      logLevel: 'warn',
    });
    const bare = await resolveRelayerConfig({ env: { REDIS_URL: 'redis://env:6379' }, cwd: '/srv' });
    expect(bare).toMatchObject({ source: undefined, deploymentsPath: '/srv/.devnet/deployments.json', redis: { url: 'redis://env:6379', prefix: 'ballast' }, roles: ['courier', 'ingest'] });
  });

  test('the heartbeat role is a default role once its key is set, under the name keys.heartbeat gives', async () => {
    expect((await resolveRelayerConfig({ env: { BALLAST_HEARTBEAT_KEY: `0x${'11'.repeat(32)}` } })).roles).toEqual(['courier', 'ingest', 'heartbeat']);
    const renamed = writeConfig({ keys: { heartbeat: 'HB_KEY' } });
    expect((await resolveRelayerConfig({ file: renamed, env: { BALLAST_HEARTBEAT_KEY: `0x${'11'.repeat(32)}` } })).roles).toEqual(['courier', 'ingest']);
    expect((await resolveRelayerConfig({ file: renamed, env: { HB_KEY: `0x${'11'.repeat(32)}` } })).roles).toEqual(['courier', 'ingest', 'heartbeat']);
    expect((await resolveRelayerConfig({ file: writeConfig({ roles: ['ingest'] }), env: { BALLAST_HEARTBEAT_KEY: `0x${'11'.repeat(32)}` } })).roles).toEqual(['ingest']);
  });
});

describe('applyChainOverrides', () => {
  const chain = (eid: number, name: string) => ({ eid, name, rpcUrl: `http://127.0.0.1:${eid}` });
  const deployments = { version: 1, network: 'x', chains: [chain(40101, 'home'), chain(40102, 'remote1')] } as unknown as Deployments;

  test('replaces RPC URLs and hands ingest its per-chain settings', async () => {
    const config = await resolveRelayerConfig({ file: writeConfig({ chains: [{ eid: 40102, rpcUrl: 'https://rpc.example.org/', reorgDepth: 128, confirmations: 3, pollIntervalMs: 100 }] }) });
    const applied = applyChainOverrides(config, deployments);
    expect(applied.chains.map((c) => c.rpcUrl)).toEqual(['http://127.0.0.1:40101', 'https://rpc.example.org/']);
    expect(ingestChainSettings(config).get(40102)).toEqual({ reorgDepth: 128, confirmations: 3, pollIntervalMs: 100 });
  });

  test('an eid the deployments file does not have is named with the ones it has', async () => {
    const config = await resolveRelayerConfig({ file: writeConfig({ chains: [{ eid: 40101 }, { eid: 40199 }] }) });
    expect(() => applyChainOverrides(config, deployments)).toThrow(/chains\.1\.eid: 40199 is not a chain of the deployments file .*; put one of 40101, 40102/);
  });
});
