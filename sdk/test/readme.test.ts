// The quick start, the margin recipe and the operator's recipe in sdk/README.md, run as written: each code
// block is copied to a file inside the package and run with tsx against a devnet with Ballast and the
// courier, for a user who holds WETH (the operator's reads that user's position and a message it sent).
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import { type Hex, parseEther } from 'viem';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import type { Stack } from '../../test/support/stack.ts';
import { startBallastStack } from './ballast-stack.ts';

const sdkRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
let stack: Stack;

beforeAll(async () => {
  stack = await startBallastStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** The ts block under `heading` in sdk/README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(sdkRoot, 'README.md'), 'utf8');
  const block = new RegExp(`## ${heading}[\\s\\S]*?\`\`\`ts\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  if (!block) throw new Error(`no ts block under "## ${heading}" in sdk/README.md`);
  return block;
}

/** Runs `block` with tsx for `key`, who holds 1 WETH on home, with `env` besides; returns its output lines. */
async function runAs(key: Hex, block: string, name: string, env: Record<string, string> = {}): Promise<string[]> {
  const home = homeChain(stack.devnet.deployments);
  await new BallastUser(stack.devnet.deployments, key).mint(home.eid, contractAddress(home, BALLAST_CONTRACTS.weth), parseEther('1'));
  // Inside the package, so `@ballast/sdk` resolves to itself as it would for a caller.
  const file = join(sdkRoot, `${name}-${process.pid}.ts`);
  writeFileSync(file, block);
  try {
    // Asynchronously: the courier runs in this process and the anvils' output is drained by it.
    const { stdout: output } = await promisify(execFile)(process.execPath, [join(sdkRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file], {
      cwd: sdkRoot,
      encoding: 'utf8',
      env: { ...process.env, BALLAST_DEPLOYMENTS: stack.devnet.deploymentsPath, BALLAST_KEY: key, ...env },
      timeout: 120_000,
    });
    return output.trim().split('\n');
  } finally {
    rmSync(file, { force: true });
  }
}

test('the quick start runs as written', async () => {
  const block = readmeBlock('Quick start');
  expect(block.trim().split('\n').length).toBeLessThanOrEqual(16);
  const key = devnetKeys.users[2];
  const lines = await runAs(key, block, 'quick-start');
  expect(lines.at(-2)).toBe('DELIVERED');
  expect(lines.at(-1)).toMatch(/^\[ 'CreditGranted' \] 500000000000000000000n \d+n$/);
  const user = new BallastUser(stack.devnet.deployments, key);
  expect(await user.collateralOf('weth')).toBe(parseEther('1'));
  const [remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  expect((await user.position(remote?.eid ?? 0)).line).toBe(parseEther('500'));
});

test('the margin recipe (ensureCredit then borrow) runs as written', async () => {
  const key = devnetKeys.users[3];
  const plans = join(sdkRoot, 'ballast-plans.json');
  try {
    const lines = await runAs(key, readmeBlock('A user bridging margin'), 'margin-recipe');
    expect(lines[0]).toMatch(/^export \d+ \[/);
    expect(lines).toContain('done');
    expect(lines.at(-1)).toBe('800000000000000000000n');
    // The file store holds both plans' records, each done.
    const records = Object.values(JSON.parse(readFileSync(plans, 'utf8')) as Record<string, string>).map((record) => JSON.parse(record) as { done: boolean });
    expect(records.map((record) => record.done)).toEqual([true, true]);
  } finally {
    rmSync(plans, { force: true });
  }
  const [, remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  expect(await new BallastUser(stack.devnet.deployments, key).position(remote?.eid ?? 0)).toMatchObject({ line: parseEther('1000'), drawn: parseEther('800') });
});

test("the operator's recipe runs as written: a position, raw account state and a message read with a client without an account", async () => {
  const key = devnetKeys.users[4];
  const user = new BallastUser(stack.devnet.deployments, key);
  const home = homeChain(stack.devnet.deployments);
  const [remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  if (!remote) throw new Error('no remote');
  await user.deposit('weth', parseEther('1'));
  const grant = await user.exportCredit(remote.eid, parseEther('400'));
  await user.client.waitForMessage({ guid: grant, timeout: 60_000 });
  const lines = await runAs(key, readmeBlock('Recipe: an operator reading positions and messages'), 'operator-recipe', { BALLAST_ACCOUNT: user.address, BALLAST_GUID: grant });
  expect(lines[0]).toMatch(/^liquidation health \d+n? flagged false$/);
  expect(lines).toContain(`${remote.name} line 400 drawn 0 in flight 0`);
  expect(lines).toContain(`${contractAddress(home, BALLAST_CONTRACTS.weth)} 2000`);
  // getAccountStates: exported per remote in eid order (the devnet numbers its remotes upwards), then home's epoch.
  expect(lines).toContain('exported 400 0 epoch 0');
  expect(lines.at(-2)).toBe("grant DELIVERED [ 'CreditGranted' ] undefined");
  expect(lines.at(-1)).toBe('executed');
});
