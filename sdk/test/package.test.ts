// The built package, as a caller without tsx gets it: `pnpm --filter @ballast/sdk build` writes ESM to
// sdk/dist, which plain `node` imports (with viem resolved from node_modules), whose main entry has no
// `node:*` module in its graph, and which decodes a contract error and builds a client like the sources.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';

const sdkRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

beforeAll(() => {
  execFileSync(process.execPath, [join(sdkRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(sdkRoot, 'scripts', 'build.ts')], { cwd: sdkRoot, stdio: 'pipe' });
}, 300_000);

test('the built ESM imports in plain node, without tsx, and works', () => {
  const script = `
    const sdk = await import(${JSON.stringify(join(sdkRoot, 'dist', 'index.js'))});
    const { encodeErrorResult, parseAbi } = await import('viem');
    const data = encodeErrorResult({ abi: parseAbi(['error Vault_ZeroAmount()']), errorName: 'Vault_ZeroAmount' });
    const error = sdk.decodeBallastError(data);
    const power = sdk.decodeBallastError(encodeErrorResult({ abi: parseAbi(['error Vault_ExportExceedsPower(address account, uint256 requested, uint256 available)']), errorName: 'Vault_ExportExceedsPower', args: ['0x0000000000000000000000000000000000000001', 5n, 3n] }));
    const node = await import(${JSON.stringify(join(sdkRoot, 'dist', 'node.js'))});
    console.log(JSON.stringify({ exports: Object.keys(sdk).length, errorName: error.errorName, isBallast: error instanceof sdk.BallastError, power: { name: power.errorName, available: String(power.args[2]), message: power.shortMessage }, load: typeof node.loadDeployments, create: typeof sdk.createBallastClient, base: typeof sdk.createBallastBaseClient }));
  `;
  // Plain node: no loader, no tsx; run from sdk/ so `viem` resolves from its node_modules.
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: sdkRoot, encoding: 'utf8' });
  expect(JSON.parse(output.trim())).toEqual({
    exports: expect.any(Number),
    errorName: 'Vault_ZeroAmount',
    isBallast: true,
    // An error with arguments decodes against the bundled ABIs with its notice and its remedy.
    power: { name: 'Vault_ExportExceedsPower', available: '3', message: expect.stringMatching(/exported credit over borrowing power.*maxExport/) },
    load: 'function',
    create: 'function',
    base: 'function',
  });
});

test('the main entry is browser-safe (no node:* import anywhere in it) and ships declarations', () => {
  const bundle = readFileSync(join(sdkRoot, 'dist', 'index.js'), 'utf8');
  expect(bundle).not.toMatch(/from\s*["']node:/);
  expect(bundle).not.toMatch(/import\(["']node:/);
  // Only viem stays external.
  const external = [...bundle.matchAll(/\bfrom\s*"([^"]+)";/g)].map((match) => match[1]);
  expect(new Set(external)).toEqual(new Set(['viem']));
  for (const entry of ['index', 'node', 'deployments']) expect(existsSync(join(sdkRoot, 'dist', 'types', 'sdk', 'src', `${entry}.d.ts`)), entry).toBe(true);
});

test('the declarations type a caller outside the workspace: createBallastClient → getPosition carries its types', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ballast-sdk-consumer-'));
  try {
    const consumer = join(directory, 'consumer.ts');
    writeFileSync(
      consumer,
      [
        `import { createBallastClient, type GetPositionReturnType } from ${JSON.stringify(join(sdkRoot, 'dist', 'types', 'sdk', 'src', 'index.js'))};`,
        'declare const deployments: Parameters<typeof createBallastClient>[0]["deployments"];',
        'const client = createBallastClient({ deployments });',
        "const position: Promise<GetPositionReturnType> = client.getPosition({ account: '0x0000000000000000000000000000000000000001' });",
        // The one deliberate error: types flowed through (an `any` would make it pass).
        'export const wrong: number = position;',
      ].join('\n'),
    );
    let output = '';
    try {
      execFileSync(join(sdkRoot, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(sdkRoot, '..', 'node_modules', '@types'), consumer], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    const errors = output.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/consumer\.ts\(5,14\): error TS2322: Type 'Promise<GetPositionReturnType>' is not assignable to type 'number'/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}, 300_000);
