// The base Ballast client: one viem client for the home chain that also carries a connection to every
// chain of the deployment (`client.ballast`), and what actions read from it (connections, contract
// addresses, wallets). Actions are pure functions of this client (actions/); `createBallastClient`
// (createBallastClient.ts) binds them all, and a caller who wants a smaller bundle creates the base client
// here (`createBallastBaseClient`) and imports the actions alone.
import { CONTRACT_NAMES, type ChainDeployment, type ContractName, type Deployments, DeploymentsError, contractAddress, homeChain } from '@ballast/protocol/core';
import {
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
  createClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from 'viem';
import { MissingAccountError } from './errors/client.ts';

/** Where Multicall3 lives on every public EVM chain; the devnet installs it there too. */
export const CANONICAL_MULTICALL3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';

/** One chain of the deployment as the SDK reaches it. */
export type BallastChainConnection = {
  deployment: ChainDeployment;
  /** The viem chain: id, RPC URL and Multicall3 (what `multicall` batches through). */
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** A wallet client for the client's account on this chain, absent for a read-only client. */
  walletClient: WalletClient<Transport, Chain, Account> | undefined;
};

/** What every action reads from its client. */
export type BallastContext = {
  deployments: Deployments;
  home: BallastChainConnection;
  /** Every chain (home included) by LayerZero endpoint id. */
  chains: ReadonlyMap<number, BallastChainConnection>;
  /** Remote chains in the order of the deployments file. */
  remotes: readonly BallastChainConnection[];
  account: Account | undefined;
  /**
   * The vault's liquidation price tolerance as last read (governance config): `getPosition` reads liquidation
   * prices with it in the same round trip, and reads again only if it changed and a price was refused.
   */
  cache: { priceTolerance?: number };
  /** Called by every write between broadcast and the receipt wait (`execute` records the hash there, so a resumed plan never sends twice). */
  onSent?: ((sent: { eid: number; action: string; transactionHash: Hash }) => Promise<void> | void) | undefined;
};

/** A client the SDK's actions accept: any viem client carrying a `ballast` context. */
export type BallastBaseClient = Client<Transport, Chain, Account | undefined, undefined, { ballast: BallastContext }>;

export type CreateBallastClientParameters = {
  /** The deployment graph (`parseDeployments` of a deployments file, or `loadDeployments` from `@ballast/sdk/node`). */
  deployments: Deployments;
  /** Transport per chain, by eid or chain name. @defaultValue `http(chain.rpcUrl)` for each chain */
  transports?: Readonly<Record<number | string, Transport>>;
  /** Signs and pays for writes on every chain; reads need none. */
  account?: Account | undefined;
  /** Milliseconds between polls for receipts and messages. @defaultValue 100 */
  pollingInterval?: number;
};

/** The viem chain of one deployment chain, with Multicall3 where the deployment says (else the canonical address). */
export function deploymentChain(deployment: ChainDeployment): Chain {
  return defineChain({
    id: deployment.chainId,
    name: deployment.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [deployment.rpcUrl] } },
    contracts: { multicall3: { address: deployment.contracts.multicall3 ?? CANONICAL_MULTICALL3 } },
  });
}

/**
 * Creates the same client without binding the actions: pass it to the actions you import, and a bundler
 * ships only those (binding all of them through `ballastActions` ships all of them).
 *
 * @example
 * const client = createBallastBaseClient({ deployments });
 * const position = await getPosition(client, { account });
 */
export function createBallastBaseClient(parameters: CreateBallastClientParameters): BallastBaseClient {
  const { deployments, transports = {}, account, pollingInterval = 100 } = parameters;
  const chains = new Map<number, BallastChainConnection>();
  const transportOf = (deployment: ChainDeployment): Transport => transports[deployment.eid] ?? transports[deployment.name] ?? http(deployment.rpcUrl);
  for (const deployment of deployments.chains) {
    const chain = deploymentChain(deployment);
    const transport = transportOf(deployment);
    chains.set(deployment.eid, {
      deployment,
      chain,
      publicClient: createPublicClient({ chain, transport, pollingInterval }),
      walletClient: account ? createWalletClient({ chain, transport, account, pollingInterval }) : undefined,
    });
  }
  const home = chains.get(homeChain(deployments).eid) as BallastChainConnection;
  const context: BallastContext = {
    deployments,
    home,
    chains,
    remotes: deployments.chains.filter((chain) => chain.role === 'remote').map((chain) => chains.get(chain.eid) as BallastChainConnection),
    account,
    cache: {},
  };
  return createClient({ chain: home.chain, transport: transportOf(home.deployment), account, key: 'ballast', name: 'Ballast Client', pollingInterval })
    .extend(() => ({ ballast: context }));
}

/** The connection to chain `eid`; throws `DeploymentsError` listing the chains when there is none. */
export function connectionOf(client: BallastBaseClient, eid: number): BallastChainConnection {
  const connection = client.ballast.chains.get(eid);
  if (!connection) throw new DeploymentsError(`No chain with eid ${eid} in this client's deployments (${[...client.ballast.chains.keys()].join(', ')}). Pass an eid from the deployments file.`);
  return connection;
}

/** The address of contract `name` on chain `eid`. */
export function contractOn(client: BallastBaseClient, eid: number, name: ContractName): Address {
  return contractAddress(connectionOf(client, eid).deployment, name);
}

/** The wallet client of the client's account on chain `eid`; throws `MissingAccountError` for a read-only client. */
export function walletOn(client: BallastBaseClient, eid: number, action: string): WalletClient<Transport, Chain, Account> {
  const wallet = connectionOf(client, eid).walletClient;
  if (!wallet) throw new MissingAccountError(action);
  return wallet;
}

/** Contract names that are not collateral tokens. */
const NOT_COLLATERAL = new Set<string>([
  CONTRACT_NAMES.ping,
  CONTRACT_NAMES.vault,
  CONTRACT_NAMES.oracle,
  CONTRACT_NAMES.vaultLogic,
  CONTRACT_NAMES.vaultRisk,
  CONTRACT_NAMES.multicall3,
  CONTRACT_NAMES.mirror,
  CONTRACT_NAMES.pool,
  CONTRACT_NAMES.usdc,
]);

/**
 * The collateral tokens the deployments file names on `home` (every contract that is neither Ballast's nor a
 * feed): the assets position reads look up in their first round trip when not told which.
 */
export function deployedCollateral(home: BallastChainConnection): Address[] {
  return Object.entries(home.deployment.contracts).flatMap(([name, address]) => (address && !NOT_COLLATERAL.has(name) && !name.endsWith('Feed') ? [address] : []));
}
