// The courier as operators run it (the ballast-relayer CLI in its own process), SIGKILLed three
// times while 300 packets are in flight and restarted each time: every packet still lands exactly
// once, and a SIGTERM shuts the last one down cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { endpointV2Abi } from '@ballast/abi';
import { addressToBytes32, contractAddress } from '@ballast/protocol';
import { PING_OAPP, devnetKeys, liveChildren, repoRoot } from '@ballast/devnet';
import { RELAYER_NODE_FLAGS } from '@ballast/relayer';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { PingClient, SentPing } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';

const PER_PATHWAY = 100;
let stack: Stack;
const couriers: ChildProcess[] = [];

function startCourierProcess(): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...RELAYER_NODE_FLAGS,
      '--import',
      'tsx',
      'relayer/src/cli/main.ts',
      'start',
      '--deployments',
      stack.devnet.deploymentsPath,
      '--redis',
      stack.redis.url,
      '--prefix',
      stack.prefix,
      '--lock-duration-ms',
      '2000',
      '--log-level',
      'warn',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, BALLAST_TRANSACTOR_KEY: devnetKeys.couriers[1], BALLAST_DVN_SIGNER_KEYS: devnetKeys.dvnSigner },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  couriers.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  for (const child of couriers) child.kill('SIGKILL');
  await Promise.all(couriers.map(exited));
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

test('a courier SIGKILLed mid-stream and restarted still delivers every packet exactly once', async () => {
  const [home, remote1, remote2] = stack.devnet.deployments.chains;
  if (!home || !remote1 || !remote2) throw new Error('devnet needs three chains');
  const pathways = [
    [home, remote1],
    [remote1, home],
    [home, remote2],
  ] as const;
  const client = (eid: number) => stack.pings.get(eid) as PingClient;
  const total = async () => {
    let sum = 0n;
    for (const [source, destination] of pathways) sum += await client(destination.eid).received(source.eid);
    return Number(sum);
  };

  let courier = startCourierProcess();
  const sending = Promise.all(pathways.map(([source, destination]) => client(source.eid).send(destination.eid, PER_PATHWAY)));

  const expected = pathways.length * PER_PATHWAY;
  for (const fraction of [0.15, 0.45, 0.75]) {
    const deadline = Date.now() + 120_000;
    while ((await total()) < fraction * expected) {
      if (Date.now() > deadline) throw new Error(`courier stalled before ${fraction * 100}% of the packets`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    courier.kill('SIGKILL');
    expect(await exited(courier)).toBeNull();
    courier = startCourierProcess();
  }
  const sent: SentPing[] = (await sending).flat();
  expect(sent).toHaveLength(expected);

  const deadline = Date.now() + 180_000;
  while ((await total()) < expected) {
    if (Date.now() > deadline) throw new Error(`only ${await total()} of ${expected} packets delivered`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  for (const [source, destination] of pathways) {
    const path = [contractAddress(destination, PING_OAPP), source.eid, addressToBytes32(contractAddress(source, PING_OAPP))] as const;
    const publicClient = client(destination.eid).publicClient;
    expect(await client(destination.eid).received(source.eid)).toBe(BigInt(PER_PATHWAY));
    expect(await publicClient.readContract({ address: destination.layerZero.endpoint, abi: endpointV2Abi, functionName: 'inboundNonce', args: path })).toBe(BigInt(PER_PATHWAY));
    expect(await publicClient.readContract({ address: destination.layerZero.endpoint, abi: endpointV2Abi, functionName: 'lazyInboundNonce', args: path })).toBe(BigInt(PER_PATHWAY));
  }
  // Nothing is left failing, and a little later nothing more has been executed.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await total()).toBe(expected);

  courier.kill('SIGTERM');
  expect(await exited(courier)).toBe(0);
});
