// The devnet: K anvil chains (one home, the rest remotes), LayerZero v2 on each, every pathway
// wired, and one deployments file that every other package reads. `stop()` tears it all down.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ChainDeployment, type Deployments, parseDeployments } from '@ballast/protocol';
import { createTestClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Anvil, startAnvil } from './anvil.ts';
import { repoRoot } from './artifacts.ts';
import { ChainDeployer } from './deployer.ts';
import { devnetKeys } from './keys.ts';
import { deployLayerZero, wirePathway } from './layerzero.ts';
import { installMulticall3 } from './multicall.ts';

export const DEFAULT_DEPLOYMENTS_PATH = join(repoRoot, '.devnet', 'deployments.json');
/** First chain id and eid; chain i gets base + i. Distinct from each other and from real networks. */
export const DEVNET_CHAIN_ID_BASE = 71_000;
export const DEVNET_EID_BASE = 40_100;

export type DevnetOptions = {
  /** Number of chains, the first is home. @defaultValue 3 */
  chains?: number;
  /** Blocks the DVN waits for on every source chain. @defaultValue 0 (anvil mines per transaction) */
  confirmations?: number;
  /** Where to write the deployments file. @defaultValue `.devnet/deployments.json` */
  deploymentsPath?: string;
  /** Progress lines. */
  log?: (line: string) => void;
};

export type Devnet = {
  deployments: Deployments;
  deploymentsPath: string;
  anvils: Anvil[];
  /** Persists `deployments` again after contracts were added to it. */
  save: () => Promise<void>;
  stop: () => Promise<void>;
};

function chainName(index: number): string {
  return index === 0 ? 'home' : `remote${index}`;
}

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const count = options.chains ?? 3;
  const confirmations = options.confirmations ?? 0;
  const deploymentsPath = options.deploymentsPath ?? DEFAULT_DEPLOYMENTS_PATH;
  const log = options.log ?? (() => {});
  const anvils: Anvil[] = [];
  const stop = async () => {
    await Promise.all(anvils.map((anvil) => anvil.stop()));
  };
  try {
    for (let index = 0; index < count; index++) anvils.push(await startAnvil({ chainId: DEVNET_CHAIN_ID_BASE + index + 1 }));
    log(`started ${count} anvil chains: ${anvils.map((anvil) => anvil.rpcUrl).join(', ')}`);

    const dvnSigners = [privateKeyToAccount(devnetKeys.dvnSigner).address];
    const couriers = devnetKeys.couriers.map((key) => privateKeyToAccount(key).address);
    const sides = await Promise.all(
      anvils.map(async (anvil, index) => {
        const deployer = new ChainDeployer({ chainId: anvil.chainId, rpcUrl: anvil.rpcUrl, name: chainName(index) }, devnetKeys.deployer);
        // Different deployer nonces per chain give every contract a different address on each chain.
        await createTestClient({ chain: deployer.publicClient.chain, mode: 'anvil', transport: http(anvil.rpcUrl) }).setNonce({
          address: deployer.account.address,
          nonce: 1_000 * (index + 1),
        });
        const eid = DEVNET_EID_BASE + index + 1;
        const layerZero = await deployLayerZero({ eid, deployer, dvnSigners, couriers });
        const multicall3 = await installMulticall3(anvil.rpcUrl);
        return { anvil, deployer, eid, layerZero, index, multicall3 };
      }),
    );
    await Promise.all(
      sides.map(async (local) => {
        for (const remote of sides) {
          if (remote === local) continue;
          await wirePathway(local, remote.eid, { sendConfirmations: confirmations, receiveConfirmations: confirmations });
        }
      }),
    );
    log(`deployed LayerZero v2 (EndpointV2, ULN 302, DVN, Executor) and Multicall3 on every chain and wired ${count * (count - 1)} pathways`);

    const chains: ChainDeployment[] = await Promise.all(
      sides.map(async ({ anvil, eid, layerZero, index, deployer, multicall3 }) => ({
        name: chainName(index),
        role: index === 0 ? ('home' as const) : ('remote' as const),
        chainId: anvil.chainId,
        eid,
        rpcUrl: anvil.rpcUrl,
        confirmations,
        layerZero,
        contracts: { multicall3 },
        startBlock: Number(await deployer.publicClient.getBlockNumber()),
      })),
    );
    const deployments = parseDeployments({ version: 1, network: 'devnet', chains });
    const save = async () => {
      await mkdir(dirname(deploymentsPath), { recursive: true });
      await writeFile(deploymentsPath, `${JSON.stringify(parseDeployments(deployments), null, 2)}\n`);
    };
    await save();
    log(`wrote ${deploymentsPath}`);
    return { deployments, deploymentsPath, anvils, save, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
