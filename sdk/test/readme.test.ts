// The quick start and the operator's recipe in sdk/README.md, run as written: each code block is copied to a
// file inside the package and run with tsx against a devnet with Ballast and the courier — the quick start for
// a user who holds WETH, the recipe reading that user's position and a message it sent.
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

/** The first ts code block under `heading` in sdk/README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(sdkRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${heading}`);
  const block = start < 0 ? undefined : /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
  if (!block) throw new Error(`no ts block under "## ${heading}" in sdk/README.md`);
  return block;
}

/** Runs `block` with tsx from inside the package (so `@ballast/sdk` resolves to itself as it would for a caller); its output lines. */
async function runBlock(block: string, env: Record<string, string>): Promise<string[]> {
  const file = join(sdkRoot, `readme-block-${process.pid}.ts`);
  writeFileSync(file, block);
  try {
    // Asynchronously: the courier runs in this process and the anvils' output is drained by it.
    const { stdout: output } = await promisify(execFile)(process.execPath, [join(sdkRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file], {
      cwd: sdkRoot,
      encoding: 'utf8',
      env: { ...process.env, BALLAST_DEPLOYMENTS: stack.devnet.deploymentsPath, ...env },
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
  const user = new BallastUser(stack.devnet.deployments, key);
  const home = homeChain(stack.devnet.deployments);
  await user.mint(home.eid, contractAddress(home, BALLAST_CONTRACTS.weth), parseEther('1'));

  const lines = await runBlock(block, { BALLAST_KEY: key });
  expect(lines.at(-2)).toBe('DELIVERED');
  expect(lines.at(-1)).toMatch(/^\[ 'CreditGranted' \] 500000000000000000000n \d+n$/);
  expect(await user.collateralOf('weth')).toBe(parseEther('1'));
  const [remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  expect((await user.position(remote?.eid ?? 0)).line).toBe(parseEther('500'));
});

test("the operator's recipe runs as written: a position and a message read with a client without an account", async () => {
  const user = new BallastUser(stack.devnet.deployments, devnetKeys.users[3]);
  const home = homeChain(stack.devnet.deployments);
  const [remote] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  if (!remote) throw new Error('no remote');
  await user.deposit('weth', parseEther('1'));
  const grant = await user.exportCredit(remote.eid, parseEther('400'));
  await user.client.waitForMessage({ guid: grant, timeout: 60_000 });
  const lines = await runBlock(readmeBlock('Recipe: an operator reading positions and messages'), { BALLAST_ACCOUNT: user.address, BALLAST_GUID: grant });
  expect(lines[0]).toMatch(/^liquidation health \d+n? flagged false$/);
  expect(lines).toContain(`${remote.name} line 400 drawn 0 in flight 0`);
  expect(lines).toContain(`${contractAddress(home, BALLAST_CONTRACTS.weth)} 2000`);
  expect(lines.at(-2)).toBe("grant DELIVERED [ 'CreditGranted' ] undefined");
  expect(lines.at(-1)).toBe('executed');
});
