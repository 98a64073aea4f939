import type { Deployments } from '@ballast/protocol';
import { type Address, type Log, encodeAbiParameters, encodeEventTopics, getAddress, parseEventLogs } from 'viem';
import { describe, expect, test } from 'vitest';
import { endpointV2Abi, sendUln302Abi } from '@ballast/abi';
import { ConfigError } from '../config.ts';
import { type CarriagePolicy, type PacketPayment, DEFAULT_DELIVERY_CAPS, allowlistKey, buildCarriagePolicy, judgeCarriage } from './carriage-policy.ts';
import { packetsWithPayments } from './packet-watcher.ts';

const workers = { sendLibrary: address(1), executor: address(2), dvn: address(3) };
const app = address(10);
const policy: CarriagePolicy = { allowlist: new Set(), caps: new Map([[40102, { maxGas: 500_000n, maxValueWei: 10n }]]), defaultCaps: DEFAULT_DELIVERY_CAPS };
const paid: PacketPayment = { sendLibrary: workers.sendLibrary, executor: { address: workers.executor, fee: '100' }, dvns: [{ address: workers.dvn, fee: '50' }] };
const judge = (overrides: Partial<Parameters<typeof judgeCarriage>[0]> = {}) =>
  judgeCarriage({ policy, srcEid: 40101, dstEid: 40103, sender: app, budget: { gas: 100_000n, value: 0n }, payment: paid, workers, ...overrides });

function address(n: number): Address {
  return getAddress(`0x${n.toString(16).padStart(40, '0')}`);
}

describe('judgeCarriage', () => {
  test('a packet that paid our Executor and DVN is carried in both roles', () => {
    expect(judge()).toEqual({ kind: 'carry', verify: true, execute: true, basis: 'paid' });
  });

  test('each role only when that worker was paid', () => {
    expect(judge({ payment: { ...paid, dvns: [{ address: address(99), fee: '50' }] } })).toMatchObject({ kind: 'carry', verify: false, execute: true });
    expect(judge({ payment: { ...paid, executor: { address: address(99), fee: '100' } } })).toMatchObject({ kind: 'carry', verify: true, execute: false });
    expect(judge({ payment: { ...paid, executor: { address: workers.executor, fee: '0' } } })).toMatchObject({ kind: 'carry', verify: true, execute: false });
  });

  test('zero fees, other workers, another library or no payment read: refused as unpaid', () => {
    const zero: PacketPayment = { sendLibrary: workers.sendLibrary, executor: { address: workers.executor, fee: '0' }, dvns: [{ address: workers.dvn, fee: '0' }] };
    for (const payment of [zero, { ...paid, sendLibrary: address(77) }, { sendLibrary: workers.sendLibrary, dvns: [] }, undefined]) {
      expect(judge({ payment })).toMatchObject({ kind: 'refuse', reason: 'unpaid' });
    }
  });

  test('an allowlisted app is carried unpaid; caps bind it too', () => {
    const allowlisted = { ...policy, allowlist: new Set([allowlistKey(40101, app)]) };
    expect(judge({ policy: allowlisted, payment: undefined })).toEqual({ kind: 'carry', verify: true, execute: true, basis: 'allowlist' });
    expect(judge({ policy: allowlisted, payment: undefined, srcEid: 40102 })).toMatchObject({ kind: 'refuse', reason: 'unpaid' });
    expect(judge({ policy: allowlisted, budget: { gas: 10n ** 18n, value: 0n } })).toMatchObject({ kind: 'refuse', reason: 'gas-cap' });
  });

  test('caps per destination, at their edges', () => {
    expect(judge({ dstEid: 40102, budget: { gas: 500_000n, value: 10n } })).toMatchObject({ kind: 'carry' });
    expect(judge({ dstEid: 40102, budget: { gas: 500_001n, value: 0n } })).toMatchObject({ kind: 'refuse', reason: 'gas-cap' });
    expect(judge({ dstEid: 40102, budget: { gas: 1n, value: 11n } })).toMatchObject({ kind: 'refuse', reason: 'value-cap' });
    expect(judge({ budget: { gas: 100_000n, value: 1n } })).toMatchObject({ kind: 'refuse', reason: 'value-cap', detail: expect.stringContaining('over the cap of 0') });
  });
});

