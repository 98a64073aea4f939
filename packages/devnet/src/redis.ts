// Redis for the relayer's queues: use the one that answers, or start a local redis-server (no
// persistence) when none does. A machine without redis-server gets a clear install hint.
import { execFileSync } from 'node:child_process';
import { BallastError } from '@ballast/protocol';
import { Redis } from 'ioredis';
import { startProcess, stopProcess } from './processes.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class RedisUnavailableError extends BallastError {
  override name = 'RedisUnavailableError';
}

export type LocalRedis = { url: string; started: boolean; stop: () => Promise<void> };

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function redisServerPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Returns a Redis that answers at `url`, starting one on its loopback port when needed. */
export async function ensureRedis(url = process.env.REDIS_URL ?? DEFAULT_REDIS_URL): Promise<LocalRedis> {
  if (await answers(url)) return { url, started: false, stop: async () => {} };
  const { hostname, port } = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) {
    throw new RedisUnavailableError(`No Redis answers at ${url}.`, { details: 'Start it, or unset REDIS_URL to use a local one.', docsPath: 'DEVNET.md#redis' });
  }
  const binary = redisServerPath();
  if (!binary) {
    throw new RedisUnavailableError(`No Redis answers at ${url} and redis-server is not installed.`, {
      details: 'Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`), or point REDIS_URL at a running Redis.',
      docsPath: 'DEVNET.md#redis',
    });
  }
  const { child } = await startProcess(binary, ['--port', port || '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    ready: /Ready to accept connections/,
    name: 'redis-server',
  });
  return { url, started: true, stop: () => stopProcess(child) };
}
