// A redis-server of a suite's own, on a free loopback port, for faults the shared Redis must never
// see: memory limits, ACL users removed and restored, a switch to replica and back. `admin` is a
// connection as the default user that the suite uses to inject and lift each fault.
import { type LocalRedis, ensureRedis } from '@ballast/devnet';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';

export type PrivateRedis = {
  /** `redis://127.0.0.1:<port>` (the default user, no password). */
  url: string;
  port: number;
  admin: Redis;
  /** Stops the server and closes `admin`. */
  stop: () => Promise<void>;
};

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const local: LocalRedis = await ensureRedis(url);
  if (!local.started) throw new Error(`a Redis already answers on ${url}; a private one was wanted`);
  const admin = new Redis(url, { maxRetriesPerRequest: null });
  return {
    url,
    port,
    admin,
    stop: async () => {
      admin.disconnect();
      await local.stop();
    },
  };
}

/** `redis://<user>:<password>@127.0.0.1:<port>` for an ACL user of `redis`. */
export function userUrl(redis: PrivateRedis, user: string, password: string): string {
  return `redis://${user}:${password}@127.0.0.1:${redis.port}`;
}
