// The quick start and the margin recipe in sdk/README.md, run as written: each code block is copied to a
// file inside the package and run with tsx against a devnet with Ballast and the courier, for a user who
// holds WETH.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import { parseEther } from 'viem';
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

test('the quick start runs as written', async () => {
  const readme = readFileSync(join(sdkRoot, 'README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('no ts block under "## Quick start" in sdk/README.md');
  expect(block.trim().split('\n').length).toBeLessThanOrEqual(16);

  const key = devnetKeys.users[2];
  const user = new BallastUser(stack.devnet.deployments, key);
  const home = homeChain(stack.devnet.deployments);
  await user.mint(home.eid, contractAddress(home, BALLAST_CONTRACTS.weth), parseEther('1'));

  // Inside the package, so `@ballast/sdk` resolves to itself as it would for a caller.
  const file = join(sdkRoot, `quick-start-${process.pid}.ts`);
  writeFileSync(file, block);
  try {
    // Asynchronously: the courier runs in this process and the anvils' output is drained by it.
    const { stdout: output } = await promisify(execFile)(process.execPath, [join(sdkRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file], {
      cwd: sdkRoot,
      encoding: 'utf8',
      env: { ...process.env, BALLAST_DEPLOYMENTS: stack.devnet.deploymentsPath, BALLAST_KEY: key },
      timeout: 120_000,
    });
    const lines = output.trim().split('\n');
    expect(lines.at(-2)).toBe('DELIVERED');
    expect(lines.at(-1)).toMatch(/^\[ 'CreditGranted' \] 500000000000000000000n \d+n$/);
  } finally {
    rmSync(file, { force: true });
  }
  expect(await user.collateralOf('weth')).toBe(parseEther('1'));
  const [remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  expect((await user.position(remote?.eid ?? 0)).line).toBe(parseEther('500'));
});

test('the margin recipe (ensureCredit then borrow) runs as written', async () => {
  const readme = readFileSync(join(sdkRoot, 'README.md'), 'utf8');
  const block = /## A user bridging margin[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('no ts block under "## A user bridging margin" in sdk/README.md');
  const key = devnetKeys.users[3];
  const user = new BallastUser(stack.devnet.deployments, key);
  const home = homeChain(stack.devnet.deployments);
  await user.mint(home.eid, contractAddress(home, BALLAST_CONTRACTS.weth), parseEther('1'));
  const file = join(sdkRoot, `margin-recipe-${process.pid}.ts`);
  const plans = join(sdkRoot, 'ballast-plans.json');
  writeFileSync(file, block);
  try {
    const { stdout: output } = await promisify(execFile)(process.execPath, [join(sdkRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file], {
      cwd: sdkRoot,
      encoding: 'utf8',
      env: { ...process.env, BALLAST_DEPLOYMENTS: stack.devnet.deploymentsPath, BALLAST_KEY: key },
      timeout: 120_000,
    });
    const lines = output.trim().split('\n');
    expect(lines[0]).toMatch(/^export \d+ \[/);
    expect(lines).toContain('done');
    expect(lines.at(-1)).toBe('800000000000000000000n');
    // The file store holds both plans' records, each done.
    const records = Object.values(JSON.parse(readFileSync(plans, 'utf8')) as Record<string, string>).map((record) => JSON.parse(record) as { done: boolean });
    expect(records.map((record) => record.done)).toEqual([true, true]);
  } finally {
    rmSync(file, { force: true });
    rmSync(plans, { force: true });
  }
  const [, remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  expect(await user.position(remote?.eid ?? 0)).toMatchObject({ line: parseEther('1000'), drawn: parseEther('800') });
});
