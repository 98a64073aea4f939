// The lzReceive gas every Ballast message type is guaranteed on its destination (enforced options,
// set by governance on the vault and the mirrors): no caller can send with less, so no message can
// be made to fail for lack of gas and block its pathway. Measured handler costs are in
// docs/PROTOCOL.md; contracts/test/integration/BallastBase.sol uses the same numbers.
import type { MessageType } from './messages.ts';

export const ENFORCED_LZ_RECEIVE_GAS = {
  grant: 150_000n,
  release: 100_000n,
  usage: 120_000n,
  heartbeat: 100_000n,
  recall: 100_000n,
  liquidatable: 150_000n,
  clear: 100_000n,
  // Worst case: one write-off per consumer (MAX_CONSUMERS = 8), each consumer callback capped at 60k gas.
  badDebt: 1_000_000n,
  // Worst case: a health check and a payment over all eight assets an account may hold.
  seize: 700_000n,
} as const satisfies Record<MessageType, bigint>;
