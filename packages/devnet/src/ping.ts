// Deploys PingOApp on every devnet chain and makes each the peer of all the others: the smallest
// application the courier's tests, the demo and `pnpm devnet` use to prove every pathway.
import { pingOAppAbi } from '@ballast/abi';
import { addressToBytes32 } from '@ballast/protocol';
import type { Address } from 'viem';
import { forgeBytecode } from './artifacts.ts';
import { ChainDeployer } from './deployer.ts';
import type { Devnet } from './devnet.ts';
import { devnetKeys } from './keys.ts';

export const PING_OAPP = 'pingOApp';

export async function deployPingOApps(devnet: Devnet): Promise<Record<number, Address>> {
  const { chains } = devnet.deployments;
  const deployers = chains.map((chain) => new ChainDeployer(chain, devnetKeys.deployer));
  const bytecode = forgeBytecode('PingOApp');
  const addresses = await Promise.all(
    chains.map((chain, index) =>
      (deployers[index] as ChainDeployer).deploy('PingOApp', bytecode, pingOAppAbi, [chain.layerZero.endpoint, (deployers[index] as ChainDeployer).account.address]),
    ),
  );
  await Promise.all(
    chains.map(async (chain, index) => {
      const deployer = deployers[index] as ChainDeployer;
      for (const [peerIndex, peer] of chains.entries()) {
        if (peerIndex === index) continue;
        await deployer.write('PingOApp.setPeer', addresses[index] as Address, pingOAppAbi, 'setPeer', [peer.eid, addressToBytes32(addresses[peerIndex] as Address)]);
      }
      chain.contracts[PING_OAPP] = addresses[index] as Address;
    }),
  );
  await devnet.save();
  return Object.fromEntries(chains.map((chain, index) => [chain.eid, addresses[index] as Address]));
}
