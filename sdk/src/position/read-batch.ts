// One round trip for many typed reads: every call is encoded against its generated ABI, sent to the
// chain's Multicall3 as one `aggregate3` eth_call (each call allowed to fail on its own), and decoded
// back to its typed result. viem's `multicall` would do the same but splits calldata over 1 kB into
// several calls; a position read must stay one round trip whatever its size.
import { type Abi, type Address, type ContractFunctionArgs, type ContractFunctionName, type ContractFunctionReturnType, type Hex, type PublicClient, decodeFunctionResult, encodeFunctionData, multicall3Abi } from 'viem';
import { type BallastContractError, decodeBallastError } from '../errors/contract.ts';

/** A read's outcome: its typed value, or the revert (decoded when a Ballast contract raised it). */
export type ReadResult<value> = { ok: true; value: value } | { ok: false; error: BallastContractError | undefined; data: Hex };

type Call = { target: Address; callData: Hex; decode: (data: Hex) => unknown; result?: ReadResult<unknown> };

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
}

export class ReadBatch {
  readonly #calls: Call[] = [];
  readonly #multicall3: Address;

  constructor(multicall3: Address) {
    this.#multicall3 = multicall3;
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
      decode: (data) => decodeFunctionResult({ abi, functionName, data } as Parameters<typeof decodeFunctionResult>[0]),
    };
    this.#calls.push(call);
    return new QueuedRead(call);
  }

  /** Multicall3's own `getCurrentBlockTimestamp`: the block the batch ran in. */
  blockTimestamp(): QueuedRead<bigint> {
    return this.read(this.#multicall3, multicall3Abi, 'getCurrentBlockTimestamp', []);
  }

  /** Sends every queued read in one `eth_call`. */
  async run(client: PublicClient): Promise<void> {
    if (this.#calls.length === 0) return;
    const results = await client.readContract({
      address: this.#multicall3,
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [this.#calls.map(({ target, callData }) => ({ target, callData, allowFailure: true }))],
    });
    results.forEach(({ success, returnData }, index) => {
      const call = this.#calls[index] as Call;
      call.result = success && returnData !== '0x' ? { ok: true, value: call.decode(returnData) } : { ok: false, error: decodeBallastError(returnData), data: returnData };
    });
  }
}
