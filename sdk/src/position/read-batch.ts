// Many typed reads in as few round trips as possible: every call is encoded against its generated ABI,
// sent to the chain's Multicall3 as `aggregate3` eth_calls (each call allowed to fail on its own), and
// decoded back to its typed result. viem's `multicall` would do the same but splits calldata over 1 kB
// into several calls and types a list of mixed calls only as a literal tuple; here a position read stays
// one round trip whatever its size, and a read of many accounts is cut only where the caller says.
import { type Abi, type Address, type BlockNumber, type ContractFunctionArgs, type ContractFunctionName, type ContractFunctionReturnType, type Hex, decodeFunctionResult, encodeFunctionData, multicall3Abi } from 'viem';
import { type BallastChainConnection, CANONICAL_MULTICALL3 } from '../client.ts';
import { DeploymentReadError } from '../errors/client.ts';
import { type BallastContractError, decodeBallastError } from '../errors/contract.ts';

/** A read's outcome: its typed value, or the revert (decoded when a Ballast contract raised it). */
export type ReadResult<value> = { ok: true; value: value } | { ok: false; error: BallastContractError | undefined; data: Hex };

type Call = { target: Address; callData: Hex; chain: string; decode: (data: Hex) => unknown; result?: ReadResult<unknown> };

/** A read queued in a `ReadBatch`; its result is there once the batch ran. */
export class QueuedRead<value> {
  readonly #call: Call;
  constructor(call: Call) {
    this.#call = call;
  }
  get result(): ReadResult<value> {
    const { result } = this.#call;
    if (!result) throw new RangeError('QueuedRead.result read before its batch ran (a bug in the SDK)');
    return result as ReadResult<value>;
  }
  /** The value, or `undefined` when the call reverted. */
  get value(): value | undefined {
    const result = this.result;
    return result.ok ? result.value : undefined;
  }
  /**
   * The value of a read that cannot fail on a working deployment (a plain view of ours, named `what` in the
   * error); throws the decoded revert, or `DeploymentReadError` when the revert is not a Ballast error.
   */
  required(what: string): value {
    const result = this.result;
    if (result.ok) return result.value;
    throw result.error ?? new DeploymentReadError(`${what} (revert data ${result.data})`, this.#call.chain);
  }
}

/** How a batch is sent. */
export type ReadBatchRunOptions = {
  /** The block every read is made at. @defaultValue the chain's latest block */
  blockNumber?: BlockNumber | undefined;
  /** Most reads per `eth_call`; more go out as several calls at once. @defaultValue every read in one call */
  readsPerCall?: number | undefined;
};

/** Typed reads on one chain, sent together through its Multicall3 (`aggregate3`). */
export class ReadBatch {
  readonly #calls: Call[] = [];
  readonly #connection: Pick<BallastChainConnection, 'chain' | 'publicClient'>;
  readonly #multicall3: Address;

  /** A batch on `connection`'s chain, through the Multicall3 its viem chain names (else the canonical address). */
  constructor(connection: Pick<BallastChainConnection, 'chain' | 'publicClient'>) {
    this.#connection = connection;
    this.#multicall3 = connection.chain.contracts?.multicall3?.address ?? CANONICAL_MULTICALL3;
  }

  /** Reads queued so far. */
  get size(): number {
    return this.#calls.length;
  }

  /** Queues `abi.functionName(args)` on `address`. */
  read<const abi extends Abi, functionName extends ContractFunctionName<abi, 'view' | 'pure'>, const args extends ContractFunctionArgs<abi, 'view' | 'pure', functionName>>(
    address: Address,
    abi: abi,
    functionName: functionName,
    args: args,
  ): QueuedRead<ContractFunctionReturnType<abi, 'view' | 'pure', functionName, args>> {
    const callData = encodeFunctionData({ abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]);
    const call: Call = {
      target: address,
      callData,
      chain: this.#connection.chain.name,
      decode: (data) => decodeFunctionResult({ abi, functionName, data } as Parameters<typeof decodeFunctionResult>[0]),
    };
    this.#calls.push(call);
    return new QueuedRead(call);
  }

  /** Multicall3's own `getCurrentBlockTimestamp`: the block the batch ran in. */
  blockTimestamp(): QueuedRead<bigint> {
    return this.read(this.#multicall3, multicall3Abi, 'getCurrentBlockTimestamp', []);
  }

  /** Sends every queued read: one `eth_call`, or one per `readsPerCall` reads, all at once. */
  async run({ blockNumber, readsPerCall = Number.POSITIVE_INFINITY }: ReadBatchRunOptions = {}): Promise<void> {
    const pending = this.#calls.filter((call) => !call.result);
    const chunks: Call[][] = [];
    const size = Math.max(1, Math.floor(readsPerCall));
    for (let start = 0; start < pending.length; start += size) chunks.push(pending.slice(start, start + size));
    await Promise.all(chunks.map((chunk) => this.#aggregate(chunk, blockNumber)));
  }

  async #aggregate(calls: Call[], blockNumber: BlockNumber | undefined): Promise<void> {
    const results = await this.#connection.publicClient.readContract({
      address: this.#multicall3,
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [calls.map(({ target, callData }) => ({ target, callData, allowFailure: true }))],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    });
    results.forEach(({ success, returnData }, index) => {
      const call = calls[index] as Call;
      call.result = success && returnData !== '0x' ? { ok: true, value: call.decode(returnData) } : { ok: false, error: decodeBallastError(returnData), data: returnData };
    });
  }
}
