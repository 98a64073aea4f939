// `drain`, `status` and `resume` as operators run them (the CLI in its own process) on a real Redis
// with jobs queued and in flight: drain pauses the prefix's queues so no worker takes a new job, waits
// for the jobs in flight to finish, and status shows the paused queue with what is left; resume lets
// the workers take the rest. A drain that outlasts its timeout says so and exits 1.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Queue, Worker } from 'bullmq';
import type { Hex } from 'viem';
import { expect, test } from 'vitest';
import { redisSuite } from '../../test/support/redis-suite.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { DELIVER_QUEUE } from '../src/courier/courier.ts';
import { CourierLedger } from '../src/courier/ledger.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const suite = redisSuite('drain');
const { prefix } = suite;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'relayer/src/cli/main.ts', ...args, '--redis', suite.url], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A worker of `queue` whose every job takes `workMs`. */
function slowWorker(queuePrefix: string, workMs: number): Worker {
  const worker = new Worker(DELIVER_QUEUE, () => new Promise((done) => setTimeout(() => done('ok'), workMs)), {
    connection: suite.connection(),
    prefix: queuePrefix,
    concurrency: 2,
  });
  suite.onClose(() => worker.close(true).then(() => worker.disconnect()));
  return worker;
}

test('drain waits for the jobs in flight and leaves the rest queued; status shows it; resume lets them run', async () => {
  const { redis } = suite;
  const queue = new Queue(DELIVER_QUEUE, { connection: redis, prefix });
  suite.onClose(() => queue.close());
  await new CourierLedger(redis, prefix).recordFailure(
    { guid: `0x${'aa'.repeat(32)}` as Hex, srcEid: 40101, dstEid: 40102, nonce: '7', encodedPacket: '0x', options: '0x', srcTxHash: `0x${'bb'.repeat(32)}`, srcBlock: '12', observedAt: Date.now() },
    'PingOApp_Refused(40101, 7)',
    'reverted',
    3,
  );
  // Jobs long enough that the ones in flight are still running when drain pauses the queue, however long
  // the CLI takes to start (10 s measured on two cores shared with other suites).
  slowWorker(prefix, 15_000);
  await queue.addBulk([1, 2, 3, 4, 5, 6].map((n) => ({ name: 'deliver', data: { n } })));
  await waitUntil('two jobs in flight', async () => (await queue.getActiveCount()) === 2, 15_000, 25);

  const started = Date.now();
  const drain = await cli(['drain', '--prefix', prefix]);
  expect(drain.code, drain.stderr).toBe(0);
  const report = JSON.parse(drain.stdout);
  expect(report).toMatchObject({ paused: [DELIVER_QUEUE], stillActive: 0, drained: true });
  expect(report.activeAtPause).toBeGreaterThan(0);
  expect(drain.stderr).toContain(`waiting for ${report.activeAtPause} job(s) in flight`);
  // The jobs in flight finished (none failed or dropped), nothing is running, the rest wait.
  const after = (await queue.getJobCounts('completed', 'failed', 'active', 'waiting')) as Record<'completed' | 'failed' | 'active' | 'waiting', number>;
  expect(after).toMatchObject({ failed: 0, active: 0 });
  expect(after.completed + after.waiting).toBe(6);
  expect(after.waiting).toBeGreaterThanOrEqual(2);
  // Drain returned once the jobs in flight were done, not at its 60 s timeout.
  expect(Date.now() - started).toBeLessThan(60_000);
  // Paused: no worker takes another job.
  await new Promise((wait) => setTimeout(wait, 500));
  expect(await queue.getJobCounts('completed', 'failed', 'active', 'waiting')).toEqual(after);

  const status = await cli(['status', '--prefix', prefix, '--deployments', '/nonexistent/deployments.json']);
  expect(status.code, status.stderr).toBe(0);
  const shown = JSON.parse(status.stdout);
  expect(shown.prefix).toBe(prefix);
  expect(shown.queues[DELIVER_QUEUE]).toMatchObject({ paused: true, waiting: after.waiting, active: 0, completed: after.completed, failed: 0 });
  expect(shown.failing).toMatchObject([{ srcEid: 40101, dstEid: 40102, nonce: '7', reason: 'PingOApp_Refused(40101, 7)', attempts: 3 }]);
  expect(shown.chainsError).toContain('Cannot read deployments file /nonexistent/deployments.json');

  const resumed = await cli(['resume', '--prefix', prefix]);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(JSON.parse(resumed.stdout)).toEqual({ resumed: [DELIVER_QUEUE] });
  // Workers take jobs again.
  await waitUntil('a worker to take a job', async () => (await queue.getActiveCount()) > 0, 15_000, 25);
});

test('a drain that outlasts its timeout exits 1 and leaves the queues paused', async () => {
  const stuckPrefix = `${prefix}-stuck`;
  const queue = new Queue(DELIVER_QUEUE, { connection: suite.redis, prefix: stuckPrefix });
  suite.onClose(() => queue.close());
  slowWorker(stuckPrefix, 20_000);
  await queue.add('deliver', { n: 1 });
  await waitUntil('the job in flight', async () => (await queue.getActiveCount()) === 1, 15_000, 25);
  const drain = await cli(['drain', '--prefix', stuckPrefix, '--timeout-ms', '500']);
  expect(drain.code).toBe(1);
  expect(JSON.parse(drain.stdout)).toMatchObject({ drained: false, stillActive: 1 });
  expect(drain.stderr).toContain('1 job(s) still in flight after 500 ms; the queues stay paused');
  expect(await queue.isPaused()).toBe(true);
});
