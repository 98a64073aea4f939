// Helpers for this package's vitest suites and vector scripts only (not exported from the package).
import type { Hex } from 'viem';

/** The error `fn` throws (fails the test if it returns), for asserting on its class and fields. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** One case of contracts/test/vectors/packet-v1.json, written by scripts/packet-vectors.ts. */
export type PacketVector = {
  name: string;
  /** Decimal string: the JSON carries no bigint. */
  nonce: string;
  srcEid: number;
  sender: Hex;
  dstEid: number;
  receiver: Hex;
  message: Hex;
  encoded: Hex;
  guid: Hex;
  header: Hex;
  payloadHash: Hex;
};
