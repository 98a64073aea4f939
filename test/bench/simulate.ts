// pnpm simulate: the liquidation simulation of docs/RISK.md#simulation — seeded random accounts through a
// price crash, with recall, flag, liquidation, clear and write-off at every step, priced by the risk
// library. Prints a markdown table of the steps and a summary. The model and its checks live in
// packages/protocol/src/simulation.ts and simulation.test.ts; this file only reads flags and formats.
import { parseArgs } from 'node:util';
import { BallastError, RISK_BPS, SimulationParameterError, simulateLiquidations, type SimulateLiquidationsReturnType } from '@ballast/protocol';

const HELP = `pnpm simulate [options]

Replays a price crash over seeded random accounts (1 to 4 of WETH, WBTC, stETH, USDC; credit exported
to 1 or 2 remotes and partly drawn) and, at every step, recalls undrawn credit, flags accounts below
health 1, liquidates them (close factor 50%, bonus per asset) and writes off debt left without
collateral. Prints one row per step, the totals, and how the portfolio term changed borrowing power
against the per-asset baseline. The model: docs/RISK.md#simulation.

Options:
  --accounts <n>   Random accounts (default 1000)
  --steps <n>      Price steps; the crash is spread over them in equal multiplicative steps (default 10)
  --crash <x>      Total fall of the volatile assets, a fraction below 1 (default 0.35); USDC does not fall
  --seed <n>       Seed of the random accounts (default 1); the same seed gives the same accounts
  --recall-on <h>  Health the relayer's recall watches: usage-aware (Σ drawn, the default) or home
                   (Σ exported, the one flag uses)
  -h, --help       This help.

Exits 1 if any repay hit an account whose usage-aware health was at least 1 (ARCHITECTURE.md §5 rule 5).
`;

const WAD = 10n ** 18n;

/** A non-negative integer flag, exactly as typed (no "12abc", no "1e3"). */
function integerFlag(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new SimulationParameterError(`--${name}`, `got "${text}"`, 'give a whole number');
  return Number(text);
}

/** `--seed`, any size (the generator keeps its low 64 bits). */
function seedFlag(text: string): bigint {
  integerFlag('seed', text);
  return BigInt(text);
}

/** `--crash 0.35` as bps (3,500); at most four decimals. */
function crashFlag(text: string): number {
  const crash = Number(text);
  const bps = Math.round(crash * RISK_BPS);
  if (!/^\d*\.?\d+$/.test(text) || crash >= 1 || Math.abs(crash * RISK_BPS - bps) > 1e-6) {
    throw new SimulationParameterError('--crash', `got "${text}"`, 'give a fraction from 0 to below 1 with at most four decimals, e.g. 0.35 for −35%');
  }
  return bps;
}

/** USD with 18 decimals as whole dollars, rounded down: $1,234,567. */
const usd = (value: bigint) => `$${(value / WAD).toLocaleString('en-US')}`;
/** `part` as a percentage of `whole`, two decimals. */
const percent = (part: bigint, whole: bigint) => (whole === 0n ? '0%' : `${(Number((part * 1_000_000n) / whole) / 10_000).toFixed(2)}%`);
const bps = (value: number) => `${value / 100}%`;
/** A health (1e18 = 1), two decimals. */
const health = (value: bigint) => (Number(value / 10n ** 14n) / 10_000).toFixed(2);
const count = (value: number) => value.toLocaleString('en-US');
const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

