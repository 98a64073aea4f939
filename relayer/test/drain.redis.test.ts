// `drain`, `status` and `resume` as operators run them (the CLI in its own process) on a real Redis
// with jobs queued and in flight: drain pauses the prefix's queues so no worker takes a new job, waits
// for the jobs in flight to finish, and status shows the paused queue with what is left; resume lets
// the workers take the rest. A drain that outlasts its timeout says so and exits 1.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type LocalRedis, ensureRedis } from '@ballast/devnet';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Hex } from 'viem';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DELIVER_QUEUE } from '../src/courier/courier.ts';
import { CourierLedger } from '../src/courier/ledger.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const prefix = `test-drain-${process.pid}-${Date.now()}`;
let local: LocalRedis;
let redis: Redis;
const closers: (() => Promise<unknown>)[] = [];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'relayer/src/cli/main.ts', ...args, '--redis', local.url], {
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
    connection: new Redis(local.url, { maxRetriesPerRequest: null }),
    prefix: queuePrefix,
    concurrency: 2,
  });
  closers.push(() => worker.close(true).then(() => worker.disconnect()));
  return worker;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((wait) => setTimeout(wait, 25));
  }
}

beforeAll(async () => {
  local = await ensureRedis();
  redis = new Redis(local.url, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await local.stop();
});

test('drain waits for the jobs in flight and leaves the rest queued; status shows it; resume lets them run', async () => {
  const queue = new Queue(DELIVER_QUEUE, { connection: redis, prefix });
  closers.push(() => queue.close());
  await new CourierLedger(redis, prefix).recordFailure(
    { guid: `0x${'aa'.repeat(32)}` as Hex, srcEid: 40101, dstEid: 40102, nonce: '7', encodedPacket: '0x', options: '0x', srcTxHash: `0x${'bb'.repeat(32)}`, srcBlock: '12', observedAt: Date.now() },
    'PingOApp_Refused(40101, 7)',
    'reverted',
    3,
  );
  // Jobs long enough that the ones in flight are still running when drain pauses the queue.
  slowWorker(prefix, 3_000);
  await queue.addBulk([1, 2, 3, 4, 5, 6].map((n) => ({ name: 'deliver', data: { n } })));
  await until(async () => (await queue.getActiveCount()) === 2);

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
  expect(Date.now() - started).toBeLessThan(15_000);
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
  await until(async () => (await queue.getActiveCount()) > 0);
});

test('a drain that outlasts its timeout exits 1 and leaves the queues paused', async () => {
  const stuckPrefix = `${prefix}-stuck`;
  const queue = new Queue(DELIVER_QUEUE, { connection: redis, prefix: stuckPrefix });
  closers.push(() => queue.close());
  slowWorker(stuckPrefix, 20_000);
  await queue.add('deliver', { n: 1 });
  await until(async () => (await queue.getActiveCount()) === 1);
  const drain = await cli(['drain', '--prefix', stuckPrefix, '--timeout-ms', '500']);
  expect(drain.code).toBe(1);
  expect(JSON.parse(drain.stdout)).toMatchObject({ drained: false, stillActive: 1 });
  expect(drain.stderr).toContain('1 job(s) still in flight after 500 ms; the queues stay paused');
  expect(await queue.isPaused()).toBe(true);
});
