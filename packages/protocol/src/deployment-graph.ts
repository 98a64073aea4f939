// The deployment graph's names and lookups, free of the schema library: which contract names a chain
// may hold, and finding a chain or a contract in a parsed graph. Browser code (the SDK) imports these
// without pulling zod in; deployments.ts holds the schema that checks a file at the edge.
import type { Address } from 'viem';
import type { ChainDeployment, Deployments } from './deployments.ts';
import { BallastError } from './errors.ts';

/**
 * Every contract name Ballast writes into a chain's `contracts`, by role: the one list the devnet, the
 * relayer and the SDK name contracts by. `multicall3` is where a chain's Multicall3 lives when it is not
 * at the canonical address (the devnet records it).
 */
export const CONTRACT_NAMES = {
  ping: 'pingOApp',
  vault: 'collateralVault',
  oracle: 'oracleAdapter',
  weth: 'weth',
  wbtc: 'wbtc',
  wethFeed: 'wethFeed',
  wbtcFeed: 'wbtcFeed',
  vaultLogic: 'vaultLogic',
  vaultRisk: 'vaultRisk',
  mirror: 'creditMirror',
  usdc: 'usdc',
  pool: 'lendingPool',
  multicall3: 'multicall3',
} as const;

/** A contract name a deployments file may hold (see `CONTRACT_NAMES`). */
export type ContractName = (typeof CONTRACT_NAMES)[keyof typeof CONTRACT_NAMES];

export class DeploymentsError extends BallastError {
  override name = 'DeploymentsError';
}

export function chainByEid(deployments: Deployments, eid: number): ChainDeployment {
  const chain = deployments.chains.find((candidate) => candidate.eid === eid);
  if (!chain) throw new DeploymentsError(`No chain with eid ${eid} in deployments (${deployments.chains.map((c) => c.eid).join(', ')}).`);
  return chain;
}

export function homeChain(deployments: Deployments): ChainDeployment {
  return deployments.chains.find((chain) => chain.role === 'home') as ChainDeployment;
}

/** The address of contract `name` on `chain`; throws `DeploymentsError` naming what the chain has when it is missing. */
export function contractAddress(chain: ChainDeployment, name: ContractName): Address;
/** @deprecated Name a `ContractName`; a plain string is accepted for names a tool added itself. */
export function contractAddress(chain: ChainDeployment, name: string): Address;
export function contractAddress(chain: ChainDeployment, name: string): Address {
  const value = chain.contracts[name];
  if (!value) throw new DeploymentsError(`No contract "${name}" on chain ${chain.name} (has: ${Object.keys(chain.contracts).join(', ') || 'none'}).`);
  return value;
}

