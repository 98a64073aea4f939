// The deployment graph: every chain (id, eid, RPC) and every contract on it. The devnet writes it;
// the courier, the relayer, the SDK and the tests read it through `loadDeployments`, so an address
// is written once. Checked at the edge: a bad field is reported by name. Browser-safe: reading the
// file from disk lives in deployments-file.ts (`@ballast/protocol/node`).
import { type Hex, getAddress, isAddress } from 'viem';
import { z } from 'zod';
import { CONTRACT_NAMES, type ContractName, DeploymentsError } from './deployment-graph.ts';

// Addresses are stored checksummed, so they compare equal to what viem returns.
const address = z.string().refine((value) => isAddress(value, { strict: false }), 'not a 20-byte hex address').transform((value) => getAddress(value));

const contractNames = Object.values(CONTRACT_NAMES) as [ContractName, ...ContractName[]];

/**
 * A chain's contracts: each known name typed (`ContractName`), and any further name a tool adds (a bench's
 * extra collateral tokens and feeds) kept as a plain address.
 */
export const contractsSchema = z.object(Object.fromEntries(contractNames.map((name) => [name, address.optional()])) as Record<ContractName, z.ZodOptional<typeof address>>).catchall(address);

export const layerZeroDeploymentSchema = z.object({
  endpoint: address,
  sendUln302: address,
  receiveUln302: address,
  priceFeed: address,
  dvn: address,
  dvnFeeLib: address,
  executor: address,
  executorFeeLib: address,
  /** Verifier id of the DVN (its `vid`). */
  dvnVid: z.number().int().nonnegative(),
  /** Addresses whose signatures the DVN accepts; `dvnQuorum` of them must sign. */
  dvnSigners: z.array(address).min(1),
  dvnQuorum: z.number().int().positive(),
});

/** Who governs a chain's Ballast contracts (docs/DECISIONS.md, "Governance"). */
export const governanceDeploymentSchema = z.object({
  /** OpenZeppelin TimelockController: owner of the chain's vault and oracle adapter, or of its mirror, and the OApp's LayerZero delegate. */
  timelock: address,
  /** Seconds an admin change waits between schedule and execute. */
  minDelay: z.number().int().nonnegative(),
  /** May pause exports (home) or draws (remote) at once, and nothing else. */
  guardian: address,
});

export const chainDeploymentSchema = z.object({
  /** Short name, unique in the file: `home`, `remote1`, … */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  role: z.enum(['home', 'remote']),
  chainId: z.number().int().positive(),
  /** LayerZero endpoint id. */
  eid: z.number().int().positive(),
  rpcUrl: z.url(),
  /** Blocks the DVN waits for before verifying a packet sent from this chain. */
  confirmations: z.number().int().nonnegative(),
  layerZero: layerZeroDeploymentSchema,
  /** Application contracts by name (`CONTRACT_NAMES`: `pingOApp`, `collateralVault`, `creditMirror`, …). */
  contracts: contractsSchema,
  /** Block at which this chain's contracts were deployed: where indexers start. */
  startBlock: z.number().int().nonnegative(),
  /** Set once Ballast is deployed and handed over; absent on a chain with LayerZero and PingOApp only. */
  governance: governanceDeploymentSchema.optional(),
});

export const deploymentsSchema = z
  .object({
    version: z.literal(1),
    network: z.string(),
    chains: z.array(chainDeploymentSchema).min(1),
  })
  .superRefine((value, context) => {
    const seen = { name: new Set<string>(), chainId: new Set<number>(), eid: new Set<number>() };
    value.chains.forEach((chain, index) => {
      for (const key of ['name', 'chainId', 'eid'] as const) {
        const set = seen[key] as Set<string | number>;
        if (set.has(chain[key])) context.addIssue({ code: 'custom', path: ['chains', index, key], message: `duplicate ${key} ${chain[key]}` });
        set.add(chain[key]);
      }
    });
    if (value.chains.filter((chain) => chain.role === 'home').length !== 1) {
      context.addIssue({ code: 'custom', path: ['chains'], message: 'exactly one chain must have role "home"' });
    }
  });

export type LayerZeroDeployment = z.infer<typeof layerZeroDeploymentSchema>;
export type GovernanceDeployment = z.infer<typeof governanceDeploymentSchema>;
export type ChainDeployment = z.infer<typeof chainDeploymentSchema>;
export type Deployments = z.infer<typeof deploymentsSchema>;


/** Validates a parsed deployments object; throws `DeploymentsError` naming each bad field. */
export function parseDeployments(value: unknown, source = 'deployments'): Deployments {
  const result = deploymentsSchema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new DeploymentsError(`Invalid deployments in ${source}: ${fields[0]}.`, {
    details: fields.join('\n'),
    docsPath: 'DEVNET.md#deployments-file',
  });
}

export type { Hex };
