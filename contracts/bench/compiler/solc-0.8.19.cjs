#!/usr/bin/env node
// solc 0.8.19 for forge, used only by the gas bench's `morpho` profile (Morpho Blue is pragma 0.8.19).
// It is the main shim (contracts/compiler/solc.cjs, solcjs 0.8.30) run over the npm alias
// `solc-0.8.19` instead of `solc`: the alias is placed in Node's module cache under the path the main
// shim's `require('solc')` resolves to, so both compilers share one shim and the main one is untouched.
'use strict';

const Module = require('node:module');

const solcEntry = require.resolve('solc', { paths: [require('node:path').join(__dirname, '../../compiler')] });
const alias = new Module(solcEntry, module);
alias.filename = solcEntry;
alias.exports = require('solc-0.8.19');
alias.loaded = true;
require.cache[solcEntry] = alias;

require('../../compiler/solc.cjs');
