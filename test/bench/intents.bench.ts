// `pnpm bench:intents`: time from `execute(plan(ensureCredit))` to credit drawable on a remote, on the 3-chain
// devnet with the in-process courier, next to the bare minimum of the same transactions sent by hand with viem
// (quote, export, heartbeat, then poll the mirror until the line and the heartbeat are there). Both send the
// same two messages each round (the devnet's heartbeat period is a minute, so every plan needs a heartbeat);
// rounds alternate so both see the same chains. Writes the intents section of docs/BENCHMARKS.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, devnetKeys, repoRoot } from '@ballast/devnet';
import { MESSAGE_TYPES, contractAddress, homeChain } from '@ballast/protocol';
import { type Address, type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createBallastClient } from '../../sdk/src/index.ts';
import { startBallastStack } from '../../sdk/test/ballast-stack.ts';
import { BallastUser } from '../support/ballast.ts';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, 'no-write': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
if (args.help) {
  process.stdout.write(`pnpm bench:intents [--rounds N] [--no-write]

Times execute(plan(ensureCredit)) until the credit is drawable on a remote of the devnet, against the same
export and heartbeat sent by hand with viem, N rounds each (default 10), alternating; writes the intents
section of docs/BENCHMARKS.md unless --no-write.
`);
  process.exit(0);
}
const ROUNDS = Number(args.rounds);
const POLLING_MS = 20;
const AMOUNT = parseEther('100');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const stack = await startBallastStack({ ballast: { heartbeatPeriod: 60 } });
try {
  const deployments = stack.devnet.deployments;
  const home = homeChain(deployments);
  const [sdkRemote, handRemote] = deployments.chains.filter((chain) => chain.role === 'remote');
  if (!sdkRemote || !handRemote) throw new Error('the bench needs two remotes');
  const weth = contractAddress(home, BALLAST_CONTRACTS.weth);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const key = devnetKeys.users[1] as Hex;
  const account = privateKeyToAccount(key);
  const user = new BallastUser(deployments, key);
  const client = createBallastClient({ deployments, account, pollingInterval: POLLING_MS });
  await user.mint(home.eid, weth, parseEther('10'));
  await client.deposit({ asset: weth, amount: parseEther('10') });

  /** By hand: quote both messages, send export and heartbeat back to back, poll the mirror until both landed. */
  const byHand = async (): Promise<void> => {
    const wallet = client.ballast.home.walletClient;
    const homeReader = client.ballast.home.publicClient;
    const remote = client.ballast.chains.get(handRemote.eid);
    if (!wallet || !remote) throw new Error('no wallet');
    const mirror = contractAddress(handRemote, BALLAST_CONTRACTS.mirror) as Address;
    const before = await remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [account.address] });
    const [grantFee, heartbeatFee] = await Promise.all([
      homeReader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quoteExport', args: [handRemote.eid, '0x'] }),
      homeReader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quote', args: [handRemote.eid, MESSAGE_TYPES.heartbeat, '0x'] }),
    ]);
    const exported = await wallet.writeContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportCredit', args: [account.address, handRemote.eid, AMOUNT, account.address, '0x'], value: grantFee.nativeFee });
    const heartbeat = await wallet.writeContract({ address: vault, abi: collateralVaultAbi, functionName: 'sendHeartbeat', args: [handRemote.eid, '0x'], value: heartbeatFee.nativeFee });
    const [, heartbeatReceipt] = await Promise.all([homeReader.waitForTransactionReceipt({ hash: exported, pollingInterval: POLLING_MS }), homeReader.waitForTransactionReceipt({ hash: heartbeat, pollingInterval: POLLING_MS })]);
    const sentAt = (await homeReader.getBlock({ blockNumber: heartbeatReceipt.blockNumber })).timestamp;
    for (;;) {
      const [line, lastHeartbeat] = await Promise.all([
        remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [account.address] }),
        remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lastHeartbeat' }),
      ]);
      if (line.line >= before.line + AMOUNT && lastHeartbeat >= sentAt) return;
      await new Promise((resolve) => setTimeout(resolve, POLLING_MS));
    }
  };

  /** Through the SDK: plan (one reading of every chain), execute (each step simulated, sent, its message awaited and checked). */
  const throughSdk = async (): Promise<number> => {
    const undrawn = (await client.getPosition({ account: account.address })).remotes.find((remote) => remote.eid === sdkRemote.eid)?.undrawn ?? 0n;
    const started = performance.now();
    const planned = await client.plan({ type: 'ensureCredit', chain: sdkRemote.eid, amount: undrawn + AMOUNT });
    if (planned.steps.map((step) => step.call).join() !== 'exportCredit,sendHeartbeat') throw new Error(`unexpected plan: ${planned.steps.map((step) => step.call).join()}`);
    await client.execute({ plan: planned });
    return performance.now() - started;
  };

  const sdkTimes: number[] = [];
  const handTimes: number[] = [];
  // One warm-up of each (first calls compile and connect), then the timed rounds.
  await throughSdk();
  await byHand();
  for (let round = 0; round < ROUNDS; round++) {
    sdkTimes.push(await throughSdk());
    const started = performance.now();
    await byHand();
    handTimes.push(performance.now() - started);
    process.stdout.write(`round ${round + 1}: sdk ${sdkTimes.at(-1)?.toFixed(0)} ms, by hand ${handTimes.at(-1)?.toFixed(0)} ms\n`);
  }
  const ratio = median(sdkTimes) / median(handTimes);
  const lines = [
    '| path | rounds | median | min | max |',
    '| --- | --- | --- | --- | --- |',
    `| by hand with viem: quote, \`exportCredit\` and \`sendHeartbeat\` back to back, poll the mirror | ${ROUNDS} | ${median(handTimes).toFixed(0)} ms | ${Math.min(...handTimes).toFixed(0)} ms | ${Math.max(...handTimes).toFixed(0)} ms |`,
    `| \`execute(plan(ensureCredit))\`: the same two messages | ${ROUNDS} | ${median(sdkTimes).toFixed(0)} ms | ${Math.min(...sdkTimes).toFixed(0)} ms | ${Math.max(...sdkTimes).toFixed(0)} ms |`,
    '',
    `SDK median / by-hand median = **${ratio.toFixed(2)}×**: the plan's reading of every chain (getPosition and the fees, one round trip per chain each), a simulation before each send, and each message tracked by GUID through the endpoint and checked for its arrival event, where the hand path only polls the line.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!args['no-write']) {
    const path = join(repoRoot, 'docs', 'BENCHMARKS.md');
    const begin = '<!-- intents:begin -->';
    const end = '<!-- intents:end -->';
    const current = await readFile(path, 'utf8');
    const section = `${begin}\n_Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm bench:intents\` on this repo's 2-core machine (3 anvil chains with the in-process courier; the clients poll every ${POLLING_MS} ms)._\n\n${lines.join('\n')}\n${end}`;
    const updated = current.includes(begin) ? current.replace(new RegExp(`${begin}[\\s\\S]*${end}`), section) : current.replace('<!-- sdk:end -->', `<!-- sdk:end -->\n\n### Time to credit drawable on a remote\n\n${section}`);
    await writeFile(path, updated);
    process.stdout.write(`wrote ${path}\n`);
  }
} finally {
  await stack.stop();
}
