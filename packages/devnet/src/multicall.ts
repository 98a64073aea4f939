// Multicall3 on every devnet chain, at the canonical address every public EVM chain has it at, so
// viem's `multicall` (and the SDK's one-round-trip position read) works on the devnet as on a real
// network. anvil's `setCode` puts the runtime code there: the canonical deployment is a pre-signed
// transaction a local chain cannot replay. The creation code is viem's own copy (what viem's deployless
// multicall sends), read from the installed package: viem exports the constant only internally.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Address, type Hex, createPublicClient, createTestClient, http } from 'viem';

/** Where Multicall3 lives on every public EVM chain (and on the devnet). */
export const MULTICALL3_ADDRESS: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';

let creationCode: Promise<Hex> | undefined;

/** Multicall3's creation code as viem ships it (`constants/contracts.js`, `multicall3Bytecode`). */
function multicall3CreationCode(): Promise<Hex> {
  creationCode ??= (async () => {
    const viemRoot = dirname(createRequire(import.meta.url).resolve('viem/package.json'));
    const source = await readFile(join(viemRoot, '_esm', 'constants', 'contracts.js'), 'utf8');
    const match = /multicall3Bytecode\s*=\s*'(0x[0-9a-fA-F]+)'/.exec(source);
    if (!match?.[1]) throw new Error(`viem at ${viemRoot} no longer ships multicall3Bytecode in _esm/constants/contracts.js: update installMulticall3`);
    return match[1] as Hex;
  })();
  return creationCode;
}

/** Installs Multicall3's runtime code at `MULTICALL3_ADDRESS` on the anvil at `rpcUrl`. */
export async function installMulticall3(rpcUrl: string): Promise<Address> {
  // Running the creation code as a call returns the runtime code without deploying anything.
  const { data: runtime } = await createPublicClient({ transport: http(rpcUrl) }).call({ data: await multicall3CreationCode() });
  if (!runtime) throw new Error(`Multicall3's creation code returned no runtime code on ${rpcUrl}`);
  await createTestClient({ mode: 'anvil', transport: http(rpcUrl) }).setCode({ address: MULTICALL3_ADDRESS, bytecode: runtime });
  return MULTICALL3_ADDRESS;
}
