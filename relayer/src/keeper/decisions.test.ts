// The keeper's decision rules (docs/DECISIONS.md "Recall before flag", PROTOCOL.md L-1..L-8) and its
// settings check, as pure functions. The devnet suites (relayer/test/keeper*.test.ts) run them for real.
import { HEALTH_ONE } from '@ballast/protocol';
import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { actionJobId } from './actions.ts';
import { type DecideActionsParameters, decideActions } from './decisions.ts';
import { healthBucket, type AccountScore } from './scoring.ts';
import { DEFAULT_MAX_FEE_WEI, parseKeeperSettings } from './settings.ts';

const HOME = 40_101;
const R1 = 40_102;
const R2 = 40_103;
const ALICE: Address = '0x976EA74026E726554dB657fA54763abd0C3a0aa9';
const WETH: Address = '0x00000000000000000000000000000000000000bb';
const usd = (dollars: number) => BigInt(dollars) * 10n ** 18n;
const ALL = { recall: true, flag: true, clear: true, returnParked: true };

/** A score with `weighted` collateral and these lines (exported = line + parked unless given). */
function score(weighted: bigint, lines: Record<number, { line: number; drawn: number; parked?: number; exported?: number }>, epoch = 0): AccountScore {
  const exported: Record<number, bigint> = {};
  const remote: AccountScore['lines'] = {};
  for (const [eid, line] of Object.entries(lines)) {
    remote[Number(eid)] = { line: usd(line.line), drawn: usd(line.drawn), parked: usd(line.parked ?? 0) };
    exported[Number(eid)] = usd(line.exported ?? line.line + (line.parked ?? 0));
  }
  const totalExported = Object.values(exported).reduce((a, b) => a + b, 0n);
  const totalDrawn = Object.values(remote).reduce((a, b) => a + b.drawn, 0n);
  const health = totalExported === 0n ? 2n ** 256n - 1n : (weighted * HEALTH_ONE) / totalExported;
  return {
    account: ALICE,
    epoch,
    bucket: healthBucket({ health, totalExported, recallHealth: 11n * 10n ** 17n, warnHealth: 125n * 10n ** 16n }),
    health,
    usageHealth: totalDrawn === 0n ? 2n ** 256n - 1n : (weighted * HEALTH_ONE) / totalDrawn,
    weighted,
    totalExported,
    totalDrawn,
    assets: [WETH],
    unpriced: undefined,
    exported,
    lines: remote,
  };
}

const decide = (s: AccountScore, overrides: Partial<DecideActionsParameters> = {}) =>
  decideActions({ score: s, homeEid: HOME, recallHealth: 11n * 10n ** 17n, actions: ALL, liquidateOn: [R1, R2], ...overrides }).map(({ action, eid, epoch }) => ({ action, eid, epoch }));

