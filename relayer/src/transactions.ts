// Sends one key's transactions on one chain. Nonces are assigned in order under a lock so concurrent
// jobs never collide, and every sent transaction is tracked until it is mined: one that has waited
// `receiptTimeoutMs` without a receipt (dropped by the node, or priced out) is replaced — the same nonce,
// fees raised — so a gap never stalls the later nonces queued behind it. Several relayer processes use
// several keys (one each), never one key twice.
import { BallastError } from '@ballast/protocol';
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  type Hash,
  type Hex,
  InsufficientFundsError as NodeInsufficientFundsError,
  NonceTooLowError,
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

/** The key cannot pay for a transaction (gas × fee + value). Retried once funded, without spending attempts. */
export class InsufficientFundsError extends BallastError {
  override name = 'InsufficientFundsError';
  readonly address: Address;
  readonly chainId: number;
  constructor(address: Address, chainId: number, cause?: unknown) {
    super(`Key ${address} has too little native balance on chain ${chainId} to pay for a transaction.`, {
      details: `Send native tokens to ${address} on chain ${chainId}; jobs waiting for it retry without using up their attempts.`,
      docsPath: 'OPERATIONS.md#funds',
      cause,
      meta: { address, chainId },
    });
    this.address = address;
    this.chainId = chainId;
  }
}

/** Another transaction took a nonce this sender was waiting on (a second process with the same key?). Retried. */
export class NonceTakenError extends BallastError {
  override name = 'NonceTakenError';
}

/** Whether `error` (or a cause of it) says the sender lacks native funds. */
export function isInsufficientFunds(error: unknown): boolean {
  if (error instanceof InsufficientFundsError) return true;
  if (error instanceof BaseError && error.walk((cause) => cause instanceof NodeInsufficientFundsError || cause instanceof InsufficientFundsError)) return true;
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (/insufficient funds/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Whether `error` means `address` cannot pay: "insufficient funds", or a gas estimate the node capped by the
 * balance ("gas required exceeds allowance: N" with N under the block gas limit; geth and anvil say it so when
 * the balance buys less gas than the call needs). Reads the latest block for the second case.
 */
export async function isUnderfunded(error: unknown, client: PublicClient<Transport, Chain>): Promise<boolean> {
  if (isInsufficientFunds(error)) return true;
  const allowance = gasAllowance(error);
  if (allowance === undefined) return false;
  const block = await client.getBlock({ blockTag: 'latest' }).catch(() => undefined);
  return block !== undefined && allowance < block.gasLimit;
}

/** N of a "gas required exceeds allowance: N" message in `error` or its causes. */
function gasAllowance(error: unknown): bigint | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    const match = /gas required exceeds allowance:?\s*\(?(\d+)\)?/i.exec(current.message);
    if (match?.[1]) return BigInt(match[1]);
    current = current.cause;
  }
  return undefined;
}

export type TransactionSenderOptions = {
  /** How long a sent transaction may go without a receipt before it is replaced. @defaultValue 60_000 */
  receiptTimeoutMs?: number;
  /** How much a replacement raises the fees, percent (nodes want at least 10). @defaultValue 25 */
  feeBumpPercent?: number;
  /** Receipt polling interval (each look is one getTransactionReceipt per hash sent for the nonce). @defaultValue 20 */
  pollingIntervalMs?: number;
};

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

/** A transaction this sender has sent and not yet seen mined. */
type PendingTransaction = {
  nonce: number;
  request: TransactionRequest;
  fees: Fees;
  /** Every hash sent for this nonce (the first, then each replacement): any of them may be the one mined. */
  hashes: Hash[];
  firstSentAt: number;
  lastSentAt: number;
};

export type PendingTransactionsState = {
  address: Address;
  chainId: number;
  count: number;
  /** Age of the oldest pending transaction (since its first send), 0 when none. */
  oldestAgeMs: number;
  /** Replacements sent so far (same nonce, higher fees). */
  replacements: number;
};

