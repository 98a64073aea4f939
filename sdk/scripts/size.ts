// Measures the SDK's main entry as a caller's bundler would ship it: minified ESM, viem external (the
// caller has it already), gzip beside it. `pnpm bench:sdk`; docs/BENCHMARKS.md records the numbers.
import { gzipSync } from 'node:zlib';
import { analyzeMetafile, build } from 'esbuild';
import { BROWSER_ENTRY, assertNoNodeImports } from './build.ts';

const TARGET_BYTES = 40 * 1024;

if (process.argv.includes('--help')) {
  console.log('Usage: pnpm bench:sdk [--verbose]\nPrints the minified (and gzipped) size of @ballast/sdk without viem, and the largest inputs.');
  process.exit(0);
}
const result = await build({ ...BROWSER_ENTRY, write: false, minify: true, outdir: '/sdk-size' });
const metafile = result.metafile as NonNullable<typeof result.metafile>;
assertNoNodeImports(metafile, '@ballast/sdk');
const output = result.outputFiles.find((file) => file.path.endsWith('index.js'));
if (!output) throw new Error('esbuild produced no index.js');
const bytes = output.contents.byteLength;
const gzipped = gzipSync(output.contents).byteLength;
console.log(await analyzeMetafile(metafile, { verbose: false }).then((text) => text.split('\n').slice(0, process.argv.includes('--verbose') ? 60 : 12).join('\n')));
console.log(`@ballast/sdk minified ESM without viem: ${(bytes / 1024).toFixed(1)} kB (gzip ${(gzipped / 1024).toFixed(1)} kB); target < ${TARGET_BYTES / 1024} kB: ${bytes < TARGET_BYTES ? 'met' : 'missed'}`);