describe('buildCarriagePolicy', () => {
  const deployments = {
    version: 1,
    network: 'test',
    chains: [
      { eid: 40101, contracts: { creditMirror: address(20) } },
      { eid: 40102, contracts: { creditMirror: address(21), collateralVault: address(22) } },
    ],
  } as unknown as Deployments;

  test('names resolve on every chain that has them; eid:address entries as given', () => {
    const built = buildCarriagePolicy({ deployments, allowlist: ['creditMirror', `40101:${address(5).toLowerCase()}`], defaultCaps: DEFAULT_DELIVERY_CAPS, chainCaps: new Map([[40102, { maxGas: 7n }]]) });
    expect([...built.allowlist].sort()).toEqual([allowlistKey(40101, address(20)), allowlistKey(40101, address(5)), allowlistKey(40102, address(21))].sort());
    expect(built.caps.get(40102)).toEqual({ maxGas: 7n, maxValueWei: 0n });
  });

  test('a name no chain has, or an unknown eid, is a ConfigError naming the entry', () => {
    expect(() => buildCarriagePolicy({ deployments, allowlist: ['creditMirror', 'pingOApp'], defaultCaps: DEFAULT_DELIVERY_CAPS })).toThrow(ConfigError);
    expect(() => buildCarriagePolicy({ deployments, allowlist: ['pingOApp'], defaultCaps: DEFAULT_DELIVERY_CAPS })).toThrow('courier.allowlist.0');
    expect(() => buildCarriagePolicy({ deployments, allowlist: [`40199:${address(5)}`], defaultCaps: DEFAULT_DELIVERY_CAPS })).toThrow('eid 40199');
  });
});

describe('packetsWithPayments', () => {
  const endpoint = address(100);
  let logIndex = 0;
  const log = (emitter: Address, abi: typeof endpointV2Abi | typeof sendUln302Abi, eventName: string, args: Record<string, unknown>, tx: number): Log => {
    const item = (abi as readonly { type: string; name?: string; inputs?: readonly { name: string; type: string; indexed?: boolean }[] }[]).find((entry) => entry.type === 'event' && entry.name === eventName);
    const inputs = (item?.inputs ?? []).filter((input) => !input.indexed);
    return {
      address: emitter,
      topics: encodeEventTopics({ abi, eventName } as never),
      data: encodeAbiParameters(inputs as never, inputs.map((input) => args[input.name]) as never),
      blockNumber: 7n,
      blockHash: `0x${'ab'.repeat(32)}`,
      transactionHash: `0x${tx.toString(16).padStart(64, '0')}`,
      transactionIndex: tx,
      logIndex: logIndex++,
      removed: false,
    } as Log;
  };

  test('each PacketSent gets the fee events of its library emitted before it in its transaction', () => {
    const other = address(50);
    const raw = [
      log(workers.sendLibrary, sendUln302Abi, 'ExecutorFeePaid', { executor: workers.executor, fee: 11n }, 1),
      log(workers.sendLibrary, sendUln302Abi, 'DVNFeePaid', { requiredDVNs: [workers.dvn], optionalDVNs: [other], fees: [5n, 6n] }, 1),
      log(endpoint, endpointV2Abi, 'PacketSent', { encodedPayload: '0x01', options: '0x', sendLibrary: workers.sendLibrary }, 1),
      // Second packet of the same transaction (a broadcast): its own fees only.
      log(workers.sendLibrary, sendUln302Abi, 'ExecutorFeePaid', { executor: workers.executor, fee: 22n }, 1),
      log(endpoint, endpointV2Abi, 'PacketSent', { encodedPayload: '0x02', options: '0x', sendLibrary: workers.sendLibrary }, 1),
      // Another transaction; fee events from a look-alike contract do not count.
      log(other, sendUln302Abi, 'ExecutorFeePaid', { executor: workers.executor, fee: 99n }, 2),
      log(endpoint, endpointV2Abi, 'PacketSent', { encodedPayload: '0x03', options: '0x', sendLibrary: workers.sendLibrary }, 2),
    ];
    const decoded = parseEventLogs({ abi: [...endpointV2Abi, ...sendUln302Abi], logs: raw });
    const result = packetsWithPayments(decoded, endpoint);
    expect(result.map(({ payment }) => payment)).toEqual([
      { sendLibrary: workers.sendLibrary, executor: { address: workers.executor, fee: '11' }, dvns: [{ address: workers.dvn, fee: '5' }, { address: other, fee: '6' }] },
      { sendLibrary: workers.sendLibrary, executor: { address: workers.executor, fee: '22' }, dvns: [] },
      { sendLibrary: workers.sendLibrary, dvns: [] },
    ]);
    expect(result.map(({ log: sent }) => sent.args.encodedPayload)).toEqual(['0x01', '0x02', '0x03']);
  });
});
