// Measures what @ballast/sdk costs a caller's bundle: minified ESM, viem external (the caller has it
// already), gzip beside it — for the whole main entry, for the full client (every action bound by the
// decorator) and for narrower imports (the base client with only the actions a caller uses), each bundled
// on its own as a caller's bundler would. Chunks reached only by a dynamic `import()` are counted apart, as
// loaded on demand. `pnpm bench:sdk`; docs/BENCHMARKS.md records the numbers.
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Metafile, analyzeMetafile, build } from 'esbuild';
import { BROWSER_ENTRY, assertNoNodeImports } from './build.ts';

const TARGET_BYTES = 40 * 1024;

/** What a caller imports, and the module that does it (bundled from sdk/). */
const IMPORTS: { name: string; source: string }[] = [
  { name: 'main entry (import * as sdk)', source: "export * from './src/index.ts';" },
  { name: 'createBallastClient (every action bound)', source: "export { createBallastClient } from './src/index.ts';" },
  { name: 'base client + getPosition', source: "export { createBallastBaseClient, getPosition } from './src/index.ts';" },
  { name: 'base client + getMessage, waitForMessage', source: "export { createBallastBaseClient, getMessage, waitForMessage } from './src/index.ts';" },
  { name: 'base client + deposit, exportCredit, borrow', source: "export { createBallastBaseClient, deposit, exportCredit, borrow } from './src/index.ts';" },
  { name: 'base client + plan, execute', source: "export { createBallastBaseClient, plan, execute } from './src/index.ts';" },
  { name: 'decodeBallastError alone', source: "export { decodeBallastError } from './src/index.ts';" },
];

if (process.argv.includes('--help')) {
  console.log('Usage: pnpm bench:sdk [--verbose]\nPrints the minified (and gzipped) size of @ballast/sdk without viem — the main entry, the full client and narrower imports — and the largest inputs of the main entry (--verbose: all of them).');
  process.exit(0);
}

type Measured = { name: string; bytes: number; gzipped: number; lazyBytes: number; lazyGzipped: number; metafile: Metafile };

async function measure(name: string, source: string): Promise<Measured> {
  const { entryPoints: _, ...options } = BROWSER_ENTRY;
  const result = await build({ ...options, stdin: { contents: source, resolveDir: options.absWorkingDir, loader: 'ts', sourcefile: 'caller.ts' }, write: false, minify: true, splitting: true, outdir: '/sdk-size' });
  const metafile = result.metafile as Metafile;
  assertNoNodeImports(metafile, `@ballast/sdk (${name})`);
  const contents = new Map(result.outputFiles.map((file) => [file.path, file.contents]));
  const entry = Object.keys(metafile.outputs).find((path) => metafile.outputs[path]?.entryPoint);
  if (!entry) throw new Error(`esbuild produced no entry output for ${name}`);
  // What loads with the entry: it and the chunks it imports statically; the rest loads on a dynamic import().
  const eager = new Set<string>();
  const visit = (path: string): void => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  const bytesOf = (paths: string[]) => {
    const files = paths.map((path) => contents.get(resolve(options.absWorkingDir as string, path)) ?? new Uint8Array());
    return { bytes: files.reduce((sum, file) => sum + file.byteLength, 0), gzipped: files.reduce((sum, file) => sum + gzipSync(file).byteLength, 0) };
  };
  const outputs = Object.keys(metafile.outputs).filter((path) => path.endsWith('.js'));
  const loaded = bytesOf([...eager]);
  const lazy = bytesOf(outputs.filter((path) => !eager.has(path)));
  return { name, bytes: loaded.bytes, gzipped: loaded.gzipped, lazyBytes: lazy.bytes, lazyGzipped: lazy.gzipped, metafile };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const rows: Measured[] = [];
for (const { name, source } of IMPORTS) rows.push(await measure(name, source));

const main = rows[0] as Measured;
const verbose = process.argv.includes('--verbose');
console.log(await analyzeMetafile(main.metafile, { verbose: false }).then((text) => text.split('\n').slice(0, verbose ? 80 : 12).join('\n')));
const width = Math.max(...rows.map((row) => row.name.length));
console.log(`${'import'.padEnd(width)}  ${'minified'.padStart(9)}  ${'gzip'.padStart(8)}  ${'lazy chunks (gzip)'.padStart(20)}`);
for (const row of rows) {
  const lazy = row.lazyBytes > 0 ? `${kB(row.lazyBytes)} (${kB(row.lazyGzipped)})` : '—';
  console.log(`${row.name.padEnd(width)}  ${kB(row.bytes).padStart(9)}  ${kB(row.gzipped).padStart(8)}  ${lazy.padStart(20)}`);
}
const client = rows[1] as Measured;
console.log(`@ballast/sdk minified ESM without viem, full client: ${kB(client.bytes)} (gzip ${kB(client.gzipped)}); target < ${TARGET_BYTES / 1024} kB: ${client.bytes < TARGET_BYTES ? 'met' : 'missed'}`);
