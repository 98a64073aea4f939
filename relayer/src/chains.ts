// One connection per chain of the deployment graph: a public client for reads and logs, and a
// transaction sender for the relayer's key. Built once per process from the deployments file.
import { type ChainDeployment, type Deployments, BallastError } from '@ballast/protocol';
import { type BallastBaseClient, createBallastClient } from '@ballast/sdk';
import { type Chain, type Hex, type PublicClient, type Transport, createPublicClient, defineChain, http } from 'viem';
import { TransactionSender, type TransactionSenderOptions } from './transactions.ts';

export type ChainConnection = {
  deployment: ChainDeployment;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** The transport both use: what the keeper's SDK client reads through too. */
  transport: Transport;
  sender: TransactionSender;
};

export class UnknownChainError extends BallastError {
  override name = 'UnknownChainError';
}

export type ConnectOptions = {
  /** Key that signs the relayer's transactions on every chain. */
  transactorKey: Hex;
  /** RPC timeout per request. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Receipt polling interval. @defaultValue 50 */
  pollingIntervalMs?: number;
  /** How the senders replace stuck transactions (receipt timeout, fee bump). */
  transactions?: TransactionSenderOptions;
};

/** The viem chain of a deployment graph's chain (its id, name and RPC URL; ether as native currency). */
export function viemChain(deployment: ChainDeployment): Chain {
  return defineChain({
    id: deployment.chainId,
    name: deployment.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [deployment.rpcUrl] } },
  });
}

/** A read-only client for one chain (no key): ingest, health probes, `status`. One attempt per request. */
export function chainPublicClient(deployment: ChainDeployment, { timeoutMs = 10_000, pollingIntervalMs = 50 }: Omit<ConnectOptions, 'transactorKey' | 'transactions'> = {}): PublicClient<Transport, Chain> {
  return createPublicClient({ chain: viemChain(deployment), transport: chainTransport(deployment, timeoutMs), pollingInterval: pollingIntervalMs });
}

/** A read-only SDK client over every chain of `deployments`, on the same transports as `chainPublicClient`: what the audit reads positions through. */
export function readOnlySdk(deployments: Deployments, { timeoutMs = 10_000, pollingIntervalMs = 50 }: Omit<ConnectOptions, 'transactorKey' | 'transactions'> = {}): BallastBaseClient {
  return createBallastClient({
    deployments,
    transports: Object.fromEntries(deployments.chains.map((deployment) => [deployment.eid, chainTransport(deployment, timeoutMs)])),
    pollingInterval: pollingIntervalMs,
  });
}

/** The transport of one chain: one attempt per request, and concurrent requests in one tick go out as one JSON-RPC batch. */
function chainTransport(deployment: ChainDeployment, timeoutMs: number): Transport {
  return http(deployment.rpcUrl, { batch: { wait: 0 }, timeout: timeoutMs, retryCount: 0 });
}

export class Chains {
  readonly #byEid = new Map<number, ChainConnection>();

  constructor(deployments: Deployments, { transactorKey, timeoutMs = 10_000, pollingIntervalMs = 50, transactions = {} }: ConnectOptions) {
    for (const deployment of deployments.chains) {
      const chain = viemChain(deployment);
      const transport = chainTransport(deployment, timeoutMs);
      const publicClient = createPublicClient({ chain, transport, pollingInterval: pollingIntervalMs });
      this.#byEid.set(deployment.eid, {
        deployment,
        chain,
        publicClient,
        transport,
        sender: new TransactionSender(publicClient, transport, transactorKey, transactions),
      });
    }
  }

  get(eid: number): ChainConnection {
    const connection = this.#byEid.get(eid);
    if (!connection) throw new UnknownChainError(`Chain with eid ${eid} is not in the deployments file; add it or ignore its packets.`);
    return connection;
  }

  has(eid: number): boolean {
    return this.#byEid.has(eid);
  }

  all(): ChainConnection[] {
    return [...this.#byEid.values()];
  }
}
