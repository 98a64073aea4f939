// The liquidator's books: a liquidation repaid on a remote is pending until its SEIZE is applied on home;
// then the collateral home paid (`CollateralSeized` in the same transaction as `SeizeApplied`) is valued
// at the liquidation price and PnL = collateral received × price − credit repaid is recorded.
import { collateralVaultAbi } from '@ballast/abi';
import { type Address, getAbiItem, getAddress, parseEventLogs } from 'viem';
import type { ChainConnection } from '../chains.ts';
import type { KeeperLedger, PendingSeize, SettledLiquidation } from './ledger.ts';
import type { PriceBook } from './prices.ts';

const seizeApplied = getAbiItem({ abi: collateralVaultAbi, name: 'SeizeApplied' });

export type SettleLiquidationsParameters = {
  home: ChainConnection;
  vault: Address;
  ledger: KeeperLedger;
  prices: PriceBook;
};

/** Settles every pending liquidation whose SEIZE has been applied on home; returns those this call settled. */
export async function settleLiquidations({ home, vault, ledger, prices }: SettleLiquidationsParameters): Promise<SettledLiquidation[]> {
  const pending = await ledger.pendingSeizes();
  if (pending.length === 0) return [];
  const client = home.publicClient;
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const settled: SettledLiquidation[] = [];
  for (const seize of pending) {
    const logs = await client.getLogs({
      address: vault,
      event: seizeApplied,
      args: { srcEid: seize.srcEid, liquidator: seize.liquidator },
      fromBlock: BigInt(seize.homeFromBlock),
      toBlock: head,
      strict: true,
    });
    const applied = logs.find((log) => log.args.seizeId.toString() === seize.seizeId);
    if (!applied) continue;
    const record = await settlement(seize, applied.transactionHash, applied.args.withBonus, home, prices);
    if (await ledger.settle(record)) settled.push(record);
  }
  return settled;
}

async function settlement(seize: PendingSeize, seizeTxHash: `0x${string}`, withBonus: boolean, home: ChainConnection, prices: PriceBook): Promise<SettledLiquidation> {
  const receipt = await home.publicClient.getTransactionReceipt({ hash: seizeTxHash });
  const payments = parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: 'CollateralSeized' }).filter(
    (event) => getAddress(event.args.liquidator) === getAddress(seize.liquidator) && getAddress(event.args.account) === getAddress(seize.account),
  );
  const received = await Promise.all(
    payments.map(async ({ args }) => {
      const [risk, price] = await Promise.all([prices.risk(args.asset), prices.price(args.asset)]);
      const value = price.ok ? (args.amount * price.price) / 10n ** BigInt(risk.decimals) : 0n;
      return { asset: getAddress(args.asset), amount: args.amount.toString(), value: value.toString() };
    }),
  );
  const receivedValue = received.reduce((sum, payment) => sum + BigInt(payment.value), 0n);
  return {
    ...seize,
    withBonus,
    received,
    receivedValue: receivedValue.toString(),
    pnl: (receivedValue - BigInt(seize.repaid)).toString(),
    settledAt: Date.now(),
    seizeTxHash,
  };
}
