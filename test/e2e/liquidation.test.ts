// The acceptance test for liquidation, on three real anvil chains with every message carried by
// the courier through LayerZero v2's production contracts: deposit two assets on home → export to both
// remotes → borrow on each → the price crashes → a stranger recalls the undrawn credit and a keeper
// returns it home → flag → a liquidator repays on each remote → SEIZE pays it collateral on home. The
// whole book (home's exports and collateral, each line, every epoch, every wallet) is checked after each
// hop. Then a healthy account: nobody can flag, recall or liquidate it, and nothing moves.
import { collateralVaultAbi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, LIQUIDATION_CONFIG, deployBallast, devnetKeys, liveChildren } from '@ballast/devnet';
import type { Courier, DeliveryRecord } from '@ballast/relayer';
import { parseEther, parseEventLogs, parseUnits } from 'viem';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser, type CollateralAsset, type LineState } from '../support/ballast.ts';
import { DeliveryTracker } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
let courier: Courier;
let deliveries: DeliveryTracker;

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet);
  courier = stack.courier();
  deliveries = new DeliveryTracker(courier);
  courier.start();
});

afterAll(async () => {
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

const credit = (usd: string) => parseEther(usd);
const usdc = (amount: string) => parseUnits(amount, 6);
const ONE = 10n ** 18n;
const BPS = 10_000n;
/** The devnet's assets as the vault lists them (ballast.ts). */
const ASSETS = {
  weth: { decimals: 18n, thresholdBps: 8_500n, bonusBps: 500n },
  wbtc: { decimals: 8n, thresholdBps: 7_500n, bonusBps: 1_000n },
} as const;

/** Collateral a `SEIZE` with the bonus pays for `repaid` credit in one asset at `usd` a token (VaultLogic._payIn, rounded down). */
function seized(repaid: bigint, asset: CollateralAsset, usd: bigint): bigint {
  const { decimals, bonusBps } = ASSETS[asset];
  return ((repaid * (BPS + bonusBps)) / BPS) * 10n ** decimals / (usd * ONE);
}

/** Home health (1e18 = 1): Σ value × threshold ÷ exported, each step rounded down as VaultLogic does. */
function health(collateral: Record<CollateralAsset, bigint>, prices: Record<CollateralAsset, bigint>, exported: bigint): bigint {
  let weighted = 0n;
  for (const asset of ['weth', 'wbtc'] as const) {
    const value = (collateral[asset] * prices[asset] * ONE) / 10n ** ASSETS[asset].decimals;
    weighted += (value * ASSETS[asset].thresholdBps) / BPS;
  }
  return (weighted * ONE) / exported;
}

type RemoteBook = LineState & { exported: bigint; usdc: { account: bigint; liquidator: bigint } };
/** Everything a liquidation may move, for one account and its liquidator; wallets are token balances. */
type Book = {
  epoch: number;
  totalExported: bigint;
  collateral: Record<CollateralAsset, bigint>;
  wallet: Record<CollateralAsset, bigint>;
  liquidatorWallet: Record<CollateralAsset, bigint>;
  remotes: RemoteBook[];
};

async function readBook(account: BallastUser, liquidator: BallastUser): Promise<Book> {
  const { home } = account;
  const remotes = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  const token = (asset: CollateralAsset) => account.contract(home.eid, BALLAST_CONTRACTS[asset]);
  const wallet = async (user: BallastUser) => ({ weth: await user.balanceOf(home.eid, token('weth')), wbtc: await user.balanceOf(home.eid, token('wbtc')) });
  const epochs = await account.epochs();
  return {
    epoch: epochs[home.eid] as number,
    totalExported: await account.totalExported(),
    collateral: { weth: await account.collateralOf('weth'), wbtc: await account.collateralOf('wbtc') },
    wallet: await wallet(account),
    liquidatorWallet: await wallet(liquidator),
    remotes: await Promise.all(
      remotes.map(async (remote) => {
        const stable = account.contract(remote.eid, BALLAST_CONTRACTS.usdc);
        const line = await account.line(remote.eid);
        expect(line.epoch, `${remote.name}: lineOf().epoch and epochs() agree`).toBe(epochs[remote.eid]);
        return {
          exported: (await account.position(remote.eid)).exported,
          ...line,
          usdc: { account: await account.balanceOf(remote.eid, stable), liquidator: await liquidator.balanceOf(remote.eid, stable) },
        };
      }),
    ),
  };
}

/** The `SeizeApplied` of a delivered `SEIZE`, from its `lzReceive` transaction on home. */
async function seizeApplied(user: BallastUser, record: DeliveryRecord | undefined) {
  if (!record?.dstTxHash) throw new Error('SEIZE delivered without a transaction of this courier');
  const receipt = await user.connection(user.home.eid).publicClient.getTransactionReceipt({ hash: record.dstTxHash });
  const [event] = parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: 'SeizeApplied' });
  if (!event) throw new Error(`no SeizeApplied in ${record.dstTxHash}`);
  return event.args;
}

