// A Ballast user on the devnet, for suites and the demo: a thin adapter over an `@ballast/sdk` client
// (`client`), keeping the short calls the suites were written with — each Ballast write is the SDK's action
// (validated, quoted, simulated, sent, its GUIDs read from the receipt), each position read the SDK's
// `getPosition`. What the SDK has no business doing stays here: minting test tokens, moving mock feeds, and
// `write` for an arbitrary call a suite needs (governance, a refusing app).
import { collateralVaultAbi, creditLendingPoolAbi, mockAggregatorAbi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, type DevnetClients, simulateAndWrite } from '@ballast/devnet';
import { type ChainDeployment, type Deployments, contractAddress, homeChain } from '@ballast/protocol';
import { type BallastClient, type GetPositionReturnType, type RemotePosition, createBallastClient } from '@ballast/sdk';
import { type Abi, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type TransactionReceipt } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

type Connection = { chain: ChainDeployment; publicClient: DevnetClients['publicClient']; wallet: DevnetClients['walletClient'] };

export type CollateralAsset = 'weth' | 'wbtc';

/** A remote's line of this user as liquidation sees it: the line, what is parked to go home, what a liquidator may repay. */
export type LineState = { line: bigint; drawn: bigint; parked: bigint; repayable: bigint; epoch: number };

/** Gas for a mock feed's `setAnswer`: a fixed limit with room for a new round in a new second. */
const SET_ANSWER_GAS = 200_000n;

const FEEDS = { weth: BALLAST_CONTRACTS.wethFeed, wbtc: BALLAST_CONTRACTS.wbtcFeed } as const;

export class BallastUser {
  readonly address: Address;
  readonly home: ChainDeployment;
  /** The SDK client every Ballast call of this user goes through. */
  readonly client: BallastClient;

  constructor(deployments: Deployments, key: Hex) {
    const account = privateKeyToAccount(key);
    this.address = account.address;
    this.home = homeChain(deployments);
    this.client = createBallastClient({ deployments, account, pollingInterval: 20 });
  }

