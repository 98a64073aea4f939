// Differential test of the risk maths: `RiskMath.sol` (through `RiskHarness` on an anvil chain) against
// `packages/protocol/src/risk.ts`, on seeded random portfolios of 0 to 8 assets and on inputs the
// contract must reject. Every result must agree to the wei and every rejection must be the same custom
// error with the same arguments. Many portfolios go in one `eth_call` (`RiskHarness.evaluate`).
import { riskHarnessAbi } from '@ballast/abi';
import { type Anvil, devnetChain, devnetKeys, forgeBytecode, liveChildren, startAnvil } from '@ballast/devnet';
import { RiskInputError, type StressedValueParameters, baselineDown, sizeAdjustedDown, stressedValueDown } from '@ballast/protocol';
import { type Address, type Hex, type PublicClient, createPublicClient, createWalletClient, decodeErrorResult, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, randomDepth, randomInvalidPortfolio, randomPortfolio, randomValue } from '../../packages/protocol/src/risk-random.ts';

const SEED = 0xba11a57n;
const VALID_CASES = 1200;
const INVALID_CASES = 200;
/** Portfolios per eth_call: far below anvil's call gas cap with 8-asset portfolios. */
const BATCH = 100;

let anvil: Anvil;
let client: PublicClient;
let harness: Address;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31_415 });
  const chain = devnetChain(anvil.chainId, anvil.rpcUrl);
  const account = privateKeyToAccount(devnetKeys.deployer);
  client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
  const wallet = createWalletClient({ chain, transport: http(anvil.rpcUrl), account });
  const hash = await wallet.deployContract({ abi: riskHarnessAbi, bytecode: forgeBytecode('RiskHarness') });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`RiskHarness deployment failed (${hash})`);
  harness = receipt.contractAddress;
});

afterAll(async () => {
  await anvil?.stop();
  expect(liveChildren()).toEqual([]);
});

type Outcome = { ok: boolean; stressed: bigint; baseline: bigint; revertData: Hex };

async function evaluate(portfolios: readonly StressedValueParameters[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let start = 0; start < portfolios.length; start += BATCH) {
    const batch = portfolios.slice(start, start + BATCH).map((p) => ({
      values: [...p.values],
      haircutBps: [...p.haircutBps],
      depths: [...p.depths],
      correlationBps: [...p.correlationBps],
    }));
    const result = await client.readContract({ address: harness, abi: riskHarnessAbi, functionName: 'evaluate', args: [batch] });
    outcomes.push(...(result as readonly Outcome[]));
  }
  return outcomes;
}

function describeCase(index: number, p: StressedValueParameters): string {
  return `case ${index}: ${JSON.stringify(p, (_, value) => (typeof value === 'bigint' ? value.toString() : value))}`;
}

describe('RiskMath.sol and risk.ts agree', () => {
  it(`on ${VALID_CASES} random portfolios of 0 to 8 assets, to the wei (stressed value and baseline)`, async () => {
    const random = new SeededRandom(SEED);
    // Every size equally often, plus extra 8-asset portfolios (the most arithmetic).
    const portfolios = Array.from({ length: VALID_CASES }, (_, i) => randomPortfolio(random, i % 10 === 9 ? 8 : i % 9));
    const outcomes = await evaluate(portfolios);
    expect(outcomes).toHaveLength(VALID_CASES);
    let diversified = 0;
    for (const [i, p] of portfolios.entries()) {
      const outcome = outcomes[i] as Outcome;
      const context = describeCase(i, p);
      expect(outcome.ok, context).toBe(true);
      expect(outcome.stressed, context).toBe(stressedValueDown(p));
      expect(outcome.baseline, context).toBe(baselineDown(p));
      if (outcome.stressed > outcome.baseline) diversified++;
    }
    // The cases exercise the portfolio term, not only the baseline.
    expect(diversified).toBeGreaterThan(VALID_CASES / 4);
  });

  it(`on ${INVALID_CASES} rejected portfolios, with the same custom error and arguments`, async () => {
    const random = new SeededRandom(SEED + 1n);
    const portfolios = Array.from({ length: INVALID_CASES }, () => randomInvalidPortfolio(random));
    const outcomes = await evaluate(portfolios);
    const seen = new Set<string>();
    for (const [i, p] of portfolios.entries()) {
      const outcome = outcomes[i] as Outcome;
      const context = describeCase(i, p);
      expect(outcome.ok, context).toBe(false);
      const decoded = decodeErrorResult({ abi: riskHarnessAbi, data: outcome.revertData });
      let expected: RiskInputError | undefined;
      try {
        stressedValueDown(p);
      } catch (error) {
        expected = error as RiskInputError;
      }
      expect(expected, context).toBeInstanceOf(RiskInputError);
      expect({ error: decoded.errorName, args: decoded.args }, context).toEqual({ error: expected?.error, args: expected?.args });
      seen.add(decoded.errorName);
    }
    expect([...seen].sort()).toEqual([
      'RiskMath_CorrelationLengthMismatch',
      'RiskMath_CorrelationOutOfBounds',
      'RiskMath_HaircutOutOfBounds',
      'RiskMath_LengthMismatch',
      'RiskMath_TooManyAssets',
    ]);
  });

  it('on 2,000 random (value, depth) pairs of the size haircut', async () => {
    const random = new SeededRandom(SEED + 2n);
    const values: bigint[] = [];
    const depths: bigint[] = [];
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(random);
      values.push(value);
      depths.push(randomDepth(random, value));
    }
    const adjusted = await client.readContract({
      address: harness,
      abi: riskHarnessAbi,
      functionName: 'sizeAdjustedBatch',
      args: [values, depths],
    });
    expect(adjusted).toEqual(values.map((value, i) => sizeAdjustedDown(value, depths[i] as bigint)));
  });
});
