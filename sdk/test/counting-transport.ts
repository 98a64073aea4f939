// A transport that counts the JSON-RPC requests it sends, per method, over viem's http transport: the
// SDK's tests measure round trips with it (one request is one round trip: batching is off).
import type { Deployments } from '@ballast/protocol/core';
import { type Account, type Transport, custom, http } from 'viem';
import { type BallastClient, createBallastClient } from '../src/createBallastClient.ts';

export type RequestCounter = { total: number; byMethod: Map<string, number>; reset: () => void };

/** An http transport to `url` and the counter of the requests it sends. */
export function countingTransport(url: string): { transport: Transport; counter: RequestCounter } {
  const counter: RequestCounter = {
    total: 0,
    byMethod: new Map(),
    reset() {
      counter.total = 0;
      counter.byMethod.clear();
    },
  };
  const inner = http(url)({});
  const transport = custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      counter.total += 1;
      counter.byMethod.set(method, (counter.byMethod.get(method) ?? 0) + 1);
      return inner.request({ method, params } as Parameters<typeof inner.request>[0]);
    },
  });
  return { transport, counter };
}

/** A Ballast client over `deployments` (as `account`, if given) whose every chain counts its requests, and the counters by eid. */
export function countingClient(deployments: Deployments, account?: Account): { client: BallastClient; counters: Map<number, RequestCounter> } {
  const counters = new Map<number, RequestCounter>();
  const transports: Record<number, Transport> = {};
  for (const chain of deployments.chains) {
    const { transport, counter } = countingTransport(chain.rpcUrl);
    transports[chain.eid] = transport;
    counters.set(chain.eid, counter);
  }
  return { client: createBallastClient({ deployments, transports, account, pollingInterval: 20 }), counters };
}
