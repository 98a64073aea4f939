// What reached the chains, read back from the contracts' own events, for suites that must prove an
// action happened exactly once whatever the relayers went through: every liquidation-side effect of the
// vault and the mirrors keyed by (event, account, eid, epoch or reason) and counted, and every LayerZero
// packet sent on any endpoint matched with its delivery.
import { collateralVaultAbi, creditMirrorAbi, endpointV2Abi } from '@ballast/abi';
import { BALLAST_CONTRACTS } from '@ballast/devnet';
import { type Deployments, contractAddress, decodePacket, homeChain } from '@ballast/protocol';
import { chainPublicClient } from '@ballast/relayer';
import { type Address, getAddress } from 'viem';

/** Key of one action's on-chain effect, e.g. `NoticeSent 0xabc… dst=40102 type=2 epoch=0`. */
export type ActionEventKey = string;

/**
 * Every keeper-driven effect on chain, counted per key: the vault's `NoticeSent` (RECALL, LIQUIDATABLE,
 * CLEAR, BAD_DEBT per account, destination, type and epoch), `AccountFlagged` / `AccountCleared` (per
 * epoch), `CreditReleased` with a reason other than voluntary (credit a recall or a flag sent home, per
 * source and reason); each mirror's `CreditParked`, `CreditReleased` (reason ≠ 0), `LineFlagged` /
 * `LineCleared` (per epoch) and `Liquidated`. Each should count 1.
 */
export async function actionEvents(deployments: Deployments): Promise<Map<ActionEventKey, number>> {
  const counts = new Map<ActionEventKey, number>();
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const home = homeChain(deployments);
  const vaultLogs = await chainPublicClient(home).getContractEvents({ address: contractAddress(home, BALLAST_CONTRACTS.vault), abi: collateralVaultAbi, fromBlock: 0n });
  for (const log of vaultLogs) {
    if (log.eventName === 'NoticeSent') count(`NoticeSent ${log.args.account} dst=${log.args.dstEid} type=${log.args.msgType} epoch=${log.args.epoch}`);
    if (log.eventName === 'AccountFlagged') count(`AccountFlagged ${log.args.account} epoch=${log.args.epoch}`);
    if (log.eventName === 'AccountCleared') count(`AccountCleared ${log.args.account} epoch=${log.args.epoch}`);
    if (log.eventName === 'CreditReleased' && log.args.reason !== 0) count(`HomeCreditReleased ${log.args.account} src=${log.args.srcEid} reason=${log.args.reason}`);
  }
  for (const remote of deployments.chains.filter((chain) => chain.role === 'remote')) {
    const logs = await chainPublicClient(remote).getContractEvents({ address: contractAddress(remote, BALLAST_CONTRACTS.mirror), abi: creditMirrorAbi, fromBlock: 0n });
    const eid = remote.eid;
    for (const log of logs) {
      if (log.eventName === 'CreditParked') count(`CreditParked ${log.args.account} eid=${eid} reason=${log.args.reason}`);
      if (log.eventName === 'CreditReleased' && log.args.reason !== 0) count(`MirrorCreditReleased ${log.args.account} eid=${eid} reason=${log.args.reason}`);
      if (log.eventName === 'LineFlagged') count(`LineFlagged ${log.args.account} eid=${eid} epoch=${log.args.epoch}`);
      if (log.eventName === 'LineCleared') count(`LineCleared ${log.args.account} eid=${eid} epoch=${log.args.epoch}`);
      if (log.eventName === 'Liquidated') count(`Liquidated ${log.args.account} eid=${eid} epoch=${log.args.epoch}`);
    }
  }
  return counts;
}

/** The counted keys that name one of `accounts`. */
export function eventsOf(events: ReadonlyMap<ActionEventKey, number>, accounts: readonly Address[]): Record<ActionEventKey, number> {
  const wanted = new Set(accounts.map((account) => getAddress(account)));
  return Object.fromEntries([...events].filter(([key]) => wanted.has(key.split(' ')[1] as Address)));
}

export type PacketLedger = {
  /** Packets sent on any endpoint of the deployment. */
  sent: number;
  /** `<srcEid>/<nonce> → <dstEid>` of each packet not (yet) delivered. */
  undelivered: string[];
  /** Packets whose `PacketDelivered` appears more than once (the endpoint forbids it: a broken chain). */
  deliveredTwice: string[];
};

/** Every `PacketSent` on every endpoint of the deployment matched with its `PacketDelivered` on the destination. */
export async function packetLedger(deployments: Deployments): Promise<PacketLedger> {
  const delivered = new Map<string, number>();
  const sent: { key: string; label: string }[] = [];
  await Promise.all(
    deployments.chains.map(async (chain) => {
      const logs = await chainPublicClient(chain).getContractEvents({ address: chain.layerZero.endpoint, abi: endpointV2Abi, fromBlock: 0n, strict: true });
      for (const log of logs) {
        if (log.eventName === 'PacketSent') {
          const packet = decodePacket(log.args.encodedPayload);
          sent.push({ key: `${packet.srcEid}-${packet.sender}-${packet.nonce}-${packet.dstEid}`, label: `${packet.srcEid}/${packet.nonce} → ${packet.dstEid}` });
        }
        if (log.eventName === 'PacketDelivered') {
          const key = `${log.args.origin.srcEid}-${log.args.origin.sender}-${log.args.origin.nonce}-${chain.eid}`;
          delivered.set(key, (delivered.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  return {
    sent: sent.length,
    undelivered: sent.filter(({ key }) => !delivered.has(key)).map(({ label }) => label),
    deliveredTwice: [...delivered].filter(([, times]) => times > 1).map(([key]) => key),
  };
}
