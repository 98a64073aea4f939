// viem clients for one devnet chain: the chain definition an anvil RPC needs, and a public and a
// wallet client for one key over one HTTP transport. The devnet's deployer, the suites' users and the
// ping clients all connect through here.
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/** A devnet chain as the deployments file names it (a `ChainDeployment` fits). */
export type DevnetChainParameters = {
  chainId: number;
  rpcUrl: string;
  /** @defaultValue `ballast-<chainId>` */
  name?: string;
};

export type DevnetClientsOptions = {
  /** How often receipts and blocks are polled, in milliseconds. @defaultValue 50 */
  pollingInterval?: number;
};

export type DevnetClients = {
  chain: Chain;
  account: Account;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
};

/** The viem chain of a devnet anvil: its id, a name and its RPC URL, ether as native currency. */
export function devnetChain(chainId: number, rpcUrl: string, name = `ballast-${chainId}`): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * A public client and a wallet client for `key` on one devnet chain.
 *
 * @example
 * const { publicClient, walletClient } = devnetClients(homeChain(deployments), devnetKeys.users[0]);
 */
export function devnetClients(chain: DevnetChainParameters, key: Hex, { pollingInterval = 50 }: DevnetClientsOptions = {}): DevnetClients {
  const viemChain = devnetChain(chain.chainId, chain.rpcUrl, chain.name);
  const account = privateKeyToAccount(key);
  const transport = http(chain.rpcUrl);
  return {
    chain: viemChain,
    account,
    publicClient: createPublicClient({ chain: viemChain, transport, pollingInterval }),
    walletClient: createWalletClient({ chain: viemChain, transport, account, pollingInterval }),
  };
}

/** One contract write: what `simulateAndWrite` sends. */
export type ContractWrite<abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>> = {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
  value?: bigint;
};

/**
 * Simulates a write first (so a revert comes back decoded against the ABI), sends it from the
 * clients' account and waits for its receipt. Throws what the simulation throws; returns the receipt
 * whatever its status, for the caller to judge.
 */
export async function simulateAndWrite<const abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
  { publicClient, walletClient }: Pick<DevnetClients, 'publicClient' | 'walletClient'>,
  call: ContractWrite<abi, functionName>,
): Promise<TransactionReceipt> {
  const { request } = await publicClient.simulateContract({ ...call, account: walletClient.account } as never);
  const hash = await walletClient.writeContract(request as never);
  return publicClient.waitForTransactionReceipt({ hash });
}
