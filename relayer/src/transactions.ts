// Sends one key's transactions on one chain. Nonces are assigned in order under a lock so
// concurrent jobs never collide; a failed submission re-reads the nonce from the chain. Several
// relayer processes use several keys (one each), never one key twice.
import { BallastError } from '@ballast/protocol';
import {
  type Account,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  createWalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export type TransactionRequest = { to: Address; data: Hex; value?: bigint; /** Gas limit; estimated when omitted. */ gas?: bigint };

export class TransactionRevertedError extends BallastError {
  override name = 'TransactionRevertedError';
}

export class TransactionSender {
  readonly account: Account;
  readonly #publicClient: PublicClient<Transport, Chain>;
  readonly #wallet: WalletClient<Transport, Chain, Account>;
  #nonce: number | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(publicClient: PublicClient<Transport, Chain>, transport: Transport, key: Hex) {
    this.account = privateKeyToAccount(key);
    this.#publicClient = publicClient;
    this.#wallet = createWalletClient({ chain: publicClient.chain, account: this.account, transport });
  }

  /** Submits a transaction with the next nonce; resolves with its hash once the node accepted it. */
  async submit(request: TransactionRequest): Promise<Hash> {
    const run = this.#lock.then(async () => {
      this.#nonce ??= await this.#publicClient.getTransactionCount({ address: this.account.address, blockTag: 'pending' });
      try {
        const hash = await this.#wallet.sendTransaction({ ...request, nonce: this.#nonce, account: this.account, chain: this.#wallet.chain });
        this.#nonce += 1;
        return hash;
      } catch (error) {
        this.#nonce = undefined;
        throw error;
      }
    });
    this.#lock = run.catch(() => {});
    return run;
  }

  /** Submits and waits for the receipt; throws `TransactionRevertedError` if it reverted. */
  async send(request: TransactionRequest, what: string): Promise<TransactionReceipt> {
    const hash = await this.submit(request);
    const receipt = await this.#publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== 'success') {
      throw new TransactionRevertedError(`${what} reverted on chain ${this.#wallet.chain.id} (tx ${hash}).`, { meta: { hash } });
    }
    return receipt;
  }
}
