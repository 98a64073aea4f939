// pnpm bench:gas: gas of each Ballast operation, one transaction each, next to a peer deployed and
// driven in the same Foundry harness (contracts/bench), as a ratio. Measured, never asserted.
// 1. Builds Morpho Blue from its npm sources with solc 0.8.19 (bench profile `morpho`).
// 2. Runs the harness (profile `default`, solc 0.8.30) with `forge test --isolate --json`, handing
//    it Morpho's creation code; every measured call is its own transaction and lands in the
//    `ballast-gas` gas snapshot group.
// 3. Prints the tables (operations against the peers; the liquidation path, reported without a peer) and
//    writes the gas section of docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BallastError } from '@ballast/protocol';

const HELP = `pnpm bench:gas [options]

Measures each Ballast operation as its own transaction next to a peer in the same Foundry harness
(contracts/bench): CollateralVault.deposit, CreditLendingPool.borrow and repay against Morpho Blue
(compiled from npm with solc 0.8.19), exportCredit and the GRANT receive against a LayerZero OFT over
the same endpoints; and, reported without a peer, the liquidation path (flag, the LIQUIDATABLE receive,
a remote liquidate, the SEIZE receive) and the health reads at 1, 4 and 8 assets. Prints the tables and
writes the gas section of docs/BENCHMARKS.md.

Options:
  --build-dir <dir>   Where forge puts artifacts, caches and snapshots (default contracts/bench)
  --print-only        Print the table without writing docs/BENCHMARKS.md or the snapshot
  --check             Compare with the checked-in contracts/bench/gas-snapshot.json and fail on
                      any difference (writes nothing)
  -h, --help          This help.
`;

// Not @ballast/devnet's `repoRoot`: that package needs the ABIs `pnpm build` generates, and this bench
// runs straight after `pnpm install`.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BENCH_ROOT = join(repoRoot, 'contracts', 'bench');
const FORGE = join(repoRoot, 'node_modules', '.bin', 'forge');
const SNAPSHOT_GROUP = 'ballast-gas';
const DOCS_PATH = join(repoRoot, 'docs', 'BENCHMARKS.md');
/** The checked-in gas snapshot: every measured call's gas, by name (`<operation>.<user>.<side>`). */
const SNAPSHOT_PATH = join(repoRoot, 'contracts', 'bench', 'gas-snapshot.json');
const BEGIN = '<!-- gas:begin -->';
const END = '<!-- gas:end -->';

/** Which user a row measures: one who already has a position there, or one who has none. */
type User = 'repeat' | 'first';

/** One line of the table: snapshot `<id>.ballast` against `<id>.<peer.side>`. */
type Row = {
  id: string;
  user: User;
  ballast: string;
  peer?: { side: 'morpho' | 'oft'; call: string };
  /** Highest acceptable Ballast / peer ratio; only on the rows the targets are judged on. */
  target?: number;
};

const MORPHO_DEPOSIT = { side: 'morpho', call: 'Morpho `supplyCollateral`' } as const;
const MORPHO_BORROW = { side: 'morpho', call: 'Morpho `borrow`' } as const;
const MORPHO_REPAY = { side: 'morpho', call: 'Morpho `repay`' } as const;
const OFT_SEND = { side: 'oft', call: 'OFT `send`' } as const;
const OFT_RECEIVE = { side: 'oft', call: 'OFT receive (endpoint `lzReceive`, mint)' } as const;

const ROWS: Row[] = [
  { id: 'deposit.repeat', user: 'repeat', ballast: '`CollateralVault.deposit`', peer: MORPHO_DEPOSIT, target: 1.0 },
  { id: 'deposit.first', user: 'first', ballast: '`CollateralVault.deposit`', peer: MORPHO_DEPOSIT },
  { id: 'borrow.repeat', user: 'repeat', ballast: '`CreditLendingPool.borrow` (draws on the mirror)', peer: MORPHO_BORROW, target: 1.2 },
  { id: 'borrow.first', user: 'first', ballast: '`CreditLendingPool.borrow` (draws on the mirror)', peer: MORPHO_BORROW },
  { id: 'repay.repeat', user: 'repeat', ballast: '`CreditLendingPool.repay`, part of the debt (restores on the mirror)', peer: MORPHO_REPAY, target: 1.0 },
  { id: 'repay.whole', user: 'repeat', ballast: '`CreditLendingPool.repay`, the whole debt (restores on the mirror)', peer: MORPHO_REPAY },
  { id: 'exportCredit.repeat', user: 'repeat', ballast: '`CollateralVault.exportCredit` (with the endpoint send)', peer: OFT_SEND, target: 1.1 },
  { id: 'exportCredit.first', user: 'first', ballast: '`CollateralVault.exportCredit` (with the endpoint send)', peer: OFT_SEND },
  { id: 'grantReceive.repeat', user: 'repeat', ballast: 'GRANT receive (endpoint `lzReceive` into `CreditMirror`)', peer: OFT_RECEIVE, target: 1.0 },
  { id: 'grantReceive.first', user: 'first', ballast: 'GRANT receive (endpoint `lzReceive` into `CreditMirror`)', peer: OFT_RECEIVE },
  { id: 'release.repeat', user: 'repeat', ballast: '`CreditMirror.release` (with the endpoint send)' },
  { id: 'releaseReceive.repeat', user: 'repeat', ballast: 'RELEASE receive (endpoint `lzReceive` into `CollateralVault`)' },
  { id: 'draw.repeat', user: 'repeat', ballast: '`CreditMirror.draw`, called by a consumer directly' },
  { id: 'restore.repeat', user: 'repeat', ballast: '`CreditMirror.restore`, called by a consumer directly' },
];

