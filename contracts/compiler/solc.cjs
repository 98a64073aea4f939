#!/usr/bin/env node
// solc stand-in for forge on machines without a native compiler: answers `--version` and
// `--standard-json` (stdin -> stdout) with the npm `solc` package (solcjs, pinned in the root
// package.json). foundry.toml points `solc` here and sets `offline = true`.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write(
    'solc shim: only --version and --standard-json are supported (it serves forge, not people).\n',
  );
  process.exit(2);
}

// Directories forge allows imports from: --base-path, --include-path (repeatable), --allow-paths.
const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  const flag = args[i];
  if (flag === '--base-path' || flag === '--include-path') roots.push(args[++i]);
  else if (flag === '--allow-paths') roots.push(...args[++i].split(','));
}

/** Resolves an import forge did not inline, through the same roots native solc would use. */
function findImports(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `solc shim: cannot resolve import ${importPath} under ${roots.join(', ')}` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
