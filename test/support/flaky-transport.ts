// A viem transport that fails a share of calls, for fault suites: half of the failures before the
// request is sent, half after the node answered (the reply is lost), as a flaky RPC provider does.
import { SeededRandom } from '../../packages/protocol/src/risk-random.ts';
import { type EIP1193RequestFn, HttpRequestError, type Transport } from 'viem';

export type FlakyTransportOptions = {
  /** Share of calls that fail, 0..1. */
  failureRate: number;
  seed: bigint;
  /** Counts what happened, for assertions. */
  stats?: { calls: number; failed: number };
};

export function flakyTransport(inner: Transport, { failureRate, seed, stats }: FlakyTransportOptions): Transport {
  const random = new SeededRandom(seed);
  return (parameters) => {
    const transport = inner(parameters);
    const fail = (when: string) => {
      if (stats) stats.failed += 1;
      return new HttpRequestError({ url: 'flaky-transport', status: 503, details: `injected failure (${when})` });
    };
    const request = (async (args, options) => {
      if (stats) stats.calls += 1;
      const roll = random.unit();
      if (roll < failureRate / 2) throw fail('before sending');
      const result = await transport.request(args, options);
      if (roll < failureRate) throw fail('reply lost');
      return result;
    }) as EIP1193RequestFn;
    return { ...transport, request };
  };
}
