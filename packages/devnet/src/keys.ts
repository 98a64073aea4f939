// Well-known keys of the devnet: anvil's default mnemonic, one role per index. Never use on a real
// network. Index 0 deploys and owns; 1 signs as the DVN; 2-4 send the couriers' transactions (each
// courier process its own, so their nonces never collide); 5-9 are users.
import { type Hex, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

export function devnetKey(index: number): Hex {
  const key = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error(`no private key at index ${index}`);
  return toHex(key);
}

export const devnetKeys = {
  deployer: devnetKey(0),
  dvnSigner: devnetKey(1),
  couriers: [devnetKey(2), devnetKey(3), devnetKey(4)],
  users: [devnetKey(5), devnetKey(6), devnetKey(7), devnetKey(8), devnetKey(9)],
} as const;
