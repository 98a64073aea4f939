// A Ballast user on the devnet, for suites and the demo: one wallet on every chain and the calls of
// the lifecycle (deposit, export, borrow, repay, release, withdraw) and of liquidation (recall, flag,
// return parked credit, liquidate), each waiting for its receipt and returning the LayerZero GUID
// where a message leaves. The SDK issue replaces this with viem actions in sdk/.
import { collateralVaultAbi, creditLendingPoolAbi, creditMirrorAbi, mockAggregatorAbi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, type DevnetClients, devnetClients, simulateAndWrite } from '@ballast/devnet';
import { type ChainDeployment, type Deployments, MESSAGE_TYPES, contractAddress, homeChain } from '@ballast/protocol';
import { type Abi, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type TransactionReceipt, maxUint256, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

type Connection = { chain: ChainDeployment; publicClient: DevnetClients['publicClient']; wallet: DevnetClients['walletClient'] };

export type CollateralAsset = 'weth' | 'wbtc';

/** A remote's line of this user as liquidation sees it: the line, what is parked to go home, what a liquidator may repay. */
export type LineState = { line: bigint; drawn: bigint; parked: bigint; repayable: bigint; epoch: number };

/** The pool's ABI with the mirror's errors: a pool liquidation bubbles the mirror's revert up unchanged. */
const poolAbiWithMirrorErrors = [...creditLendingPoolAbi, ...creditMirrorAbi.filter((item) => item.type === 'error')];

/** Gas for a mock feed's `setAnswer`: a fixed limit with room for a new round in a new second. */
const SET_ANSWER_GAS = 200_000n;

const FEEDS = { weth: BALLAST_CONTRACTS.wethFeed, wbtc: BALLAST_CONTRACTS.wbtcFeed } as const;

/** The GUID of the message a transaction sent, from its one event that carries it. */
function eventGuid(events: readonly { args: { guid: Hex } }[], eventName: string): Hex {
  const [event] = events;
  if (!event) throw new Error(`no ${eventName} event in the receipt`);
  return event.args.guid;
}

export class BallastUser {
  readonly address: Address;
  readonly home: ChainDeployment;
  readonly #connections = new Map<number, Connection>();

  constructor(deployments: Deployments, key: Hex) {
    this.address = privateKeyToAccount(key).address;
    this.home = homeChain(deployments);
    for (const chain of deployments.chains) {
      const { publicClient, walletClient } = devnetClients(chain, key, { pollingInterval: 20 });
      this.#connections.set(chain.eid, { chain, publicClient, wallet: walletClient });
    }
  }

  connection(eid: number): Connection {
    const connection = this.#connections.get(eid);
    if (!connection) throw new Error(`no chain ${eid}`);
    return connection;
  }

  contract(eid: number, name: string): Address {
    return contractAddress(this.connection(eid).chain, name);
  }

  async write<const abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    eid: number,
    address: Address,
    abi: abi,
    functionName: functionName,
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
    value?: bigint,
  ): Promise<TransactionReceipt> {
    const { publicClient, wallet } = this.connection(eid);
    const receipt = await simulateAndWrite({ publicClient, walletClient: wallet }, { address, abi, functionName, args, value });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${receipt.transactionHash})`);
    return receipt;
  }

  /** Mints `amount` of a devnet token to the user on `eid` (test tokens are freely mintable). */
  async mint(eid: number, token: Address, amount: bigint): Promise<void> {
    await this.write(eid, token, testTokenAbi, 'mint', [this.address, amount]);
  }

  balanceOf(eid: number, token: Address): Promise<bigint> {
    return this.connection(eid).publicClient.readContract({ address: token, abi: testTokenAbi, functionName: 'balanceOf', args: [this.address] });
  }

  async deposit(asset: CollateralAsset, amount: bigint): Promise<void> {
    const token = this.contract(this.home.eid, BALLAST_CONTRACTS[asset]);
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    await this.mint(this.home.eid, token, amount);
    await this.write(this.home.eid, token, testTokenAbi, 'approve', [vault, amount]);
    await this.write(this.home.eid, vault, collateralVaultAbi, 'deposit', [this.address, token, amount]);
  }

  async withdraw(asset: CollateralAsset, amount: bigint): Promise<void> {
    const token = this.contract(this.home.eid, BALLAST_CONTRACTS[asset]);
    await this.write(this.home.eid, this.contract(this.home.eid, BALLAST_CONTRACTS.vault), collateralVaultAbi, 'withdraw', [this.address, token, amount, this.address]);
  }

  /** Exports credit to `dstEid`; returns the GRANT's GUID. */
  async exportCredit(dstEid: number, amount: bigint): Promise<Hex> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    const { publicClient } = this.connection(this.home.eid);
    const fee = await publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quoteExport', args: [dstEid, '0x'] });
    const receipt = await this.write(this.home.eid, vault, collateralVaultAbi, 'exportCredit', [this.address, dstEid, amount, this.address, '0x'], fee.nativeFee);
    return eventGuid(parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: 'CreditExported' }), 'CreditExported');
  }

  /** Sends a HEARTBEAT to `dstEid` (anyone may; draws there need a recent one); returns its GUID. */
  async sendHeartbeat(dstEid: number): Promise<Hex> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    const { publicClient } = this.connection(this.home.eid);
    const fee = await publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quote', args: [dstEid, MESSAGE_TYPES.heartbeat, '0x'] });
    const receipt = await this.write(this.home.eid, vault, collateralVaultAbi, 'sendHeartbeat', [dstEid, '0x'], fee.nativeFee);
    return eventGuid(parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: 'HeartbeatSent' }), 'HeartbeatSent');
  }

  /** Authorises the pool on `eid` (once) and borrows `amount` USDC. */
  async borrow(eid: number, amount: bigint): Promise<void> {
    const mirror = this.contract(eid, BALLAST_CONTRACTS.mirror);
    const pool = this.contract(eid, BALLAST_CONTRACTS.pool);
    const authorized = await this.connection(eid).publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'isConsumerAuthorized', args: [this.address, pool] });
    if (!authorized) await this.write(eid, mirror, creditMirrorAbi, 'setConsumerAuthorization', [this.address, pool, true]);
    await this.write(eid, pool, creditLendingPoolAbi, 'borrow', [this.address, amount, this.address]);
  }

  debtOf(eid: number): Promise<bigint> {
    return this.connection(eid).publicClient.readContract({ address: this.contract(eid, BALLAST_CONTRACTS.pool), abi: creditLendingPoolAbi, functionName: 'debtOf', args: [this.address] });
  }

  /** Repays the whole debt on `eid` (minting the interest first). */
  async repayAll(eid: number): Promise<bigint> {
    const pool = this.contract(eid, BALLAST_CONTRACTS.pool);
    const usdc = this.contract(eid, BALLAST_CONTRACTS.usdc);
    // A little headroom: interest keeps accruing until the repay is mined.
    const debt = (await this.debtOf(eid)) + 1_000n;
    const balance = await this.balanceOf(eid, usdc);
    if (balance < debt) await this.mint(eid, usdc, debt - balance);
    await this.write(eid, usdc, testTokenAbi, 'approve', [pool, maxUint256]);
    await this.write(eid, pool, creditLendingPoolAbi, 'repay', [this.address, debt]);
    return debt;
  }

  /** Releases `amount` of undrawn credit on `eid` home; returns the RELEASE's GUID. */
  async release(eid: number, amount: bigint): Promise<Hex> {
    const mirror = this.contract(eid, BALLAST_CONTRACTS.mirror);
    const fee = await this.connection(eid).publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.release, '0x'] });
    const receipt = await this.write(eid, mirror, creditMirrorAbi, 'release', [this.address, amount, '0x'], fee.nativeFee);
    return eventGuid(parseEventLogs({ abi: creditMirrorAbi, logs: receipt.logs, eventName: 'CreditReleased' }), 'CreditReleased');
  }

  /** Home's record and the remote's line for this user on `eid`. */
  async position(eid: number): Promise<{ exported: bigint; line: bigint; drawn: bigint }> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    const mirror = this.contract(eid, BALLAST_CONTRACTS.mirror);
    const [exported, line] = await Promise.all([
      this.connection(this.home.eid).publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportedTo', args: [this.address, eid] }),
      this.connection(eid).publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [this.address] }),
    ]);
    return { exported, line: line.line, drawn: line.drawn };
  }

  collateralOf(asset: CollateralAsset): Promise<bigint> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    return this.connection(this.home.eid).publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'collateralOf', args: [this.address, this.contract(this.home.eid, BALLAST_CONTRACTS[asset])] });
  }

  totalExported(): Promise<bigint> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    return this.connection(this.home.eid).publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'totalExported', args: [this.address] });
  }

  // ------------------------------------------------------------------ liquidation

  /** Devnet only: sets `asset`'s mock feed to `usd` whole dollars (anyone may answer a MockAggregator). */
  async setPrice(asset: CollateralAsset, usd: bigint): Promise<void> {
    await this.setAnswer(this.contract(this.home.eid, FEEDS[asset]), usd * 10n ** 8n);
  }

  /**
   * `feed.setAnswer(answer)` on home with a fixed gas limit, not an estimate: anvil estimates against the
   * last block's timestamp, and a `setAnswer` mined in a later second writes two slots more than
   * estimated (out of gas). Returns the receipt.
   */
  async setAnswer(feed: Address, answer: bigint): Promise<TransactionReceipt> {
    const { publicClient, wallet } = this.connection(this.home.eid);
    const hash = await wallet.writeContract({ address: feed, abi: mockAggregatorAbi, functionName: 'setAnswer', args: [answer], gas: SET_ANSWER_GAS });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
    if (receipt.status !== 'success') throw new Error(`setAnswer reverted (${hash})`);
    return receipt;
  }

  /** Home health of this user at liquidation prices (1e18 = 1): what `flag`, `recall` and a `SEIZE` judge by. */
  liquidationHealth(): Promise<bigint> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    return this.connection(this.home.eid).publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'liquidationHealth', args: [this.address] });
  }

  /** Asks `dstEid` to send home up to `amount` of `account`'s undrawn credit (anyone may under the recall health); returns the RECALL's GUID. */
  async recall(account: Address, dstEid: number, amount: bigint): Promise<Hex> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    const fee = await this.connection(this.home.eid).publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quote', args: [dstEid, MESSAGE_TYPES.recall, '0x'] });
    const receipt = await this.write(this.home.eid, vault, collateralVaultAbi, 'recall', [account, dstEid, amount, '0x'], fee.nativeFee);
    return eventGuid(parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: 'NoticeSent' }), 'NoticeSent');
  }

  /** Flags `account` (its home health must be below 1); returns the GUIDs of its LIQUIDATABLEs, one per remote it exported to. */
  async flag(account: Address): Promise<Hex[]> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    const fee = await this.connection(this.home.eid).publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quoteNotices', args: [account, MESSAGE_TYPES.liquidatable, '0x'] });
    const receipt = await this.write(this.home.eid, vault, collateralVaultAbi, 'flag', [account, '0x'], fee);
    return parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: 'NoticeSent' }).map((event) => event.args.guid);
  }

  /** Sends home the credit of `account` parked on `eid` (permissionless: a keeper's job); returns the RELEASE's GUID. */
  async returnParked(eid: number, account: Address): Promise<Hex> {
    const mirror = this.contract(eid, BALLAST_CONTRACTS.mirror);
    const fee = await this.connection(eid).publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.release, '0x'] });
    const receipt = await this.write(eid, mirror, creditMirrorAbi, 'returnParked', [account, '0x'], fee.nativeFee);
    return eventGuid(parseEventLogs({ abi: creditMirrorAbi, logs: receipt.logs, eventName: 'CreditReleased' }), 'CreditReleased');
  }

  /**
   * Repays `amount` USDC of `account`'s loan in the pool on `eid` as its liquidator (minting any USDC this user
   * lacks), to be paid collateral on home at this user's address, in `collateral` first; returns the SEIZE's GUID.
   */
  async liquidate(eid: number, account: Address, amount: bigint, collateral: CollateralAsset): Promise<Hex> {
    const { publicClient } = this.connection(eid);
    const pool = this.contract(eid, BALLAST_CONTRACTS.pool);
    const usdc = this.contract(eid, BALLAST_CONTRACTS.usdc);
    const balance = await this.balanceOf(eid, usdc);
    if (balance < amount) await this.mint(eid, usdc, amount - balance);
    await this.write(eid, usdc, testTokenAbi, 'approve', [pool, amount]);
    const mirror = this.contract(eid, BALLAST_CONTRACTS.mirror);
    const fee = await publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.seize, '0x'] });
    const asset = this.contract(this.home.eid, BALLAST_CONTRACTS[collateral]);
    const receipt = await this.write(eid, pool, poolAbiWithMirrorErrors, 'liquidate', [account, amount, this.address, asset, '0x'], fee.nativeFee);
    return eventGuid(parseEventLogs({ abi: creditMirrorAbi, logs: receipt.logs, eventName: 'Liquidated' }), 'Liquidated');
  }

  /** This user's line on `eid` with what liquidation adds: credit parked to go home and what a liquidator may still repay. */
  async line(eid: number): Promise<LineState> {
    const mirror = this.contract(eid, BALLAST_CONTRACTS.mirror);
    const { publicClient } = this.connection(eid);
    const [line, parked, repayable] = await Promise.all([
      publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [this.address] }),
      publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'parkedOf', args: [this.address] }),
      publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'repayableOf', args: [this.address] }),
    ]);
    return { line: line.line, drawn: line.drawn, parked, repayable, epoch: line.epoch };
  }

  /** This user's liquidation epoch on home and as each remote last heard it, by eid (odd: flagged). */
  async epochs(): Promise<Record<number, number>> {
    const vault = this.contract(this.home.eid, BALLAST_CONTRACTS.vault);
    const entries = await Promise.all(
      [...this.#connections.values()].map(async ({ chain, publicClient }) => {
        if (chain.role === 'home') return [chain.eid, await publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'epochOf', args: [this.address] })] as const;
        return [chain.eid, (await this.line(chain.eid)).epoch] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
}