test('two assets, two remotes: crash → recall → flag → liquidate on both remotes → seize on home', async () => {
  const [home, remote1, remote2] = stack.devnet.deployments.chains;
  if (!home || !remote1 || !remote2) throw new Error('devnet needs three chains');
  const alice = new BallastUser(stack.devnet.deployments, devnetKeys.users[1]);
  const liquidator = new BallastUser(stack.devnet.deployments, devnetKeys.users[2]);
  // A stranger to alice: recalls her credit, returns it home and flags her.
  const keeper = new BallastUser(stack.devnet.deployments, devnetKeys.users[3]);
  const prices = { weth: 2_000n, wbtc: 60_000n };
  await keeper.setPrice('weth', prices.weth);
  await keeper.setPrice('wbtc', prices.wbtc);

  // The book moves one hop at a time: each hop states what it changed, and everything else must stay.
  const book: Book = {
    epoch: 0,
    totalExported: 0n,
    collateral: { weth: 0n, wbtc: 0n },
    wallet: { weth: 0n, wbtc: 0n },
    liquidatorWallet: { weth: 0n, wbtc: 0n },
    remotes: [remote1, remote2].map(() => ({ exported: 0n, line: 0n, drawn: 0n, parked: 0n, repayable: 0n, epoch: 0, usdc: { account: 0n, liquidator: 0n } })),
  };
  const [r1, r2] = book.remotes as [RemoteBook, RemoteBook];
  const hop = async (change: () => void) => {
    change();
    expect(await readBook(alice, liquidator)).toEqual(book);
  };
  await hop(() => {});

  // Deposit 10 WETH ($20,000) and 0.1 WBTC ($6,000): power 16,000 + 4,200.
  await alice.deposit('weth', parseEther('10'));
  await alice.deposit('wbtc', parseUnits('0.1', 8));
  await hop(() => {
    book.collateral = { weth: parseEther('10'), wbtc: parseUnits('0.1', 8) };
  });

  // Export 10,000 to each remote: debited on home at once, credited when each GRANT lands.
  const grants = [await alice.exportCredit(remote1.eid, credit('10000')), await alice.exportCredit(remote2.eid, credit('10000'))];
  await hop(() => {
    book.totalExported = credit('20000');
    r1.exported = r2.exported = credit('10000');
  });
  await deliveries.waitFor(grants, 30_000);
  await hop(() => {
    r1.line = r2.line = credit('10000');
  });

  // Heartbeats open draws; borrow 9,000 USDC on remote 1 and 8,000 on remote 2.
  await deliveries.waitFor([await alice.sendHeartbeat(remote1.eid), await alice.sendHeartbeat(remote2.eid)], 30_000);
  await alice.borrow(remote1.eid, usdc('9000'));
  await alice.borrow(remote2.eid, usdc('8000'));
  await hop(() => {
    r1.drawn = credit('9000');
    r2.drawn = credit('8000');
    r1.usdc.account = usdc('9000');
    r2.usdc.account = usdc('8000');
  });
  expect(await alice.liquidationHealth()).toBe(health(book.collateral, prices, credit('20000'))); // 21,500 / 20,000

  // WETH crashes to $1,200: health 14,700 / 20,000, under the recall health of 1.1 and under 1.
  prices.weth = 1_200n;
  await keeper.setPrice('weth', prices.weth);
  expect(await alice.liquidationHealth()).toBe((credit('14700') * ONE) / credit('20000'));
  expect(await alice.liquidationHealth()).toBeLessThan(LIQUIDATION_CONFIG.recallHealth);
  await hop(() => {});

  // A stranger recalls everything on both remotes: only the undrawn credit comes off each line, parked to go home.
  const recalls = [await keeper.recall(alice.address, remote1.eid, credit('10000')), await keeper.recall(alice.address, remote2.eid, credit('10000'))];
  await hop(() => {});
  await deliveries.waitFor(recalls, 30_000);
  await hop(() => {
    r1.line = credit('9000');
    r2.line = credit('8000');
    r1.parked = credit('1000');
    r2.parked = credit('2000');
  });

  // A keeper returns the parked credit: off the remote at once, off home's exports when the RELEASE lands.
  const releases = [await keeper.returnParked(remote1.eid, alice.address), await keeper.returnParked(remote2.eid, alice.address)];
  await hop(() => {
    r1.parked = r2.parked = 0n;
  });
  await deliveries.waitFor(releases, 30_000);
  await hop(() => {
    r1.exported = credit('9000');
    r2.exported = credit('8000');
    book.totalExported = credit('17000');
  });
  // Still under 1 against what is drawn: 14,700 / 17,000.
  expect(await alice.liquidationHealth()).toBe((credit('14700') * ONE) / credit('17000'));

  // Flag: epoch 1 on home at once, on each remote when its LIQUIDATABLE lands; half of what is drawn is repayable.
  const notices = await keeper.flag(alice.address);
  expect(notices).toHaveLength(2);
  await hop(() => {
    book.epoch = 1;
  });
  await deliveries.waitFor(notices, 30_000);
  await hop(() => {
    r1.epoch = r2.epoch = 1;
    r1.repayable = (credit('9000') * BigInt(LIQUIDATION_CONFIG.closeFactorBps)) / BPS;
    r2.repayable = (credit('8000') * BigInt(LIQUIDATION_CONFIG.closeFactorBps)) / BPS;
  });
  expect(await alice.epochs()).toEqual({ [home.eid]: 1, [remote1.eid]: 1, [remote2.eid]: 1 });

  // The liquidator holds 5,000 USDC on each remote.
  await liquidator.mint(remote1.eid, liquidator.contract(remote1.eid, BALLAST_CONTRACTS.usdc), usdc('5000'));
  await liquidator.mint(remote2.eid, liquidator.contract(remote2.eid, BALLAST_CONTRACTS.usdc), usdc('5000'));
  await hop(() => {
    r1.usdc.liquidator = r2.usdc.liquidator = usdc('5000');
  });

  // Remote 1: repay the whole 4,500 repayable, paid in WETH. The line shrinks at once; home learns at the SEIZE.
  const seize1 = await liquidator.liquidate(remote1.eid, alice.address, usdc('4500'), 'weth');
  await hop(() => {
    r1.line = r1.drawn = credit('4500');
    r1.repayable = 0n;
    r1.usdc.liquidator = usdc('500');
  });
  // Health before the repaid credit leaves is 14,700 / 17,000 < 1 at epoch 1: with the 5% bonus,
  // 4,500 × 1.05 = 4,725 USD = 3.9375 WETH at $1,200.
  const wethPaid = seized(credit('4500'), 'weth', prices.weth);
  expect(wethPaid).toBe(parseEther('3.9375'));
  const [seize1Record] = await deliveries.waitFor([seize1], 30_000);
  expect(await seizeApplied(alice, seize1Record)).toMatchObject({ srcEid: remote1.eid, liquidator: liquidator.address, repaid: credit('4500'), epoch: 1n, withBonus: true, unpaid: 0n });
  await hop(() => {
    r1.exported = credit('4500');
    book.totalExported = credit('12500');
    book.collateral.weth -= wethPaid;
    book.liquidatorWallet.weth = wethPaid;
  });
  // Still under 1: (6.0625 × 1,200 × 85% + 4,500) / 12,500.
  const healthAfterFirst = health(book.collateral, prices, credit('12500'));
  expect(healthAfterFirst).toBeLessThan(ONE);
  expect(await alice.liquidationHealth()).toBe(healthAfterFirst);

  // Remote 2: repay the whole 4,000 repayable, paid in WBTC: 4,000 × 1.10 = 4,400 USD = 0.07333333 WBTC at $60,000.
  const seize2 = await liquidator.liquidate(remote2.eid, alice.address, usdc('4000'), 'wbtc');
  await hop(() => {
    r2.line = r2.drawn = credit('4000');
    r2.repayable = 0n;
    r2.usdc.liquidator = usdc('1000');
  });
  const wbtcPaid = seized(credit('4000'), 'wbtc', prices.wbtc);
  expect(wbtcPaid).toBe(7_333_333n);
  const [seize2Record] = await deliveries.waitFor([seize2], 30_000);
  expect(await seizeApplied(alice, seize2Record)).toMatchObject({ srcEid: remote2.eid, liquidator: liquidator.address, repaid: credit('4000'), epoch: 1n, withBonus: true, unpaid: 0n });
  await hop(() => {
    r2.exported = credit('4000');
    book.totalExported = credit('8500');
    book.collateral.wbtc -= wbtcPaid;
    book.liquidatorWallet.wbtc = wbtcPaid;
  });

  // Still flagged (nobody cleared her) and still under 1: no export, no withdrawal.
  expect(await alice.liquidationHealth()).toBe(health(book.collateral, prices, credit('8500')));
  expect(await alice.liquidationHealth()).toBeLessThan(ONE);
  expect(await alice.epochs()).toEqual({ [home.eid]: 1, [remote1.eid]: 1, [remote2.eid]: 1 });
  await expect(alice.exportCredit(remote1.eid, credit('1'))).rejects.toThrow(/Vault_AccountFlagged/);
  await expect(alice.withdraw('weth', 1n)).rejects.toThrow(/Vault_AccountFlagged/);
  await hop(() => {});
  // Backing: the vault holds exactly the collateral left.
  const vault = alice.contract(home.eid, BALLAST_CONTRACTS.vault);
  for (const asset of ['weth', 'wbtc'] as const) {
    const held = await alice.connection(home.eid).publicClient.readContract({ address: alice.contract(home.eid, BALLAST_CONTRACTS[asset]), abi: testTokenAbi, functionName: 'balanceOf', args: [vault] });
    expect(held, asset).toBe(book.collateral[asset]);
  }
  expect(await courier.failures()).toEqual([]);
});

