// Generates src/abi.generated.ts: the ABIs the SDK bundles, cut from @ballast/abi's whole generated ABIs
// down to what the SDK calls, so a caller's bundle does not carry every admin function of every contract.
// Per contract it keeps the functions and events whose name the SDK's sources spell as a string literal
// (typed calls: a name missing here is a tsc error in the action that uses it), every event of the vault
// and the mirror (getMessage reports all of a receiver's events on arrival, whatever their name) and every
// custom error (a revert must decode). Each item is written as its human-readable signature and parsed by
// viem's `parseAbi` on import (≈ 6 ms for all of them), which types it exactly like the JSON item and takes
// half its bytes in a bundle; `internalType` is lost on the way, and viem never reads it. Run by `pnpm build:abi`
// after the ABIs are generated; the output is not committed.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as abis from '@ballast/abi';
import { formatAbiItem } from 'abitype';

const sdkRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The contracts the SDK talks to, by their export name in @ballast/abi. */
const CONTRACTS = ['chainlinkOracleAdapterAbi', 'collateralVaultAbi', 'creditLendingPoolAbi', 'creditMirrorAbi', 'endpointV2Abi', 'receiveUln302Abi'] as const;

/** Contracts whose events getMessage decodes without naming them (the receivers of Ballast messages). */
const EVERY_EVENT = new Set<string>(['collateralVaultAbi', 'creditMirrorAbi']);

type AbiItem = { type: string; name?: string; [key: string]: unknown };

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.generated.ts') ? [path] : [];
  });
}

/** Every identifier-shaped string literal in the SDK's non-test sources: the names it may call or decode. */
function namesInSources(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(sdkRoot, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(['"`])([A-Za-z_$][\w$]*)\1/g)) names.add(match[2] as string);
  }
  return names;
}

/** `name(type,…)`: errors with one signature are one ABI item, whichever contracts declare them. */
function signatureOf(item: AbiItem): string {
  const types = (item.inputs as { type: string }[]).map((input) => input.type);
  return `${item.name as string}(${types.join(',')})`;
}

/** The item as a human-readable signature (`function deposit(address asset, uint256 amount) payable`). */
const readable = (item: AbiItem): string => formatAbiItem(item as unknown as Parameters<typeof formatAbiItem>[0]);

/** `parseAbi([...])`, marked pure so a bundler drops the ABIs a caller never reaches. */
const parsed = (signatures: string[]): string => `/* @__PURE__ */ parseAbi([\n${signatures.map((signature) => `  ${signature},`).join('\n')}\n])`;

const used = namesInSources();
// Each error's signature is written once, as its own constant, and every contract's ABI refers to it: a
// bundle that only decodes reverts carries the errors without any contract's functions, and none carries
// an error twice.
const errors = new Map<string, { constant: string; signature: string }>();
const modules: string[] = [];
const counts: string[] = [];
for (const contract of CONTRACTS) {
  const abi = abis[contract] as readonly AbiItem[];
  const kept = abi.filter((item) => {
    if (item.type === 'error') return true;
    if (item.type === 'function') return used.has(item.name as string);
    if (item.type === 'event') return EVERY_EVENT.has(contract) || used.has(item.name as string);
    return false;
  });
  const signatures = kept.map((item) => {
    if (item.type !== 'error') return JSON.stringify(readable(item));
    const key = signatureOf(item);
    let error = errors.get(key);
    if (!error) {
      error = { constant: `${item.name as string}Error${errors.size}`, signature: readable(item) };
      errors.set(key, error);
    }
    return error.constant;
  });
  modules.push(`/** ${contract} from @ballast/abi, cut to what the SDK uses (see sdk/scripts/generate-abi.ts). */\nexport const ${contract} = ${parsed(signatures)};`);
  const kinds = (type: string) => `${kept.filter((item) => item.type === type).length}/${abi.filter((item) => item.type === type).length}`;
  counts.push(`${contract}: functions ${kinds('function')}, events ${kinds('event')}, errors ${kinds('error')}`);
}
const constants = [...errors.values()].map(({ constant, signature }) => `const ${constant} = ${JSON.stringify(signature)};`);
const errorList = `/** Every custom error of these contracts, once per signature: what a revert is decoded against. */\nexport const ballastErrorAbi = ${parsed([...errors.values()].map(({ constant }) => constant))};`;
const out = join(sdkRoot, 'src', 'abi.generated.ts');
writeFileSync(out, `// Generated by sdk/scripts/generate-abi.ts from @ballast/abi: do not edit.\nimport { parseAbi } from 'viem';\n\n${constants.join('\n')}\n\n${errorList}\n\n${modules.join('\n\n')}\n`);
console.log(`wrote ${out}: ${errors.size} distinct errors\n  ${counts.join('\n  ')}`);
