// Sends a chain's set-up transactions one after another from one key and fails loudly, naming the
// step, when one reverts. Only the devnet uses it; applications deploy with forge scripts later.
import { BallastError } from '@ballast/protocol';
import { type Abi, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type TransactionReceipt, getAddress } from 'viem';
import { type DevnetChainParameters, type DevnetClients, devnetClients, simulateAndWrite } from './clients.ts';

export class DeployError extends BallastError {
  override name = 'DeployError';
}

export class ChainDeployer {
  readonly account: DevnetClients['account'];
  readonly publicClient: DevnetClients['publicClient'];
  readonly walletClient: DevnetClients['walletClient'];

  constructor(chain: DevnetChainParameters, key: Hex) {
    const clients = devnetClients(chain, key);
    this.account = clients.account;
    this.publicClient = clients.publicClient;
    this.walletClient = clients.walletClient;
  }

  async deploy(step: string, bytecode: Hex, abi: Abi, args: readonly unknown[] = []): Promise<Address> {
    const hash = await this.walletClient.deployContract({ abi, bytecode, args, account: this.account, chain: this.walletClient.chain });
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new DeployError(`Devnet set-up step "${step}" reverted on chain ${this.walletClient.chain.id}.`, { meta: { hash } });
    }
    // Checksummed, as the deployments file stores it and as viem returns addresses read from contracts.
    return getAddress(receipt.contractAddress);
  }

  async write<const abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    step: string,
    address: Address,
    abi: abi,
    functionName: functionName,
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
  ): Promise<void> {
    let receipt: TransactionReceipt;
    try {
      receipt = await simulateAndWrite(this, { address, abi, functionName, args });
    } catch (cause) {
      throw new DeployError(`Devnet set-up step "${step}" failed on chain ${this.walletClient.chain.id}.`, { cause });
    }
    if (receipt.status !== 'success') {
      throw new DeployError(`Devnet set-up step "${step}" reverted on chain ${this.walletClient.chain.id}.`, { meta: { hash: receipt.transactionHash } });
    }
  }
}
