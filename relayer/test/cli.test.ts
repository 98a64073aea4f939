// The operator CLI on bad input: every mistake ends in a clear message and a non-zero exit,
// never a stack trace or a crash loop.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'relayer/src/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const key = `0x${'11'.repeat(32)}`;

describe('ballast-relayer', () => {
  test('--help lists the commands and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('start');
    expect(result.stdout).toContain('replay <guid>');
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

  test('replay without a GUID says what it needs', async () => {
    const result = await cli(['replay']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('replay needs the packet GUID');
  });
});
