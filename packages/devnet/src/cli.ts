// pnpm devnet: brings up the local chains with LayerZero v2 and PingOApp, writes the deployments
// file, prints what a courier needs, and runs until Ctrl-C (then tears everything down).
import { parseArgs } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { DEFAULT_DEPLOYMENTS_PATH, startDevnet } from './devnet.ts';
import { devnetKeys } from './keys.ts';
import { deployPingOApps } from './ping.ts';
import { onShutdown } from './processes.ts';

const HELP = `pnpm devnet [options]

Starts local anvil chains (the first is home), deploys LayerZero v2 (EndpointV2, ULN 302, DVN,
Executor) and PingOApp on each, wires every pathway, writes the deployments file, and runs until
Ctrl-C. Run a courier beside it to carry packets (the command is printed at start).

Options:
  --chains <n>          Number of chains (default 3)
  --confirmations <n>   Blocks the DVN waits for on every source chain (default 0)
  --out <path>          Deployments file (default ${DEFAULT_DEPLOYMENTS_PATH})
  -h, --help            This help.
`;

const { values } = parseArgs({
  options: {
    chains: { type: 'string', default: '3' },
    confirmations: { type: 'string', default: '0' },
    out: { type: 'string', default: DEFAULT_DEPLOYMENTS_PATH },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const chains = Number(values.chains);
const confirmations = Number(values.confirmations);
if (!Number.isInteger(chains) || chains < 2 || chains > 16) throw new Error('--chains must be an integer from 2 to 16');
if (!Number.isInteger(confirmations) || confirmations < 0) throw new Error('--confirmations must be a non-negative integer');

const log = (line: string) => process.stdout.write(`${line}\n`);
const devnet = await startDevnet({ chains, confirmations, deploymentsPath: values.out, log });
onShutdown(devnet.stop);
await deployPingOApps(devnet);
for (const chain of devnet.deployments.chains) {
  log(`${chain.name.padEnd(8)} chain ${chain.chainId}  eid ${chain.eid}  ${chain.rpcUrl}  endpoint ${chain.layerZero.endpoint}  pingOApp ${chain.contracts.pingOApp}`);
}
log(`
To carry packets, run in another terminal:
  BALLAST_TRANSACTOR_KEY=${devnetKeys.couriers[0]} \\
  BALLAST_DVN_SIGNER_KEYS=${devnetKeys.dvnSigner} \\
  pnpm --filter @ballast/relayer ballast-relayer start --deployments ${values.out}
(courier transactor ${privateKeyToAccount(devnetKeys.couriers[0]).address}; devnet keys are public, never use them elsewhere)

Devnet running. Ctrl-C stops it.`);
await new Promise(() => {});