/** One line of the liquidation table: snapshot `<id>.ballast`, reported without a peer or a target. */
type ReportedRow = { id: string; ballast: string; case: string };

const SEIZE_RECEIVE = 'SEIZE receive (endpoint `lzReceive` into `CollateralVault`)';
const LIQUIDATION_HEALTH = '`CollateralVault.liquidationHealth` (liquidation prices), a view sent as a transaction';
const HEALTH = '`CollateralVault.health` (fresh prices), a view sent as a transaction';

const LIQUIDATION_ROWS: ReportedRow[] = [
  { id: 'flag.twoRemotes', ballast: '`CollateralVault.flag` (with the two LIQUIDATABLE endpoint sends)', case: 'lines on 2 remotes, health over 1 asset' },
  { id: 'liquidatableReceive.undrawnParked', ballast: 'LIQUIDATABLE receive (endpoint `lzReceive` into `CreditMirror`)', case: "the line's first flag: undrawn credit parked" },
  { id: 'liquidate.partial', ballast: "`CreditLendingPool.liquidate` (with the mirror's debit and the SEIZE endpoint send)", case: 'part of the debt (1,000 of 5,000 USDC)' },
  { id: 'seizeReceive.oneAsset', ballast: SEIZE_RECEIVE, case: 'health over 1 asset, paid in it with the bonus' },
  { id: 'seizeReceive.twoAssets', ballast: SEIZE_RECEIVE, case: 'health over 2 assets; the chosen one runs out, the next pays the rest' },
  { id: 'liquidationHealth.assets1', ballast: LIQUIDATION_HEALTH, case: '1 asset' },
  { id: 'liquidationHealth.assets4', ballast: LIQUIDATION_HEALTH, case: '4 assets' },
  { id: 'liquidationHealth.assets8', ballast: LIQUIDATION_HEALTH, case: '8 assets' },
  { id: 'health.assets1', ballast: HEALTH, case: '1 asset' },
  { id: 'health.assets4', ballast: HEALTH, case: '4 assets' },
  { id: 'health.assets8', ballast: HEALTH, case: '8 assets' },
];

/** Thrown when a forge pass fails or its output lacks what the table needs. */
class GasBenchError extends BallastError {
  override name = 'GasBenchError';
}

type ForgeTestOutput = Record<
  string,
  { test_results: Record<string, { status: string; reason: string | null; gas_snapshots?: Record<string, Record<string, string>> }> }
>;

