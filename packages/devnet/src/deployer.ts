// Sends a chain's set-up transactions one after another from one key and fails loudly, naming the
// step, when one reverts. Only the devnet uses it; applications deploy with forge scripts later.
import { BallastError } from '@ballast/protocol';
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export class DeployError extends BallastError {
  override name = 'DeployError';
}

export function devnetChain(chainId: number, rpcUrl: string, name = `ballast-${chainId}`): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export class ChainDeployer {
  readonly account: Account;
  readonly publicClient: PublicClient<Transport, Chain>;
  readonly walletClient: WalletClient<Transport, Chain, Account>;

  constructor(chain: Chain, key: Hex) {
    this.account = privateKeyToAccount(key);
    const transport = http(chain.rpcUrls.default.http[0], { batch: false });
    this.publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
    this.walletClient = createWalletClient({ chain, transport, account: this.account, pollingInterval: 50 });
  }

  async deploy(step: string, bytecode: Hex, abi: Abi, args: readonly unknown[] = []): Promise<Address> {
    const hash = await this.walletClient.deployContract({ abi, bytecode, args, account: this.account, chain: this.walletClient.chain });
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new DeployError(`Devnet set-up step "${step}" reverted on chain ${this.walletClient.chain.id}.`, { meta: { hash } });
    }
    return receipt.contractAddress;
  }

  async write<const abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    step: string,
    address: Address,
    abi: abi,
    functionName: functionName,
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
  ): Promise<void> {
    let hash: Hex;
    try {
      // Simulate first so a revert comes back decoded against the ABI.
      const { request } = await this.publicClient.simulateContract({
        address,
        abi,
        functionName,
        args,
        account: this.account,
      } as never);
      hash = await this.walletClient.writeContract(request as never);
    } catch (cause) {
      throw new DeployError(`Devnet set-up step "${step}" failed on chain ${this.walletClient.chain.id}.`, { cause });
    }
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      throw new DeployError(`Devnet set-up step "${step}" reverted on chain ${this.walletClient.chain.id}.`, { meta: { hash } });
    }
  }
}
