// The SDK's cut ABIs (abi.generated.ts, written as signatures and parsed by viem) against @ballast/abi's
// whole ones: every item it keeps is the compiler's item (less `internalType`), every error of each
// contract is kept (and every event of the vault and the mirror), and the errors the SDK decodes against
// are each listed once.
import * as whole from '@ballast/abi';
import { describe, expect, test } from 'vitest';
import * as cut from './abi.generated.ts';

const CONTRACTS = ['chainlinkOracleAdapterAbi', 'collateralVaultAbi', 'creditLendingPoolAbi', 'creditMirrorAbi', 'endpointV2Abi', 'receiveUln302Abi'] as const;

type Item = { type: string; name?: string; inputs?: readonly { type: string }[] };

/**
 * The item as JSON without what a signature cannot say and viem reads the same either way: `internalType`
 * (the compiler's Solidity type names), an empty parameter name, `indexed: false`, `anonymous: false`.
 */
function comparable(item: unknown): unknown {
  return JSON.parse(JSON.stringify(item), (key, value) => (key === 'internalType' || (key === 'name' && value === '') || ((key === 'anonymous' || key === 'indexed') && value === false) ? undefined : value));
}

const signature = (item: Item) => `${item.type} ${item.name}(${(item.inputs ?? []).map((input) => input.type).join(',')})`;

describe('abi.generated.ts', () => {
  for (const contract of CONTRACTS) {
    test(`${contract}: every item kept is @ballast/abi's item, every error is kept`, () => {
      const original = whole[contract] as readonly Item[];
      const kept = cut[contract] as readonly Item[];
      expect(kept.length).toBeGreaterThan(0);
      for (const item of kept) {
        const match = original.find((candidate) => candidate.type === item.type && signature(candidate) === signature(item));
        expect(match, signature(item)).toBeDefined();
        expect(comparable(item), signature(item)).toEqual(comparable(match));
      }
      const errors = original.filter((item) => item.type === 'error').map(signature).sort();
      expect(kept.filter((item) => item.type === 'error').map(signature).sort()).toEqual(errors);
      // getMessage reports every event of the receiver on arrival: the vault and the mirror keep them all.
      if (contract === 'collateralVaultAbi' || contract === 'creditMirrorAbi') {
        const events = original.filter((item) => item.type === 'event').map(signature).sort();
        expect(kept.filter((item) => item.type === 'event').map(signature).sort()).toEqual(events);
      }
    });
  }

  test('ballastErrorAbi lists every error of the six contracts once', () => {
    const all = new Set(CONTRACTS.flatMap((contract) => (whole[contract] as readonly Item[]).filter((item) => item.type === 'error').map(signature)));
    const listed = cut.ballastErrorAbi.map((item) => signature(item));
    expect(new Set(listed).size).toBe(listed.length);
    expect(new Set(listed)).toEqual(all);
  });
});
