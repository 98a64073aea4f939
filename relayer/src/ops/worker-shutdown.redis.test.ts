// Graceful worker shutdown on a real Redis: jobs that finish within the grace period complete; jobs
// still running at its end go back to waiting at once (not after their lock expires) and another
// worker takes them.
import { ensureRedis, type LocalRedis } from '@ballast/devnet';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { InFlightJobs, closeWorkerGracefully } from './worker-shutdown.ts';

let local: LocalRedis;
let redis: Redis;
const prefix = `test-shutdown-${process.pid}-${Date.now()}`;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  local = await ensureRedis();
  redis = new Redis(local.url, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await local.stop();
});

function worker(name: string, workMs: number, inFlight: InFlightJobs<{ n: number }, string>): Worker<{ n: number }, string> {
  const instance = new Worker<{ n: number }, string>(
    name,
    inFlight.wrap(async (job: Job<{ n: number }, string>) => {
      await new Promise((resolve) => setTimeout(resolve, workMs));
      return `done ${job.data.n}`;
    }),
    { connection: new Redis(local.url, { maxRetriesPerRequest: null }), prefix, concurrency: 4, lockDuration: 30_000 },
  );
  closers.push(() => instance.close(true).then(() => instance.disconnect()));
  return instance;
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('jobs that finish within the grace period complete', async () => {
  const queue = new Queue('quick', { connection: redis, prefix });
  closers.push(() => queue.close());
  const inFlight = new InFlightJobs<{ n: number }, string>();
  const quick = worker('quick', 300, inFlight);
  await queue.addBulk([1, 2].map((n) => ({ name: 'work', data: { n } })));
  await until(async () => (await queue.getActiveCount()) === 2);
  const outcome = await closeWorkerGracefully({ worker: quick, inFlight, graceMs: 5_000 });
  expect(outcome).toEqual({ finished: true, handedBack: 0 });
  expect(await queue.getJobCounts('completed', 'active', 'waiting')).toEqual({ completed: 2, active: 0, waiting: 0 });
});

test('jobs still running at the end of the grace period are handed back and taken by another worker at once', async () => {
  const queue = new Queue('slow', { connection: redis, prefix });
  closers.push(() => queue.close());
  const inFlight = new InFlightJobs<{ n: number }, string>();
  const slow = worker('slow', 20_000, inFlight);
  await queue.addBulk([1, 2, 3].map((n) => ({ name: 'work', data: { n } })));
  await until(async () => (await queue.getActiveCount()) === 3);
  const started = Date.now();
  const outcome = await closeWorkerGracefully({ worker: slow, inFlight, graceMs: 300 });
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(outcome).toEqual({ finished: false, handedBack: 3 });
  expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 0, waiting: 3 });
  // Well before the 30 s lock would have expired.
  worker('slow', 10, new InFlightJobs());
  await until(async () => (await queue.getCompletedCount()) === 3, 5_000);
});
