// ensureRedis: uses a Redis that answers, starts one on a free loopback port when none does, and
// says what to do when it cannot.
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { liveChildren } from './processes.ts';
import { RedisUnavailableError, ensureRedis } from './redis.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('ensureRedis', () => {
  test('starts redis-server on a loopback port where none answers, and stops it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const redis = await ensureRedis(url);
    expect(redis.started).toBe(true);
    const client = new Redis(url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await redis.stop();
    expect(liveChildren()).toEqual([]);
  });

  test('uses a Redis that already answers and leaves it running', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const first = await ensureRedis(url);
    const second = await ensureRedis(url);
    expect(second.started).toBe(false);
    await second.stop();
    const client = new Redis(url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await first.stop();
  });

  test('refuses a remote Redis that does not answer, with what to do', async () => {
    const error = await ensureRedis('redis://ballast-redis.invalid:6379').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain('No Redis answers at redis://ballast-redis.invalid:6379');
    expect((error as Error).message).toContain('REDIS_URL');
  });
});
