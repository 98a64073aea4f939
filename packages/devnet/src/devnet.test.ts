// The devnet itself: distinct chains and addresses, the LayerZero stack wired as documented in
// docs/DEVNET.md, a deployments file every reader accepts, and nothing left running after stop().
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dvnAbi, endpointV2Abi, executorAbi } from '@ballast/abi';
import { loadDeployments } from '@ballast/protocol';
import { createPublicClient, http, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Devnet, startDevnet } from './devnet.ts';
import { devnetKeys } from './keys.ts';
import { liveChildren } from './processes.ts';

const ADMIN_ROLE = keccak256(toHex('ADMIN_ROLE'));
let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ chains: 3, confirmations: 2, deploymentsPath: join(mkdtempSync(join(tmpdir(), 'ballast-devnet-')), 'deployments.json') });
});

afterAll(async () => {
  await devnet?.stop();
});

describe('startDevnet', () => {
  test('writes a deployments file with one home, distinct chain ids, eids and ports', async () => {
    const deployments = await loadDeployments(devnet.deploymentsPath);
    expect(deployments).toEqual(devnet.deployments);
    expect(deployments.chains.map((chain) => chain.role)).toEqual(['home', 'remote', 'remote']);
    expect(deployments.chains.map((chain) => chain.name)).toEqual(['home', 'remote1', 'remote2']);
    expect(new Set(deployments.chains.map((chain) => chain.chainId)).size).toBe(3);
    expect(new Set(deployments.chains.map((chain) => chain.eid)).size).toBe(3);
    expect(new Set(deployments.chains.map((chain) => chain.rpcUrl)).size).toBe(3);
    expect(deployments.chains.every((chain) => chain.confirmations === 2)).toBe(true);
  });

  test('gives every LayerZero contract a different address on each chain, with code behind it', async () => {
    const { chains } = devnet.deployments;
    const keys = ['endpoint', 'sendUln302', 'receiveUln302', 'priceFeed', 'dvn', 'dvnFeeLib', 'executor', 'executorFeeLib'] as const;
    for (const key of keys) {
      expect(new Set(chains.map((chain) => chain.layerZero[key].toLowerCase())).size, key).toBe(chains.length);
    }
    for (const chain of chains) {
      const client = createPublicClient({ transport: http(chain.rpcUrl) });
      expect(await client.getChainId()).toBe(chain.chainId);
      for (const key of keys) expect(((await client.getCode({ address: chain.layerZero[key] })) ?? '0x').length, `${chain.name}.${key}`).toBeGreaterThan(2);
    }
  });

  test('wires every pathway: default libraries, the DVN committee and the courier admins', async () => {
    const signer = privateKeyToAccount(devnetKeys.dvnSigner).address;
    for (const chain of devnet.deployments.chains) {
      const client = createPublicClient({ transport: http(chain.rpcUrl) });
      const { endpoint, dvn, executor, sendUln302, receiveUln302 } = chain.layerZero;
      expect(await client.readContract({ address: endpoint, abi: endpointV2Abi, functionName: 'eid' })).toBe(chain.eid);
      for (const remote of devnet.deployments.chains.filter((other) => other !== chain)) {
        expect(await client.readContract({ address: endpoint, abi: endpointV2Abi, functionName: 'defaultSendLibrary', args: [remote.eid] })).toBe(sendUln302);
        expect(await client.readContract({ address: endpoint, abi: endpointV2Abi, functionName: 'defaultReceiveLibrary', args: [remote.eid] })).toBe(receiveUln302);
      }
      expect(await client.readContract({ address: dvn, abi: dvnAbi, functionName: 'isSigner', args: [signer] })).toBe(true);
      expect(await client.readContract({ address: dvn, abi: dvnAbi, functionName: 'quorum' })).toBe(1n);
      for (const key of devnetKeys.couriers) {
        const courier = privateKeyToAccount(key).address;
        expect(await client.readContract({ address: dvn, abi: dvnAbi, functionName: 'hasRole', args: [ADMIN_ROLE, courier] })).toBe(true);
        expect(await client.readContract({ address: executor, abi: executorAbi, functionName: 'hasRole', args: [ADMIN_ROLE, courier] })).toBe(true);
      }
      const stranger = privateKeyToAccount(devnetKeys.users[0]).address;
      expect(await client.readContract({ address: dvn, abi: dvnAbi, functionName: 'hasRole', args: [ADMIN_ROLE, stranger] })).toBe(false);
    }
  });

  test('stop() kills every chain', async () => {
    const other = await startDevnet({ chains: 2, deploymentsPath: join(mkdtempSync(join(tmpdir(), 'ballast-devnet-')), 'deployments.json') });
    const pids = other.anvils.map((anvil) => anvil.child.pid as number);
    expect(pids.every((pid) => pid > 0)).toBe(true);
    await other.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    await expect(createPublicClient({ transport: http(other.deployments.chains[0]?.rpcUrl, { retryCount: 0 }) }).getChainId()).rejects.toThrow();
    expect(liveChildren().filter((child) => pids.includes(child.pid as number))).toEqual([]);
  });
});