export class TransactionSender {
  readonly account: Account;
  readonly #publicClient: PublicClient<Transport, Chain>;
  readonly #wallet: WalletClient<Transport, Chain, Account>;
  readonly #receiptTimeoutMs: number;
  readonly #feeBumpPercent: bigint;
  readonly #pollingIntervalMs: number;
  readonly #pending = new Map<number, PendingTransaction>();
  #nonce: number | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  #replacements = 0;

  constructor(publicClient: PublicClient<Transport, Chain>, transport: Transport, key: Hex, { receiptTimeoutMs = 60_000, feeBumpPercent = 25, pollingIntervalMs = 20 }: TransactionSenderOptions = {}) {
    this.account = privateKeyToAccount(key);
    this.#publicClient = publicClient;
    this.#wallet = createWalletClient({ chain: publicClient.chain, account: this.account, transport });
    this.#receiptTimeoutMs = receiptTimeoutMs;
    this.#feeBumpPercent = BigInt(Math.max(10, feeBumpPercent));
    this.#pollingIntervalMs = pollingIntervalMs;
  }

  /** Transactions sent and not yet mined, and the age of the oldest: for metrics and `/healthz`. */
  pendingState(now = Date.now()): PendingTransactionsState {
    const oldest = Math.min(...[...this.#pending.values()].map((pending) => pending.firstSentAt));
    return {
      address: this.account.address,
      chainId: this.#wallet.chain.id,
      count: this.#pending.size,
      oldestAgeMs: this.#pending.size === 0 ? 0 : now - oldest,
      replacements: this.#replacements,
    };
  }

  /** Submits a transaction with the next nonce; resolves with its hash once the node accepted it. Tracked until mined (`receipt`). */
  async submit(request: TransactionRequest): Promise<Hash> {
    const run = this.#lock.then(async () => {
      if (this.#nonce === undefined) {
        // After a failed submission: the chain's count, skipping nonces still tracked here (a dropped one is replaced, not reused).
        let nonce = await this.#publicClient.getTransactionCount({ address: this.account.address, blockTag: 'pending' });
        while (this.#pending.has(nonce)) nonce += 1;
        this.#nonce = nonce;
      }
      const nonce = this.#nonce;
      try {
        const fees = await this.#fees();
        const hash = await this.#send(request, nonce, fees);
        this.#nonce = nonce + 1;
        const now = Date.now();
        this.#pending.set(nonce, { nonce, request, fees, hashes: [hash], firstSentAt: now, lastSentAt: now });
        return hash;
      } catch (error) {
        this.#nonce = undefined;
        throw error;
      }
    });
    this.#lock = run.catch(() => {});
    return run;
  }

  /**
   * Waits until the transaction `hash` (sent by `submit`) or a replacement of it is mined. One that waits
   * `receiptTimeoutMs` is replaced with the same nonce and raised fees, as often as needed.
   */
  async receipt(hash: Hash): Promise<TransactionReceipt> {
    const pending = [...this.#pending.values()].find((candidate) => candidate.hashes.includes(hash));
    if (!pending) return this.#publicClient.waitForTransactionReceipt({ hash, pollingInterval: this.#pollingIntervalMs });
    try {
      for (;;) {
        const receipt = await this.#minedReceipt(pending.hashes);
        if (receipt) return receipt;
        if (Date.now() - pending.lastSentAt >= this.#receiptTimeoutMs) await this.#heal(pending);
        else await new Promise((resolve) => setTimeout(resolve, this.#pollingIntervalMs));
      }
    } finally {
      this.#pending.delete(pending.nonce);
    }
  }

  /** Submits and waits for the receipt (replacing a stuck transaction); throws `TransactionRevertedError` if it reverted. */
  async send(request: TransactionRequest, what: string): Promise<TransactionReceipt> {
    const hash = await this.submit(request);
    const receipt = await this.receipt(hash);
    if (receipt.status !== 'success') {
      throw new TransactionRevertedError(`${what} reverted on chain ${this.#wallet.chain.id} (tx ${receipt.transactionHash}).`, { meta: { hash: receipt.transactionHash } });
    }
    return receipt;
  }

  /** The receipt of whichever of `hashes` is mined, if any (a failed read counts as not yet: the next poll asks again). */
  async #minedReceipt(hashes: Hash[]): Promise<TransactionReceipt | undefined> {
    const receipts = await Promise.all(hashes.map((hash) => this.#publicClient.getTransactionReceipt({ hash }).catch(() => undefined)));
    return receipts.find((receipt) => receipt !== undefined);
  }

  /**
   * A transaction went `receiptTimeoutMs` without a receipt. If its nonce is still open on the chain (the
   * node dropped it, or it is priced out), sends it again with the same nonce and raised fees; if the nonce
   * was used by a transaction that is not ours, gives up on it with `NonceTakenError`.
   */
  async #heal(pending: PendingTransaction): Promise<void> {
    const mined = await this.#publicClient.getTransactionCount({ address: this.account.address, blockTag: 'latest' });
    if (mined > pending.nonce) {
      // Mined meanwhile, by one of ours (found on the next look) or by someone else.
      if (await this.#minedReceipt(pending.hashes)) return;
      throw new NonceTakenError(`Nonce ${pending.nonce} of ${this.account.address} on chain ${this.#wallet.chain.id} was used by a transaction this relayer did not send.`, {
        details: 'Each relayer process needs a key of its own; the job is retried with a fresh nonce.',
        docsPath: 'OPERATIONS.md#keys',
      });
    }
    const current = await this.#fees();
    const fees = bump(pending.fees, current, this.#feeBumpPercent);
    try {
      const hash = await this.#send(pending.request, pending.nonce, fees);
      pending.hashes.push(hash);
      pending.fees = fees;
      this.#replacements += 1;
    } catch (error) {
      // Mined while we were replacing it: the next look finds the receipt.
      if (error instanceof BaseError && error.walk((cause) => cause instanceof NonceTooLowError)) return;
      throw error;
    } finally {
      pending.lastSentAt = Date.now();
    }
  }

  async #send(request: TransactionRequest, nonce: number, fees: Fees): Promise<Hash> {
    try {
      return await this.#wallet.sendTransaction({ ...request, ...fees, nonce, account: this.account, chain: this.#wallet.chain } as never);
    } catch (error) {
      if (await isUnderfunded(error, this.#publicClient)) throw new InsufficientFundsError(this.account.address, this.#wallet.chain.id, error);
      throw error;
    }
  }

  async #fees(): Promise<Fees> {
    try {
      const { maxFeePerGas, maxPriorityFeePerGas } = await this.#publicClient.estimateFeesPerGas();
      return { maxFeePerGas, maxPriorityFeePerGas };
    } catch {
      return { gasPrice: await this.#publicClient.getGasPrice() };
    }
  }
}

/** Fees for a replacement: each at least `percent` above the previous one, and never below what the chain asks now. */
function bump(previous: Fees, current: Fees, percent: bigint): Fees {
  const raise = (value: bigint) => (value * (100n + percent) + 99n) / 100n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  if ('gasPrice' in previous) return { gasPrice: max(raise(previous.gasPrice), 'gasPrice' in current ? current.gasPrice : current.maxFeePerGas) };
  const now = 'gasPrice' in current ? { maxFeePerGas: current.gasPrice, maxPriorityFeePerGas: current.gasPrice } : current;
  return { maxFeePerGas: max(raise(previous.maxFeePerGas), now.maxFeePerGas), maxPriorityFeePerGas: max(raise(previous.maxPriorityFeePerGas), now.maxPriorityFeePerGas) };
}
