// Builds @ballast/sdk for use without tsx: ESM JavaScript bundled from the sources with @ballast/protocol
// and the SDK's cut ABIs (src/abi.generated.ts) inlined and viem left external (callers bring their own),
// plus `.d.ts` declarations from tsc. `dist/index.js` runs in plain Node and in a bundler; the build fails
// if anything in its import graph is a `node:*` module (only `dist/node.js` may read files).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const sdkRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What both the package build and the size measurement bundle: the browser-safe entry, viem external. */
export const BROWSER_ENTRY: BuildOptions = {
  absWorkingDir: sdkRoot,
  entryPoints: { index: 'src/index.ts' },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  external: ['viem', 'viem/*'],
  metafile: true,
  logLevel: 'warning',
};

/** Throws if any module bundled into `entry`'s output imports `node:*`. */
export function assertNoNodeImports(metafile: NonNullable<Awaited<ReturnType<typeof build>>['metafile']>, entry: string): void {
  const offenders = Object.entries(metafile.inputs).flatMap(([file, input]) => input.imports.filter((imported) => imported.path.startsWith('node:')).map((imported) => `${file} → ${imported.path}`));
  if (offenders.length > 0) throw new Error(`${entry} must not import node:* (it has to run in a browser): ${offenders.join(', ')}`);
}

/** Where the workspace packages' declarations land under dist/types (tsc emits them through tsconfig.build.json's paths). */
const WORKSPACE_DECLARATIONS: Record<string, string> = {
  '@ballast/abi': 'packages/abi/src/index.js',
  '@ballast/protocol/core': 'packages/protocol/src/core.js',
  '@ballast/protocol/node': 'packages/protocol/src/node.js',
};

/**
 * Makes the emitted declarations resolve outside the workspace: relative `.ts` specifiers become `.js`
 * (the sources import with `.ts`, which a consumer's tsc refuses in a `.d.ts`), and the workspace packages
 * point at their own emitted declarations instead of their TypeScript sources.
 */
function portableDeclarations(root: string): void {
  const walk = (directory: string): string[] => readdirSync(directory, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(directory, entry.name)) : entry.name.endsWith('.d.ts') ? [join(directory, entry.name)] : []));
  for (const file of walk(root)) {
    let text = readFileSync(file, 'utf8').replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
    for (const [specifier, target] of Object.entries(WORKSPACE_DECLARATIONS)) {
      let path = relative(dirname(file), join(root, target));
      if (!path.startsWith('.')) path = `./${path}`;
      text = text.replaceAll(`'${specifier}'`, `'${path}'`).replaceAll(`"${specifier}"`, `"${path}"`);
    }
    writeFileSync(file, text);
  }
}

async function main(): Promise<void> {
  rmSync(join(sdkRoot, 'dist'), { recursive: true, force: true });
  const browser = await build({ ...BROWSER_ENTRY, outdir: join(sdkRoot, 'dist') });
  assertNoNodeImports(browser.metafile as NonNullable<typeof browser.metafile>, 'dist/index.js');
  const deployments = await build({ ...BROWSER_ENTRY, entryPoints: { deployments: 'src/deployments.ts' }, outdir: join(sdkRoot, 'dist') });
  assertNoNodeImports(deployments.metafile as NonNullable<typeof deployments.metafile>, 'dist/deployments.js');
  await build({ ...BROWSER_ENTRY, entryPoints: { node: 'src/node.ts' }, platform: 'node', outdir: join(sdkRoot, 'dist'), metafile: false });
  execFileSync(join(sdkRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(sdkRoot, 'tsconfig.build.json')], { stdio: 'inherit' });
  portableDeclarations(join(sdkRoot, 'dist', 'types'));
  console.log('built sdk/dist: index.js (browser-safe), node.js, types/');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