const { values } = parseArgs({
  options: {
    'build-dir': { type: 'string', default: BENCH_ROOT },
    'print-only': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const buildDir = resolve(values['build-dir']);
const dirs = {
  morphoOut: join(buildDir, 'out', 'morpho'),
  benchOut: join(buildDir, 'out', 'bench'),
  snapshots: join(buildDir, 'out', 'snapshots'),
};

/** Runs forge in the bench tree with `profile` and only the Foundry settings given here. */
function forge(profile: 'morpho' | 'default', args: string[], env: Record<string, string> = {}, capture = false): string {
  // Inherited FOUNDRY_* / FORGE_* settings (an engineer's FOUNDRY_OUT, a CI profile) would leak into
  // both passes; each pass gets exactly its own.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(FOUNDRY|FORGE|DAPP)_/.test(key)));
  const out = profile === 'morpho' ? dirs.morphoOut : dirs.benchOut;
  const result = spawnSync(FORGE, args, {
    cwd: BENCH_ROOT,
    env: {
      ...inherited,
      FOUNDRY_PROFILE: profile,
      FOUNDRY_OUT: out,
      FOUNDRY_CACHE_PATH: join(buildDir, 'cache', profile === 'morpho' ? 'morpho' : 'bench'),
      FOUNDRY_SNAPSHOTS: dirs.snapshots,
      ...env,
    },
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error) throw new GasBenchError(`could not run forge (${FORGE}); run pnpm install first`, { cause: result.error });
  // `forge test` exits non-zero when a test fails but still prints the JSON; the caller reads it.
  if (result.status !== 0 && !capture) throw new GasBenchError(`forge ${args.join(' ')} (profile ${profile}) failed with exit code ${result.status}`);
  return result.stdout ?? '';
}

type Artifact = { bytecode: { object: string }; metadata: { compiler: { version: string }; settings: { optimizer: { runs: number }; evmVersion: string; viaIR?: boolean } } };

async function artifact(out: string, file: string, contract: string): Promise<Artifact> {
  const path = join(out, file, `${contract}.json`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Artifact;
  } catch (cause) {
    throw new GasBenchError(`no artifact ${path} after the build`, { cause });
  }
}

const compilerLine = (name: string, metadata: Artifact['metadata']) =>
  `${name} with solc ${metadata.compiler.version.split('+')[0]} (${metadata.settings.viaIR ? 'via-IR, ' : ''}${metadata.settings.optimizer.runs.toLocaleString('en-US')} runs, ${metadata.settings.evmVersion})`;

// 1. Morpho Blue with solc 0.8.19.
process.stdout.write('gas bench: building Morpho Blue with solc 0.8.19 (profile morpho)\n');
forge('morpho', ['build']);
const morpho = await artifact(dirs.morphoOut, 'Morpho.sol', 'Morpho');
const irm = await artifact(dirs.morphoOut, 'IrmMock.sol', 'IrmMock');
const oracle = await artifact(dirs.morphoOut, 'OracleMock.sol', 'OracleMock');

// 2. The harness, each measured call its own transaction.
process.stdout.write('gas bench: building the harness with solc 0.8.30\n');
forge('default', ['build']);
const vault = await artifact(dirs.benchOut, 'CollateralVault.sol', 'CollateralVault');
process.stdout.write('gas bench: forge test --isolate\n');
const stdout = forge(
  'default',
  ['test', '--isolate', '--json'],
  {
    BENCH_MORPHO_CODE: morpho.bytecode.object,
    BENCH_MORPHO_IRM_CODE: irm.bytecode.object,
    BENCH_MORPHO_ORACLE_CODE: oracle.bytecode.object,
  },
  true,
);
let results: ForgeTestOutput;
try {
  results = JSON.parse(stdout) as ForgeTestOutput;
} catch (cause) {
  throw new GasBenchError('forge test --json printed no JSON', {
    details:
      stdout.slice(0, 2000) ||
      "See forge's error above. If it found no artifact for a library, that is an external library the vault now reaches: give it `libraries` entries in contracts/bench/foundry.toml and a line in GasBenchBase._deployLibraries.",
    cause,
  });
}
const tests = Object.entries(results).flatMap(([suite, { test_results }]) => Object.entries(test_results).map(([name, result]) => ({ name: `${suite}:${name}`, ...result })));
const failed = tests.filter((test) => test.status !== 'Success');
if (tests.length === 0 || failed.length > 0) {
  throw new GasBenchError(`${failed.length} of ${tests.length} gas bench tests failed`, {
    details: failed.map((test) => `${test.name}: ${test.reason ?? test.status}`).join('\n'),
  });
}
const snapshots = new Map<string, number>();
for (const test of tests) {
  for (const [name, value] of Object.entries(test.gas_snapshots?.[SNAPSHOT_GROUP] ?? {})) snapshots.set(name, Number(value));
}

// 3. The table.
function gas(name: string): { total: number; execution: number } {
  const total = snapshots.get(name);
  const intrinsic = snapshots.get(`${name}.intrinsic`);
  if (total === undefined || intrinsic === undefined) {
    throw new GasBenchError(`the harness recorded no gas for ${name}`, { details: 'Every row of gas.bench.ts needs a `_measure` call of that name in contracts/bench/test.' });
  }
  return { total, execution: total - intrinsic };
}
const known = new Set([
  ...ROWS.flatMap((row) => [`${row.id}.ballast`, ...(row.peer ? [`${row.id}.${row.peer.side}`] : [])]),
  ...LIQUIDATION_ROWS.map((row) => `${row.id}.ballast`),
]);
const unlisted = [...snapshots.keys()].filter((name) => !name.endsWith('.intrinsic') && !known.has(name));
if (unlisted.length > 0) process.stdout.write(`gas bench: measured but not in the table: ${unlisted.join(', ')}\n`);

const number = (value: number) => value.toLocaleString('en-US');
const times = (value: number) => `${value.toFixed(2)}×`;
const signed = (value: number) => `${value < 0 ? '−' : '+'}${number(Math.abs(value))}`;
const lines = [
  '| operation | user | Ballast gas | peer | peer gas | Ballast − peer | ratio | ratio without the 21,000 + calldata | target |',
  '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |',
];
const verdicts: string[] = [];
for (const row of ROWS) {
  const ballast = gas(`${row.id}.ballast`);
  const user = row.user === 'repeat' ? 'repeat' : 'first-time';
  if (!row.peer) {
    lines.push(`| ${row.ballast} | ${user} | ${number(ballast.total)} | — | — | — | — | — | — |`);
    continue;
  }
  const peer = gas(`${row.id}.${row.peer.side}`);
  const ratio = ballast.total / peer.total;
  let target = '—';
  if (row.target !== undefined) {
    const pass = ratio <= row.target;
    target = `≤ ${times(row.target)} **${pass ? 'pass' : 'miss'}**`;
    verdicts.push(`${row.ballast} vs ${row.peer.call}: ${times(ratio)} (target ≤ ${times(row.target)}) ${pass ? 'pass' : 'MISS'}`);
  }
  lines.push(
    `| ${row.ballast} | ${user} | ${number(ballast.total)} | ${row.peer.call} | ${number(peer.total)} | ${signed(ballast.total - peer.total)} | **${times(ratio)}** | ${times(ballast.execution / peer.execution)} | ${target} |`,
  );
}

const liquidationLines = [
  '| operation | case | Ballast gas | without the 21,000 + calldata |',
  '| --- | --- | ---: | ---: |',
  ...LIQUIDATION_ROWS.map((row) => {
    const ballast = gas(`${row.id}.ballast`);
    return `| ${row.ballast} | ${row.case} | ${number(ballast.total)} | ${number(ballast.execution)} |`;
  }),
];

const morphoPackage = JSON.parse(await readFile(join(repoRoot, 'node_modules', '@morpho-org', 'morpho-blue', 'package.json'), 'utf8')) as { version: string };
const forgeVersion = /Version:\s*(\S+)/.exec(spawnSync(FORGE, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown';
const section = [
  BEGIN,
  `_Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm bench:gas\` (forge ${forgeVersion}, \`forge test --isolate\`): ${compilerLine('Ballast and the OFT', vault.metadata)}; ${compilerLine(`Morpho Blue ${morphoPackage.version}`, morpho.metadata)}. Gas is the whole transaction's, as a receipt shows it: intrinsic 21,000 + calldata, execution, less refunds._`,
  '',
  ...lines,
  '',
  '### Liquidation',
  '',
  '_Reported, not judged: no peer, no target. One transaction each, as above._',
  '',
  ...liquidationLines,
  END,
].join('\n');

process.stdout.write(`\n${lines.join('\n')}\n\nLiquidation\n${liquidationLines.join('\n')}\n\n${verdicts.join('\n')}\n`);
const snapshotText = `${JSON.stringify(Object.fromEntries([...snapshots.entries()].filter(([name]) => !name.endsWith('.intrinsic')).sort(([a], [b]) => a.localeCompare(b))), null, 2)}\n`;
if (values.check) {
  const checkedIn = JSON.parse(await readFile(SNAPSHOT_PATH, 'utf8')) as Record<string, number>;
  const measured = JSON.parse(snapshotText) as Record<string, number>;
  const changed = [...new Set([...Object.keys(checkedIn), ...Object.keys(measured)])].filter((name) => checkedIn[name] !== measured[name]);
  if (changed.length > 0) {
    throw new GasBenchError(`${changed.length} gas numbers differ from ${SNAPSHOT_PATH}; run pnpm bench:gas to update it`, {
      details: changed.map((name) => `${name}: ${checkedIn[name] ?? '—'} → ${measured[name] ?? '—'}`).join('\n'),
    });
  }
  process.stdout.write(`gas snapshot matches ${SNAPSHOT_PATH}\n`);
} else if (!values['print-only']) {
  await writeFile(SNAPSHOT_PATH, snapshotText);
  process.stdout.write(`wrote ${SNAPSHOT_PATH}\n`);
  const current = await readFile(DOCS_PATH, 'utf8').catch(() => '# Benchmarks\n');
  const updated = current.includes(BEGIN)
    ? current.replace(new RegExp(`${BEGIN}[\\s\\S]*?${END}`), () => section)
    : `${current.trimEnd()}\n\n## Gas per operation\n\n${section}\n`;
  await writeFile(DOCS_PATH, updated);
  process.stdout.write(`wrote ${DOCS_PATH}\n`);
}