  /** This user's connection to chain `eid`: its deployment, a public client and a wallet. */
  connection(eid: number): Connection {
    const connection = this.client.ballast.chains.get(eid);
    if (!connection?.walletClient) throw new Error(`no chain ${eid}`);
    return { chain: connection.deployment, publicClient: connection.publicClient, wallet: connection.walletClient };
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

  /** Mints `amount` of `asset` to this user and deposits it (the SDK approves the vault first). */
  async deposit(asset: CollateralAsset, amount: bigint): Promise<void> {
    const token = this.contract(this.home.eid, BALLAST_CONTRACTS[asset]);
    await this.mint(this.home.eid, token, amount);
    await this.client.deposit({ asset: token, amount });
  }

  async withdraw(asset: CollateralAsset, amount: bigint): Promise<void> {
    await this.client.withdraw({ asset: this.contract(this.home.eid, BALLAST_CONTRACTS[asset]), amount });
  }

  /** Exports credit to `dstEid`; returns the GRANT's GUID. */
  async exportCredit(dstEid: number, amount: bigint): Promise<Hex> {
    return (await this.client.exportCredit({ dstEid, amount })).grant.guid;
  }

  /** Sends a HEARTBEAT to `dstEid` (anyone may; draws there need a recent one); returns its GUID. */
  async sendHeartbeat(dstEid: number): Promise<Hex> {
    return (await this.client.sendHeartbeat({ dstEid })).heartbeat.guid;
  }

  /** Authorises the pool on `eid` (once) and borrows `amount` USDC. */
  async borrow(eid: number, amount: bigint): Promise<void> {
    await this.client.borrow({ eid, amount });
  }

  debtOf(eid: number): Promise<bigint> {
    return this.connection(eid).publicClient.readContract({ address: this.contract(eid, BALLAST_CONTRACTS.pool), abi: creditLendingPoolAbi, functionName: 'debtOf', args: [this.address] });
  }

  /** Repays the whole debt on `eid` (minting the interest first). */
  async repayAll(eid: number): Promise<bigint> {
    const usdc = this.contract(eid, BALLAST_CONTRACTS.usdc);
    // A little headroom: interest keeps accruing until the repay is mined.
    const debt = (await this.debtOf(eid)) + 1_000n;
    const balance = await this.balanceOf(eid, usdc);
    if (balance < debt) await this.mint(eid, usdc, debt - balance);
    await this.client.repay({ eid, amount: debt });
    return debt;
  }

  /** Releases `amount` of undrawn credit on `eid` home; returns the RELEASE's GUID. */
  async release(eid: number, amount: bigint): Promise<Hex> {
    return (await this.client.release({ eid, amount })).release.guid;
  }

  /** This user's position on every chain, as the SDK reads it (one round trip per chain). */
  getPosition(): Promise<GetPositionReturnType> {
    return this.client.getPosition({ account: this.address });
  }

  /** This user's line on remote `eid` in the SDK's position. */
  async remote(eid: number): Promise<RemotePosition> {
    const remote = (await this.getPosition()).remotes.find((candidate) => candidate.eid === eid);
    if (!remote) throw new Error(`no remote ${eid} in the position`);
    return remote;
  }

  /** Home's record and the remote's line for this user on `eid`. */
  async position(eid: number): Promise<{ exported: bigint; line: bigint; drawn: bigint }> {
    const { exported, line, drawn } = await this.remote(eid);
    return { exported, line, drawn };
  }

  async collateralOf(asset: CollateralAsset): Promise<bigint> {
    const token = this.contract(this.home.eid, BALLAST_CONTRACTS[asset]).toLowerCase();
    return (await this.getPosition()).collateral.find((held) => held.asset.toLowerCase() === token)?.amount ?? 0n;
  }

  async totalExported(): Promise<bigint> {
    return (await this.getPosition()).totalExported;
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
    return (await this.client.recall({ account, dstEid, amount })).recall.guid;
  }

  /** Flags `account` (its home health must be below 1); returns the GUIDs of its LIQUIDATABLEs, one per remote it exported to. */
  async flag(account: Address): Promise<Hex[]> {
    return (await this.client.flag({ account })).notices.map((notice) => notice.guid);
  }

  /** Sends home the credit of `account` parked on `eid` (permissionless: a keeper's job); returns the RELEASE's GUID. */
  async returnParked(eid: number, account: Address): Promise<Hex> {
    return (await this.client.returnParked({ eid, account })).release.guid;
  }

  /**
   * Repays `amount` USDC of `account`'s loan in the pool on `eid` as its liquidator (minting any USDC this user
   * lacks), to be paid collateral on home at this user's address, in `collateral` first; returns the SEIZE's GUID.
   */
  async liquidate(eid: number, account: Address, amount: bigint, collateral: CollateralAsset): Promise<Hex> {
    const usdc = this.contract(eid, BALLAST_CONTRACTS.usdc);
    const balance = await this.balanceOf(eid, usdc);
    if (balance < amount) await this.mint(eid, usdc, amount - balance);
    const asset = this.contract(this.home.eid, BALLAST_CONTRACTS[collateral]);
    return (await this.client.liquidate({ eid, account, amount, collateral: asset })).seize.guid;
  }

  /** This user's line on `eid` with what liquidation adds: credit parked to go home and what a liquidator may still repay. */
  async line(eid: number): Promise<LineState> {
    const { line, drawn, parked, repayable, epoch } = await this.remote(eid);
    return { line, drawn, parked, repayable, epoch };
  }

  /** This user's liquidation epoch on home and as each remote last heard it, by eid (odd: flagged). */
  async epochs(): Promise<Record<number, number>> {
    const position = await this.getPosition();
    return Object.fromEntries([[this.home.eid, position.epoch], ...position.remotes.map((remote) => [remote.eid, remote.epoch])]);
  }
}
