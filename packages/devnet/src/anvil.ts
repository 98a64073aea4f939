// One local chain: an anvil process on a free loopback port.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startProcess, stopProcess } from './processes.ts';

const require = createRequire(import.meta.url);

/** Path of the anvil binary shipped in the npm package (no foundryup, nothing downloaded). */
export function anvilBinary(): string {
  const packageJson = require.resolve('@foundry-rs/anvil-linux-amd64/package.json', {
    paths: [dirname(require.resolve('@foundry-rs/anvil/package.json'))],
  });
  return join(dirname(packageJson), 'bin', 'anvil');
}

export type AnvilOptions = {
  chainId: number;
  /** Seconds between blocks; undefined = mine on every transaction. */
  blockTime?: number | undefined;
};

export type Anvil = { rpcUrl: string; port: number; chainId: number; child: ChildProcess; stop: () => Promise<void> };

export async function startAnvil({ chainId, blockTime }: AnvilOptions): Promise<Anvil> {
  const args = ['--port', '0', '--host', '127.0.0.1', '--chain-id', String(chainId), '--accounts', '10', '--balance', '1000000'];
  if (blockTime !== undefined) args.push('--block-time', String(blockTime));
  const { child, match } = await startProcess(anvilBinary(), args, {
    ready: /Listening on 127\.0\.0\.1:(\d+)/,
    name: `anvil (chain ${chainId})`,
  });
  const port = Number(match[1]);
  return { rpcUrl: `http://127.0.0.1:${port}`, port, chainId, child, stop: () => stopProcess(child) };
}
