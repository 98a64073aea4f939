// The operator CLI on bad input: every mistake ends in a clear message and a non-zero exit,
// never a stack trace or a crash loop.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { RELAYER_NODE_FLAGS } from '../src/node-flags.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'relayer/src/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      // Generous: one test starts eleven at once, each loading TypeScript, on two shared cores.
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const key = `0x${'11'.repeat(32)}`;

describe('ballast-relayer', () => {
  test('its launchers run node with the relayer\'s flags, and the shebang starts it', async () => {
    const shebang = readFileSync(join(repoRoot, 'relayer/src/cli/main.ts'), 'utf8').split('\n')[0] as string;
    const script = (JSON.parse(readFileSync(join(repoRoot, 'relayer/package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['ballast-relayer'] as string;
    expect(RELAYER_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of RELAYER_NODE_FLAGS) {
      expect(shebang.split(' ')).toContain(flag);
      expect(script.split(' ')).toContain(flag);
    }
    // Run as an executable: the shebang's flags are ones node accepts.
    const { stdout } = await run(join(repoRoot, 'relayer/src/cli/main.ts'), ['--help'], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 30_000 });
    expect(stdout).toContain('replay <guid>');
  });

  test('--help lists the commands and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('start');
    expect(result.stdout).toContain('replay <guid>');
    for (const command of ['status', 'accounts [--at-risk]', 'drain', 'resume', '--config <path>', '--metrics-port']) expect(result.stdout).toContain(command);
  });

  test('an unknown command exits 2 with the help', async () => {
    const result = await cli(['launch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "launch"');
  });

  test('start with a missing deployments file says how to get one', async () => {
    const result = await cli(['start', '--deployments', '/nonexistent/deployments.json'], { BALLAST_TRANSACTOR_KEY: key, BALLAST_DVN_SIGNER_KEYS: key });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot read deployments file /nonexistent/deployments.json');
    expect(result.stderr).toContain('pnpm devnet');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('start with a malformed deployments file names the bad field', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ballast-cli-')), 'deployments.json');
    writeFileSync(path, JSON.stringify({ version: 1, network: 'x', chains: [{ name: 'home', role: 'home', chainId: 1, eid: 1, rpcUrl: 'not a url' }] }));
    const result = await cli(['start', '--deployments', path], { BALLAST_TRANSACTOR_KEY: key, BALLAST_DVN_SIGNER_KEYS: key });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('chains.0.rpcUrl');
  });

  test('start without keys names the missing variable', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ballast-cli-')), 'deployments.json');
    const address = `0x${'ab'.repeat(20)}`;
    const layerZero = Object.fromEntries(['endpoint', 'sendUln302', 'receiveUln302', 'priceFeed', 'dvn', 'dvnFeeLib', 'executor', 'executorFeeLib'].map((name) => [name, address]));
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        network: 'x',
        chains: [{ name: 'home', role: 'home', chainId: 1, eid: 1, rpcUrl: 'http://127.0.0.1:1', confirmations: 0, startBlock: 0, contracts: {}, layerZero: { ...layerZero, dvnVid: 1, dvnSigners: [address], dvnQuorum: 1 } }],
      }),
    );
    const missing = await cli(['start', '--deployments', path]);
    expect(missing.stderr).toContain('pnpm devnet');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('BALLAST_TRANSACTOR_KEY is not set');
    const malformed = await cli(['start', '--deployments', path], { BALLAST_TRANSACTOR_KEY: '0x1234', BALLAST_DVN_SIGNER_KEYS: key });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('BALLAST_TRANSACTOR_KEY is not a 32-byte hex private key');
    const noSigners = await cli(['start', '--deployments', path], { BALLAST_TRANSACTOR_KEY: key });
    expect(noSigners.code).toBe(1);
    expect(noSigners.stderr).toContain('BALLAST_DVN_SIGNER_KEYS is not set');
  });

  test('a bad number is named', async () => {
    const result = await cli(['start', '--concurrency', 'lots', '--deployments', '/nonexistent'], { BALLAST_TRANSACTOR_KEY: key, BALLAST_DVN_SIGNER_KEYS: key });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--concurrency must be a positive integer, got "lots"');
  });

  test('a malformed config file of each field kind exits 1 naming the field and what to put there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-cli-config-'));
    const cases: [string, string, string][] = [
      // [file contents, field named, what to put there]
      ['{ "roles": ["courier"], }', 'is not valid JSON', 'no comments or trailing commas'],
      [JSON.stringify({ chains: [{ eid: 40101, rpcUrl: 'localhost:8545' }] }), 'chains.0.rpcUrl', 'an http(s) JSON-RPC URL'],
      [JSON.stringify({ chains: [{ eid: 40101, reorgDepth: -3 }] }), 'chains.0.reorgDepth', 'above the deepest reorg'],
      [JSON.stringify({ keys: { transactor: key } }), 'keys.transactor', 'keys never go in the config file'],
      [JSON.stringify({ redis: { url: 'localhost' } }), 'redis.url', 'a Redis URL'],
      [JSON.stringify({ roles: ['courier', 'watchman'] }), 'roles.1', 'one of "courier"'],
      [JSON.stringify({ thresholds: { recallHealth: 'high' } }), 'thresholds.recallHealth', 'a health factor'],
      [JSON.stringify({ keeper: { maxFeeWei: { flag: '0.05' } } }), 'keeper.maxFeeWei.flag', 'a whole number as a string'],
      [JSON.stringify({ keeper: { concurrency: 0 } }), 'keeper.concurrency', 'action jobs in progress at once'],
      [JSON.stringify({ metrics: { port: 'http' } }), 'metrics.port', 'a TCP port'],
      [JSON.stringify({ shutdown: { timeoutMs: 0 } }), 'shutdown.timeoutMs', 'in-flight jobs get to finish'],
      [JSON.stringify({ couriers: {} }), 'couriers', 'unknown field'],
    ];
    const results = await Promise.all(
      cases.map(([contents], index) => {
        const path = join(dir, `relayer-${index}.json`);
        writeFileSync(path, contents);
        return cli(['start', '--config', path], { BALLAST_TRANSACTOR_KEY: key, BALLAST_DVN_SIGNER_KEYS: key });
      }),
    );
    results.forEach((result, index) => {
      const [, field, hint] = cases[index] as [string, string, string];
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(field);
      expect(result.stderr).toContain(hint);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });
  });

  test('a config file naming a chain the deployments file lacks is refused with the eids it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-cli-config-'));
    const deployments = join(dir, 'deployments.json');
    const address = `0x${'ab'.repeat(20)}`;
    const layerZero = Object.fromEntries(['endpoint', 'sendUln302', 'receiveUln302', 'priceFeed', 'dvn', 'dvnFeeLib', 'executor', 'executorFeeLib'].map((name) => [name, address]));
    writeFileSync(
      deployments,
      JSON.stringify({
        version: 1,
        network: 'x',
        chains: [{ name: 'home', role: 'home', chainId: 1, eid: 40101, rpcUrl: 'http://127.0.0.1:1', confirmations: 0, startBlock: 0, contracts: {}, layerZero: { ...layerZero, dvnVid: 1, dvnSigners: [address], dvnQuorum: 1 } }],
      }),
    );
    const config = join(dir, 'relayer.json');
    writeFileSync(config, JSON.stringify({ deployments: 'deployments.json', chains: [{ eid: 40102, rpcUrl: 'https://rpc.example.org' }] }));
    const result = await cli(['start', '--config', config], { BALLAST_TRANSACTOR_KEY: key, BALLAST_DVN_SIGNER_KEYS: key });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('chains.0.eid: 40102 is not a chain of the deployments file');
    expect(result.stderr).toContain('put one of 40101');
  });

  test('an unknown option exits 2 with the help, and a bad flag is named', async () => {
    const unknown = await cli(['status', '--verbose']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--verbose'");
    expect(unknown.stderr).toContain('ballast-relayer <command>');
    const roles = await cli(['start', '--roles', 'courier,janitor']);
    expect(roles.code).toBe(1);
    expect(roles.stderr).toContain('--roles must list one or more of courier, ingest, keeper, liquidator');
  });

  test('replay without a GUID or job id says what it needs', async () => {
    const result = await cli(['replay']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('replay needs a packet GUID or a keeper job id');
  });
});
