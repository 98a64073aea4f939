// Checksummed addresses for the relayer's per-account hot paths (the reconcile store's reads, the keeper's
// scoring). viem's `getAddress` caches in an 8,192-entry LRU that reorders a Map on every hit; with 100k
// accounts every lookup misses or churns that Map, which costs more than the keccak it saves. This cache is
// a plain Map, emptied whenever it reaches its size (an address is then checksummed once more).
import { type Address, getAddress } from 'viem';

const CAPACITY = 1 << 18;
const checksummedAddresses = new Map<string, Address>();

/** `getAddress(address)`: the EIP-55 checksummed form; throws viem's InvalidAddressError for a malformed address. */
export function checksummed(address: string): Address {
  let value = checksummedAddresses.get(address);
  if (value === undefined) {
    value = getAddress(address);
    if (checksummedAddresses.size >= CAPACITY) checksummedAddresses.clear();
    checksummedAddresses.set(address, value);
  }
  return value;
}
