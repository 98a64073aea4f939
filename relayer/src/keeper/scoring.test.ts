// Scoring without I/O: `scoreAccountWith` over resolved prices is `liquidationHealthDown` (the vault's
// maths, @ballast/protocol), and the score's stored line reads back as `storedScore`. The devnet suites
// (relayer/test/keeper*.test.ts) check scores against the vault's own view.
import { HEALTH_ONE, INFINITE_HEALTH, PER_ASSET_HEALTH, liquidationHealthDown } from '@ballast/protocol';
import { type Address, getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import type { AccountState } from '../reconcile/account-store.ts';
import { type PriceReading, correlationKey } from './prices.ts';
import type { Pricing } from './scoring.ts';
import { StoredScoreError, assetListId, decodeScoreLine } from './ledger.ts';
import { encodeStoredScore, healthModelOf, scoreAccountWith, storedScore } from './scoring.ts';

const ALICE: Address = '0x976EA74026E726554dB657fA54763abd0C3a0aa9';
const WETH = getAddress('0x00000000000000000000000000000000000000bb');
const WBTC = getAddress('0x00000000000000000000000000000000000000cc');
const usd = (dollars: bigint) => dollars * 10n ** 18n;
const pricing = (wbtc: PriceReading, { correlationBps, wethDepth = 0n }: { correlationBps?: number; wethDepth?: bigint } = {}): Pricing => ({
  recallHealth: 11n * 10n ** 17n,
  assets: new Map([
    [WETH, { risk: { decimals: 18, liquidationThresholdBps: 8_500, liquidationBonusBps: 500, depth: wethDepth }, price: { ok: true, price: usd(1_777n) } }],
    [WBTC, { risk: { decimals: 8, liquidationThresholdBps: 7_500, liquidationBonusBps: 1_000, depth: 0n }, price: wbtc }],
  ]),
  correlations: new Map(correlationBps === undefined ? [] : [[correlationKey(WETH, WBTC), correlationBps]]),
});
const state = (collateral: Record<Address, bigint>, exported: bigint, drawn: bigint, epoch = 0): AccountState => ({
  account: ALICE,
  collateral,
  exported: { 40_102: exported },
  lines: { 40_102: { line: exported, drawn, parked: 0n } },
  epoch,
});

describe('scoreAccountWith', () => {
  it('is liquidationHealthDown over the held assets, and the usage-aware health over Σ drawn', () => {
    const held = state({ [WETH]: 3_141_592_653_589_793_238n, [WBTC]: 12_345_678n }, usd(12_000n), usd(4_000n), 1);
    const score = scoreAccountWith({ state: held, pricing: pricing({ ok: true, price: usd(61_234n) }), warnHealth: 125n * 10n ** 16n });
    const positions = [
      { amount: 3_141_592_653_589_793_238n, price: usd(1_777n), decimals: 18, liquidationThresholdBps: 8_500 },
      { amount: 12_345_678n, price: usd(61_234n), decimals: 8, liquidationThresholdBps: 7_500 },
    ];
    expect(score.health).toBe(liquidationHealthDown({ positions, totalExported: usd(12_000n) }));
    expect(score.usageHealth).toBe(liquidationHealthDown({ positions, totalExported: usd(4_000n) }));
    expect(score).toMatchObject({ epoch: 1, bucket: 'liquidatable', assets: [WETH, WBTC].sort(), totalExported: usd(12_000n), totalDrawn: usd(4_000n), unpriced: undefined });
  });

  it("uses the vault's correlations and depths: the portfolio model where a pair is below 100%, the size haircut above the depth", () => {
    const held = state({ [WETH]: 30n * 10n ** 18n, [WBTC]: 50_000_000n }, usd(60_000n), usd(40_000n));
    const assets = Object.freeze([WETH, WBTC].sort());
    const positions = assets.map((asset) =>
      asset === WETH
        ? { amount: 30n * 10n ** 18n, price: usd(1_777n), decimals: 18, liquidationThresholdBps: 8_500, depth: usd(20_000n) }
        : { amount: 50_000_000n, price: usd(61_234n), decimals: 8, liquidationThresholdBps: 7_500, depth: 0n },
    );
    const withRisk = pricing({ ok: true, price: usd(61_234n) }, { correlationBps: 5_000, wethDepth: usd(20_000n) });
    const score = scoreAccountWith({ state: held, pricing: withRisk, warnHealth: HEALTH_ONE, assets });
    expect(healthModelOf(withRisk, assets)).toEqual({ kind: 'portfolio', correlationBps: [5_000] });
    expect(score.health).toBe(liquidationHealthDown({ positions, totalExported: usd(60_000n), model: { kind: 'portfolio', correlationBps: [5_000] } }));
    // Diversification counts: above the per-asset number (which the size haircut alone lowers).
    const perAsset = liquidationHealthDown({ positions, totalExported: usd(60_000n) });
    const noDepth = liquidationHealthDown({ positions: positions.map((position) => ({ ...position, depth: 0n })), totalExported: usd(60_000n) });
    expect(score.health).toBeGreaterThan(perAsset);
    expect(perAsset).toBeLessThan(noDepth);
    // A fully correlated pair (set, or never set): the per-asset sum, which is then the same number.
    const correlated = pricing({ ok: true, price: usd(61_234n) }, { correlationBps: 10_000, wethDepth: usd(20_000n) });
    expect(healthModelOf(correlated, assets)).toBe(PER_ASSET_HEALTH);
    expect(scoreAccountWith({ state: held, pricing: correlated, warnHealth: HEALTH_ONE, assets }).health).toBe(perAsset);
    expect(perAsset).toBe(liquidationHealthDown({ positions, totalExported: usd(60_000n), model: { kind: 'portfolio', correlationBps: [10_000] } }));
    expect(healthModelOf(pricing({ ok: true, price: 1n }), assets)).toBe(PER_ASSET_HEALTH);
  });

  it('leaves an account with an unpriced asset unjudged', () => {
    const held = state({ [WETH]: 10n ** 18n, [WBTC]: 10n ** 8n }, usd(100n), 0n);
    const score = scoreAccountWith({ state: held, pricing: pricing({ ok: false, reason: 'Oracle_StalePrice()' }), warnHealth: HEALTH_ONE });
    expect(score).toMatchObject({ bucket: 'unpriced', health: undefined, usageHealth: undefined, unpriced: { asset: WBTC, reason: 'Oracle_StalePrice()' } });
  });
});

describe('encodeStoredScore', () => {
  it('is a line the ledger reads back as storedScore: priced, unpriced, no debt, shared (frozen) assets', () => {
    const scores = [
      scoreAccountWith({ state: state({ [WETH]: 10n ** 19n }, usd(12_000n), usd(10_950n), 3), pricing: pricing({ ok: true, price: 1n }), warnHealth: HEALTH_ONE }),
      scoreAccountWith({ state: state({ [WBTC]: 10n ** 8n }, usd(5n), 0n), pricing: pricing({ ok: false, reason: 'Oracle_StalePrice()' }), warnHealth: HEALTH_ONE }),
      scoreAccountWith({ state: state({}, 0n, 0n), pricing: pricing({ ok: true, price: 1n }), warnHealth: HEALTH_ONE }),
      scoreAccountWith({ state: state({ [WETH]: 1n, [WBTC]: 1n }, usd(1n), 0n), pricing: pricing({ ok: true, price: 1n }), warnHealth: HEALTH_ONE, assets: Object.freeze([WBTC, WETH]) }),
    ];
    expect(scores[2]?.health).toBe(INFINITE_HEALTH);
    const lists = new Map(scores.map((score) => [assetListId(score.assets), score.assets]));
    for (const score of scores) {
      const line = encodeStoredScore(score, 1_767_000_000_123);
      expect(decodeScoreLine(score.account, line, lists)).toEqual(storedScore(score, 1_767_000_000_123));
      // Twice: the second reads the shared list's id from the cache.
      expect(encodeStoredScore(score, 7)).toBe(line.replace(/ 1767000000123$/, ' 7'));
    }
    // A 4-asset holder's line is a fraction of its JSON.
    const line = encodeStoredScore(scores[3] as (typeof scores)[number], 1_767_000_000_123);
    expect(line.length).toBeLessThan(JSON.stringify(storedScore(scores[3] as (typeof scores)[number], 1_767_000_000_123)).length / 2);
  });

  it('refuses a line it cannot read, saying what to do; a lost assets list reads as no assets', () => {
    expect(() => decodeScoreLine(ALICE, '{"bucket":"healthy"}', new Map())).toThrow(StoredScoreError);
    expect(() => decodeScoreLine(ALICE, 'sleepy 1 1 0 1 1 abcdef012345 7', new Map())).toThrow(/next sweep/);
    expect(decodeScoreLine(ALICE, 'healthy 1 - 0 1 1 abcdef012345 7', new Map())).toEqual({
      account: ALICE,
      bucket: 'healthy',
      health: '1',
      usageHealth: undefined,
      epoch: 0,
      totalExported: '1',
      totalDrawn: '1',
      assets: [],
      scoredAt: 7,
    });
  });
});