test('a healthy account cannot be flagged, recalled by a stranger or liquidated; nothing moves', async () => {
  const [, remote1] = stack.devnet.deployments.chains;
  if (!remote1) throw new Error('devnet needs a remote');
  const bob = new BallastUser(stack.devnet.deployments, devnetKeys.users[4]);
  const liquidator = new BallastUser(stack.devnet.deployments, devnetKeys.users[2]);
  const keeper = new BallastUser(stack.devnet.deployments, devnetKeys.users[3]);
  // Whatever an earlier test left on the shared feeds: back to the devnet's prices.
  await keeper.setPrice('weth', 2_000n);
  await keeper.setPrice('wbtc', 60_000n);

  // 1 WETH ($2,000), 1,000 exported to remote 1, 500 USDC borrowed: health 1,700 / 1,000.
  await bob.deposit('weth', parseEther('1'));
  await deliveries.waitFor([await bob.exportCredit(remote1.eid, credit('1000'))], 30_000);
  await deliveries.waitFor([await bob.sendHeartbeat(remote1.eid)], 30_000);
  await bob.borrow(remote1.eid, usdc('500'));
  expect(await bob.liquidationHealth()).toBe(health({ weth: parseEther('1'), wbtc: 0n }, { weth: 2_000n, wbtc: 60_000n }, credit('1000')));
  expect(await bob.liquidationHealth()).toBe(17n * 10n ** 17n);
  // The liquidator comes with the USDC, so a refused liquidation has nothing to mint.
  await liquidator.mint(remote1.eid, liquidator.contract(remote1.eid, BALLAST_CONTRACTS.usdc), usdc('250'));
  const before = await readBook(bob, liquidator);
  expect(before.remotes[0]).toMatchObject({ exported: credit('1000'), line: credit('1000'), drawn: credit('500'), parked: 0n, repayable: 0n, epoch: 0 });

  await expect(keeper.flag(bob.address)).rejects.toThrow(/Vault_AccountHealthy/);
  await expect(keeper.recall(bob.address, remote1.eid, credit('500'))).rejects.toThrow(/Vault_RecallNotAllowed/);
  await expect(liquidator.liquidate(remote1.eid, bob.address, usdc('250'), 'weth')).rejects.toThrow(/Mirror_NotFlagged/);

  expect(await readBook(bob, liquidator)).toEqual(before);
  expect(Object.values(await bob.epochs())).toEqual([0, 0, 0]);
  expect(await courier.failures()).toEqual([]);
});

