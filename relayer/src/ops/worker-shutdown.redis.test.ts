// Graceful worker shutdown on a real Redis: jobs that finish within the grace period complete; jobs
// still running at its end go back to waiting at once (not after their lock expires) and another
// worker takes them.
import { type Job, Queue, Worker } from 'bullmq';
import { expect, test } from 'vitest';
import { redisSuite } from '../../../test/support/redis-suite.ts';
import { waitUntil } from '../../../test/support/wait.ts';
import { InFlightJobs, closeWorkerGracefully } from './worker-shutdown.ts';

const suite = redisSuite('shutdown');
const { prefix } = suite;

function worker(name: string, workMs: number, inFlight: InFlightJobs<{ n: number }, string>): Worker<{ n: number }, string> {
  const instance = new Worker<{ n: number }, string>(
    name,
    inFlight.wrap(async (job: Job<{ n: number }, string>) => {
      await new Promise((resolve) => setTimeout(resolve, workMs));
      return `done ${job.data.n}`;
    }),
    { connection: suite.connection(), prefix, concurrency: 4, lockDuration: 30_000 },
  );
  suite.onClose(() => instance.close(true).then(() => instance.disconnect()));
  return instance;
}

test('jobs that finish within the grace period complete', async () => {
  const queue = new Queue('quick', { connection: suite.redis, prefix });
  suite.onClose(() => queue.close());
  const inFlight = new InFlightJobs<{ n: number }, string>();
  const quick = worker('quick', 300, inFlight);
  await queue.addBulk([1, 2].map((n) => ({ name: 'work', data: { n } })));
  await waitUntil('both jobs in flight', async () => (await queue.getActiveCount()) === 2, 10_000, 20);
  const outcome = await closeWorkerGracefully({ worker: quick, inFlight, graceMs: 5_000 });
  expect(outcome).toEqual({ finished: true, handedBack: 0 });
  expect(await queue.getJobCounts('completed', 'active', 'waiting')).toEqual({ completed: 2, active: 0, waiting: 0 });
});

test('jobs still running at the end of the grace period are handed back and taken by another worker at once', async () => {
  const queue = new Queue('slow', { connection: suite.redis, prefix });
  suite.onClose(() => queue.close());
  const inFlight = new InFlightJobs<{ n: number }, string>();
  const slow = worker('slow', 20_000, inFlight);
  await queue.addBulk([1, 2, 3].map((n) => ({ name: 'work', data: { n } })));
  await waitUntil('all three jobs in flight', async () => (await queue.getActiveCount()) === 3, 10_000, 20);
  const started = Date.now();
  const outcome = await closeWorkerGracefully({ worker: slow, inFlight, graceMs: 300 });
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(outcome).toEqual({ finished: false, handedBack: 3 });
  expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 0, waiting: 3 });
  // Well before the 30 s lock would have expired.
  worker('slow', 10, new InFlightJobs());
  await waitUntil('another worker to complete the three', async () => (await queue.getCompletedCount()) === 3, 5_000, 20);
});
