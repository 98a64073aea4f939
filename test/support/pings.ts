// Sends PingOApp pings from a user on one devnet chain and tracks them by GUID: what the demo and
// the courier's suites use to put traffic on every pathway.
import { pingOAppAbi } from '@ballast/abi';
import { type ChainDeployment, contractAddress, lzReceiveOptions } from '@ballast/protocol';
import { type DevnetClients, PING_OAPP, devnetClients } from '@ballast/devnet';
import type { Courier, DeliveryRecord } from '@ballast/relayer';
import { type Address, type Hash, type Hex, encodeFunctionData, keccak256, numberToHex, parseEventLogs } from 'viem';

/** lzReceive gas every test ping pays for (PingOApp needs ~50k). */
export const PING_GAS = 100_000n;
export const PING_OPTIONS = lzReceiveOptions(PING_GAS);

export type SentPing = { guid: Hex; srcEid: number; dstEid: number; txHash: Hash; sentAt: number };

export class PingClient {
  readonly chain: ChainDeployment;
  readonly app: Address;
  readonly publicClient: DevnetClients['publicClient'];
  readonly #wallet: DevnetClients['walletClient'];
  #nonce: number | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(chain: ChainDeployment, userKey: Hex) {
    const { publicClient, walletClient } = devnetClients(chain, userKey, { pollingInterval: 20 });
    this.chain = chain;
    this.app = contractAddress(chain, PING_OAPP);
    this.publicClient = publicClient;
    this.#wallet = walletClient;
  }

  /** Sends `count` pings to `dstEid` back to back, then waits for their receipts. */
  async send(dstEid: number, count = 1): Promise<SentPing[]> {
    const { nativeFee } = await this.publicClient.readContract({ address: this.app, abi: pingOAppAbi, functionName: 'quote', args: [dstEid, PING_OPTIONS] });
    // One submission loop at a time per client, so concurrent sends never reuse a nonce.
    const submission = this.#lock.then(async () => {
      this.#nonce ??= await this.publicClient.getTransactionCount({ address: this.#wallet.account.address, blockTag: 'pending' });
      const submitted: { hash: Hash; sentAt: number }[] = [];
      for (let index = 0; index < count; index++) {
        const payload = keccak256(numberToHex(Date.now() * 1_000 + index));
        const data = encodeFunctionData({ abi: pingOAppAbi, functionName: 'ping', args: [dstEid, payload, PING_OPTIONS] });
        const sentAt = Date.now();
        const hash = await this.#wallet.sendTransaction({ to: this.app, data, value: nativeFee, gas: 400_000n, nonce: this.#nonce++ });
        submitted.push({ hash, sentAt });
      }
      return submitted;
    });
    this.#lock = submission.catch(() => {
      this.#nonce = undefined;
    });
    const submitted = await submission;
    return Promise.all(
      submitted.map(async ({ hash, sentAt }) => {
        const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
        if (receipt.status !== 'success') throw new Error(`ping transaction ${hash} reverted`);
        const [event] = parseEventLogs({ abi: pingOAppAbi, logs: receipt.logs, eventName: 'PingSent' });
        if (!event) throw new Error(`ping transaction ${hash} emitted no PingSent`);
        return { guid: event.args.guid, srcEid: this.chain.eid, dstEid, txHash: hash, sentAt };
      }),
    );
  }

  received(srcEid: number): Promise<bigint> {
    return this.publicClient.readContract({ address: this.app, abi: pingOAppAbi, functionName: 'received', args: [srcEid] });
  }
}

/**
 * Records every delivery a courier reports from the moment it is created, so a packet delivered
 * before anyone waits for it is not missed.
 */
export class DeliveryTracker {
  readonly records = new Map<Hex, DeliveryRecord>();
  readonly #courier: Courier;
  readonly #waiters = new Set<() => void>();
  readonly #onDelivered = (record: DeliveryRecord) => {
    this.records.set(record.guid, record);
    for (const wake of this.#waiters) wake();
  };

  constructor(courier: Courier) {
    this.#courier = courier;
    courier.on('delivered', this.#onDelivered);
  }

  /** Resolves with the record of each GUID (in `guids` order) once all are delivered. */
  waitFor(guids: Hex[], timeoutMs = 60_000): Promise<DeliveryRecord[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (guids.some((guid) => !this.records.has(guid))) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(guids.map((guid) => this.records.get(guid) as DeliveryRecord));
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        const missing = guids.filter((guid) => !this.records.has(guid));
        reject(new Error(`${missing.length} of ${guids.length} packets not delivered within ${timeoutMs} ms (first: ${missing[0]})`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.#courier.off('delivered', this.#onDelivered);
  }
}

/** p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