function report(result: SimulateLiquidationsReturnType): string {
  const { parameters, startTotals, portfolioTerm, steps, totals } = result;
  const gain = (power: bigint, baseline: bigint) => `+${percent(power - baseline, baseline)}`;
  const ofDrawn = (value: bigint) => `${usd(value)} (${percent(value, startTotals.drawn)} of drawn at the start)`;
  const lines = [
    '# Liquidation simulation',
    '',
    `${count(parameters.accounts)} accounts, seed ${parameters.seed}; assets with beta 100% fall ${bps(parameters.crashBps)} ` +
      `in ${parameters.steps} equal multiplicative steps; close factor ${bps(parameters.closeFactorBps)}; ` +
      `undrawn credit recalled below ${parameters.recallOn} health ${health(parameters.recallThreshold)}.`,
    '',
    table(
      ['asset', 'decimals', 'price', 'LTV', 'threshold', 'bonus', 'depth', 'beta'],
      parameters.assets.map((asset) => [
        asset.symbol,
        String(asset.decimals),
        usd(asset.price),
        bps(asset.ltvBps),
        bps(asset.liquidationThresholdBps),
        bps(asset.liquidationBonusBps),
        asset.depth === 0n ? 'none' : usd(asset.depth),
        bps(asset.betaBps),
      ]),
    ),
    '',
    `At the start: collateral ${usd(startTotals.collateral)}, borrowing power ${usd(startTotals.power)}, ` +
      `exported ${usd(startTotals.exported)}, drawn ${usd(startTotals.drawn)}.`,
    '',
    '## Steps',
    '',
    table(
      ['step', 'price', 'recalled', 'credit released', 'flagged', 'liquidated', 'collateral seized', 'debt repaid', 'cleared', 'bad debt', 'unhealthy'],
      steps.map((step) => [
        String(step.step),
        (Number(step.priceMultiplier / 10n ** 12n) / 1e6).toFixed(4),
        count(step.recalled),
        usd(step.creditReleased),
        count(step.flagged),
        count(step.liquidated),
        usd(step.collateralSeized),
        usd(step.debtRepaid),
        count(step.cleared),
        usd(step.badDebt),
        count(step.unhealthy),
      ]),
    ),
    '',
    '`price`: of an asset with beta 100%, against the start. `credit released`: by recalls and by flagging (`LIQUIDATABLE`).',
    '`flagged`: newly flagged (home health below 1). `cleared`: flagged accounts healthy again, after a liquidation or only because',
    'flagging released their undrawn credit. `unhealthy`: home health below 1 at the end of the step.',
    '',
    '## Summary',
    '',
    table(
      ['', 'over the path'],
      [
        ['accounts recalled', count(totals.accountsRecalled)],
        ['accounts flagged', count(totals.accountsFlagged)],
        ['accounts liquidated', count(totals.accountsLiquidated)],
        ['accounts flagged, never liquidated', count(totals.accountsFlagged - totals.accountsLiquidated)],
        ['accounts written off', count(totals.accountsWrittenOff)],
        ['collateral seized', usd(totals.collateralSeized)],
        ['debt repaid', ofDrawn(totals.debtRepaid)],
        ['repaid with no collateral left to pay for it', usd(totals.uncovered)],
        ['bad debt', ofDrawn(totals.badDebt)],
        ['liquidations of healthy accounts', count(totals.healthyLiquidations)],
      ],
    ),
    '',
    '## Portfolio term',
    '',
    'Borrowing power at the start with the portfolio term (`stressedValueDown`) against the per-asset baseline (`baselineDown`),',
    `both after the size haircut: ${usd(portfolioTerm.power)} against ${usd(portfolioTerm.baseline)} (${gain(portfolioTerm.power, portfolioTerm.baseline)}).`,
    `Accounts with more power: ${count(portfolioTerm.more)}, equal: ${count(portfolioTerm.equal)}, less: ${count(portfolioTerm.less)};`,
    `power / baseline per account: mean ${portfolioTerm.meanRatio.toFixed(4)}, median ${portfolioTerm.medianRatio.toFixed(4)}.`,
    '',
    table(
      ['assets held', 'accounts', 'power', 'baseline', 'change', 'mean ratio'],
      portfolioTerm.byAssetCount.map((group) => [
        String(group.assets),
        count(group.accounts),
        usd(group.power),
        usd(group.baseline),
        gain(group.power, group.baseline),
        group.meanRatio.toFixed(4),
      ]),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

try {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '1000' },
      steps: { type: 'string', default: '10' },
      crash: { type: 'string', default: '0.35' },
      seed: { type: 'string', default: '1' },
      'recall-on': { type: 'string', default: 'usage-aware' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const started = performance.now();
  const result = simulateLiquidations({
    accounts: integerFlag('accounts', values.accounts),
    steps: integerFlag('steps', values.steps),
    crashBps: crashFlag(values.crash),
    seed: seedFlag(values.seed),
    recallOn: values['recall-on'] as 'usage-aware' | 'home',
  });
  const elapsed = performance.now() - started;
  process.stdout.write(report(result));
  process.stdout.write(`\nSimulated in ${Math.round(elapsed)} ms.\n`);
  if (result.totals.healthyLiquidations > 0) {
    process.stderr.write(`${result.totals.healthyLiquidations} repays hit an account whose usage-aware health was at least 1 (rule 5).\n`);
    process.exit(1);
  }
} catch (error) {
  if (!(error instanceof BallastError) && !(error instanceof TypeError && 'code' in error)) throw error;
  process.stderr.write(`${error.message}\nRun pnpm simulate --help for the options.\n`);
  process.exit(2);
}
