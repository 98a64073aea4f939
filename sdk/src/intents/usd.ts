// Credit (USD, 18 decimals) as a person reads it in a plan's sentences and errors: `$1,600.00`.
import { formatEther } from 'viem';

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** `credit` (1e18 = $1) as dollars and cents, for messages only (a double: exact to the cent below $90 trillion). */
export function formatUsd(credit: bigint): string {
  return dollars.format(Number(formatEther(credit)));
}
