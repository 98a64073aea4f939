// What the courier agrees to carry, and in which role. The courier is paid as LayerZero pays workers:
// the source transaction's send library charges the app for the Executor and each DVN it names and
// emits `ExecutorFeePaid` / `DVNFeePaid`. A packet is worked only when those events name our workers
// with a fee (or its sending app is on the operator's allowlist), and never past the destination's
// caps on gas and native value: a packet asking for more is refused for good, not retried.
import type { Deployments } from '@ballast/protocol';
import { type Address, getAddress, isAddress } from 'viem';
import { ConfigError } from '../config.ts';

/** What the source transaction paid for one packet, read from its send library's events. */
export type PacketPayment = {
  /** The send library the endpoint used (PacketSent's `sendLibrary`). */
  sendLibrary: Address;
  /** `ExecutorFeePaid` of this packet; undefined when the library emitted none. */
  executor?: { address: Address; fee: string };
  /** `DVNFeePaid` of this packet: each required and optional DVN with its fee (wei, decimal). */
  dvns: { address: Address; fee: string }[];
};

/** Our workers on one source chain: whom a payment must name. */
export type SourceWorkers = { sendLibrary: Address; executor: Address; dvn: Address };

/** Per destination chain: the most one delivery may cost us. */
export type DeliveryCaps = {
  /** lzReceive gas the options may ask for. */
  maxGas: bigint;
  /** Native value (wei) the options may ask `lzReceive` to carry. */
  maxValueWei: bigint;
};

export type CarriagePolicy = {
  /** Sending apps carried whatever they paid, as `<eid>:<address>` (lower case); see `allowlistKey`. */
  allowlist: ReadonlySet<string>;
  /** Caps by destination eid; `defaultCaps` for a chain without its own. */
  caps: ReadonlyMap<number, DeliveryCaps>;
  defaultCaps: DeliveryCaps;
};

/**
 * Why a packet is not carried; `bad-options`: its executor options cannot be read (so neither priced nor
 * capped); `forged`: the job does not match its source transaction (./source-evidence.ts).
 */
export const REFUSAL_REASONS = ['unpaid', 'gas-cap', 'value-cap', 'bad-options', 'forged'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type CarriageDecision =
  /** Carry it: `verify` as our DVN (assigned and paid, or allowlisted); `execute` as our Executor (commit and lzReceive). */
  | { kind: 'carry'; verify: boolean; execute: boolean; basis: 'allowlist' | 'paid' }
  | { kind: 'refuse'; reason: RefusalReason; detail: string };

/** Defaults: about twenty times the largest enforced gas of a Ballast message; no native value. */
export const DEFAULT_DELIVERY_CAPS: DeliveryCaps = { maxGas: 20_000_000n, maxValueWei: 0n };

export function allowlistKey(eid: number, app: Address): string {
  return `${eid}:${app.toLowerCase()}`;
}

export type JudgeCarriageParameters = {
  policy: CarriagePolicy;
  srcEid: number;
  dstEid: number;
  /** The sending app (the packet's sender). */
  sender: Address;
  /** What the options ask the executor for. */
  budget: { gas: bigint; value: bigint };
  payment: PacketPayment | undefined;
  workers: SourceWorkers;
};

/**
 * Whether and how to carry one packet. Pure: the same inputs always give the same decision, so every
 * courier process sharing a queue agrees.
 *
 * @example
 * judgeCarriage({ policy, srcEid: 40101, dstEid: 40102, sender, budget: { gas: 10n ** 18n, value: 0n }, payment, workers })
 * // → { kind: 'refuse', reason: 'gas-cap', … }
 */
export function judgeCarriage({ policy, srcEid, dstEid, sender, budget, payment, workers }: JudgeCarriageParameters): CarriageDecision {
  const caps = policy.caps.get(dstEid) ?? policy.defaultCaps;
  if (budget.gas > caps.maxGas) return { kind: 'refuse', reason: 'gas-cap', detail: `options ask for ${budget.gas} gas, over the cap of ${caps.maxGas} on eid ${dstEid}` };
  if (budget.value > caps.maxValueWei) {
    return { kind: 'refuse', reason: 'value-cap', detail: `options ask for ${budget.value} wei of value, over the cap of ${caps.maxValueWei} on eid ${dstEid}` };
  }
  if (policy.allowlist.has(allowlistKey(srcEid, sender))) return { kind: 'carry', verify: true, execute: true, basis: 'allowlist' };
  // Fee events count only from the registered send library our workers serve (another contract could emit look-alikes).
  const fromOurLibrary = payment !== undefined && same(payment.sendLibrary, workers.sendLibrary);
  const paid = (worker: { address: Address; fee: string } | undefined, ours: Address) => worker !== undefined && same(worker.address, ours) && BigInt(worker.fee) > 0n;
  const execute = fromOurLibrary && paid(payment.executor, workers.executor);
  const verify = fromOurLibrary && payment.dvns.some((dvn) => paid(dvn, workers.dvn));
  if (!execute && !verify) {
    return { kind: 'refuse', reason: 'unpaid', detail: `app ${sender} on eid ${srcEid} paid neither our Executor nor our DVN, and is not on the allowlist` };
  }
  return { kind: 'carry', verify, execute, basis: 'paid' };
}

export type BuildCarriagePolicyParameters = {
  deployments: Deployments;
  /** Contract names of the deployments file (allowlisted on every chain that has one) or `<eid>:<address>`. */
  allowlist: readonly string[];
  defaultCaps: DeliveryCaps;
  /** Per destination eid, what overrides `defaultCaps`. */
  chainCaps?: ReadonlyMap<number, Partial<DeliveryCaps>>;
};

/** The policy of a config: names resolved against the deployments; a name no chain has is a `ConfigError`. */
export function buildCarriagePolicy({ deployments, allowlist, defaultCaps, chainCaps = new Map() }: BuildCarriagePolicyParameters): CarriagePolicy {
  const keys = new Set<string>();
  allowlist.forEach((entry, index) => {
    const [eid, address] = entry.split(':');
    if (address !== undefined && isAddress(address, { strict: false })) {
      if (!deployments.chains.some((chain) => chain.eid === Number(eid))) {
        throw new ConfigError(`courier.allowlist.${index}: eid ${eid} is not a chain of the deployments file; put one of ${deployments.chains.map((chain) => chain.eid).join(', ')}.`, {
          docsPath: 'OPERATIONS.md#executor-and-dvn-policy',
        });
      }
      keys.add(allowlistKey(Number(eid), address));
      return;
    }
    const found = deployments.chains.filter((chain) => chain.contracts[entry] !== undefined);
    if (found.length === 0) {
      throw new ConfigError(`courier.allowlist.${index}: no chain of the deployments file has a contract named "${entry}".`, {
        details: 'Name a contract of the deployments file (e.g. "collateralVault", "creditMirror") or give "<eid>:<0x address>".',
        docsPath: 'OPERATIONS.md#executor-and-dvn-policy',
      });
    }
    for (const chain of found) keys.add(allowlistKey(chain.eid, chain.contracts[entry] as Address));
  });
  const caps = new Map([...chainCaps].map(([eid, cap]) => [eid, { ...defaultCaps, ...cap }]));
  return { allowlist: keys, caps, defaultCaps };
}

function same(a: Address, b: Address): boolean {
  return getAddress(a) === getAddress(b);
}