describe('decideActions', () => {
  it('leaves a healthy account alone', () => {
    expect(decide(score(usd(17_000), { [R1]: { line: 5_000, drawn: 2_000 } }))).toEqual([]);
  });

  it('recalls the undrawn credit of every remote under the recall health, and does not flag', () => {
    // 10,200 / 9,500 = 1.07.
    expect(decide(score(usd(10_200), { [R1]: { line: 9_500, drawn: 5_000 }, [R2]: { line: 0, drawn: 0 } }))).toEqual([{ action: 'recall', eid: R1, epoch: 0 }]);
  });

  it('recalls, never flags, an account under 1 at home that is healthy once its undrawn credit is home (rule 5)', () => {
    // Home 10,200 / 12,000 = 0.85, usage-aware 10,200 / 6,000 = 1.7.
    expect(decide(score(usd(10_200), { [R1]: { line: 12_000, drawn: 6_000 } }))).toEqual([{ action: 'recall', eid: R1, epoch: 0 }]);
  });

  it('flags an account under 1 even with its undrawn credit home, without recalling first (LIQUIDATABLE parks it)', () => {
    expect(decide(score(usd(10_200), { [R1]: { line: 7_500, drawn: 5_250 }, [R2]: { line: 7_500, drawn: 5_250 } }))).toEqual([{ action: 'flag', eid: HOME, epoch: 0 }]);
    expect(decide(score(usd(10_200), { [R1]: { line: 7_500, drawn: 5_250 }, [R2]: { line: 7_500, drawn: 5_250 } }), { actions: { ...ALL, flag: false } }).map(({ action }) => action)).toEqual([
      'recall',
      'recall',
    ]);
  });

  it('returns parked credit home, flagged or not', () => {
    expect(decide(score(usd(17_000), { [R1]: { line: 3_000, drawn: 2_000, parked: 1_000 } }))).toEqual([{ action: 'returnParked', eid: R1, epoch: 0 }]);
  });

  it('liquidates a flagged account under 1 on every remote with drawn credit, and flags it again only with nothing in flight', () => {
    const flagged = score(usd(10_200), { [R1]: { line: 5_250, drawn: 5_250, parked: 2_250 }, [R2]: { line: 5_250, drawn: 5_250, exported: 7_500 } }, 1);
    expect(decide(flagged)).toEqual([
      { action: 'returnParked', eid: R1, epoch: 1 },
      { action: 'liquidate', eid: R1, epoch: 1 },
      { action: 'liquidate', eid: R2, epoch: 1 },
    ]);
    expect(decide(flagged, { liquidateOn: [] })).toEqual([{ action: 'returnParked', eid: R1, epoch: 1 }]);
    const settled = score(usd(3_000), { [R1]: { line: 4_000, drawn: 4_000 } }, 1);
    expect(decide(settled, { liquidateOn: [] })).toEqual([{ action: 'flag', eid: HOME, epoch: 1 }]);
  });

  it('clears a flagged account that is healthy again, and never liquidates it', () => {
    expect(decide(score(usd(5_514), { [R2]: { line: 5_250, drawn: 5_250 } }, 1))).toEqual([{ action: 'clear', eid: HOME, epoch: 1 }]);
  });

  it('judges nothing on an unpriced account but still returns its parked credit', () => {
    const unpriced = { ...score(0n, { [R1]: { line: 1_000, drawn: 1_000, parked: 5 } }), health: undefined, usageHealth: undefined, bucket: 'unpriced' as const };
    expect(decide(unpriced)).toEqual([{ action: 'returnParked', eid: R1, epoch: 0 }]);
  });
});

describe('healthBucket', () => {
  it('buckets by the vault lines', () => {
    const at = (health: bigint | undefined, exported = 1n) => healthBucket({ health, totalExported: exported, recallHealth: 11n * 10n ** 17n, warnHealth: 125n * 10n ** 16n });
    expect([at(HEALTH_ONE - 1n), at(HEALTH_ONE), at(11n * 10n ** 17n), at(125n * 10n ** 16n), at(undefined), at(undefined, 0n)]).toEqual([
      'liquidatable',
      'recall',
      'watch',
      'healthy',
      'unpriced',
      'no-debt',
    ]);
  });
});

describe('actionJobId', () => {
  it('names the action, chain, checksummed account and epoch, without colons (BullMQ refuses them)', () => {
    expect(actionJobId({ action: 'flag', eid: HOME, account: ALICE.toLowerCase() as Address, epoch: 2 })).toBe(`flag-${HOME}-${ALICE}-2`);
  });
});

describe('parseKeeperSettings', () => {
  it('fills defaults', () => {
    const settings = parseKeeperSettings(undefined);
    expect(settings.actions).toEqual(ALL);
    expect(settings.maxFeeWei.flag).toBe(DEFAULT_MAX_FEE_WEI);
    expect(settings.liquidator).toEqual({ enabled: false, inventory: {} });
    expect(settings.warnHealth).toBe(125n * 10n ** 16n);
  });

  it('takes wei and token amounts as decimal strings and healths as decimals', () => {
    const settings = parseKeeperSettings({ maxFeeWei: { recall: '0' }, liquidator: { enabled: true, inventory: { [R1]: '5000000000' } }, warnHealth: '1.5' });
    expect(settings.maxFeeWei.recall).toBe(0n);
    expect(settings.liquidator.inventory[String(R1)]).toBe(5_000_000_000n);
    expect(settings.warnHealth).toBe(15n * 10n ** 17n);
  });

  it.each([
    [{ maxFeeWei: { flag: '-1' } }, 'maxFeeWei.flag'],
    [{ liquidator: { inventory: { home: '1' } } }, 'liquidator.inventory.home'],
    [{ concurrency: 0 }, 'concurrency'],
    [{ actions: { recal: true } }, 'actions.recal: unknown setting'],
    [{ warnHealth: 'high' }, 'warnHealth'],
  ])('names the bad field of %j', (value, field) => {
    let error: unknown;
    try {
      parseKeeperSettings(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).shortMessage).toContain(`Invalid keeper setting ${field}`);
  });
});
