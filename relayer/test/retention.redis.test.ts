// What a queue's history costs in Redis, measured with real BullMQ jobs shaped like the courier's: a
// completed delivery (its packet and its record), and a failed one after many attempts with and without
// the stack-trace limit. The figures printed here are the ones OPERATIONS.md#redis-memory quotes.
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { expect, test } from 'vitest';
import { redisSuite } from '../../test/support/redis-suite.ts';
import { waitUntil } from '../../test/support/wait.ts';
import type { DeliveryRecord, PacketJob } from '../src/courier/deliver.ts';
import { DELIVER_RETENTION, JOB_STACK_TRACE_LIMIT, retentionJobOptions } from '../src/ops/retention.ts';

const suite = redisSuite('retention');
const JOBS = 500;
const ATTEMPTS = 30;

function hex(bytes: number, seed: number): `0x${string}` {
  return `0x${seed.toString(16).padStart(8, '0').repeat(Math.ceil((bytes * 2) / 8)).slice(0, bytes * 2)}`;
}

function packetJob(index: number): PacketJob {
  // A Ballast notice: the 113-byte header and a 160-byte message; type-3 options with lzReceive gas.
  return { guid: hex(32, index), srcEid: 40101, dstEid: 40102, nonce: String(index), encodedPacket: hex(273, index), options: hex(22, index), srcTxHash: hex(32, index + 1), srcBlock: '123456', observedAt: Date.now() };
}

/** Bytes of every key under `pattern`, by MEMORY USAGE. */
async function bytesUnder(pattern: string): Promise<number> {
  const keys = await suite.redis.keys(pattern);
  let total = 0;
  for (const key of keys) total += Number((await suite.redis.memory('USAGE', key, 'SAMPLES', '0')) ?? 0);
  return total;
}

test('a completed delivery costs a few kilobytes; a failed one keeps only its last stacks', async () => {
  const prefix = `${suite.prefix}-completed`;
  const queue = new Queue<PacketJob, DeliveryRecord>('deliver', { connection: suite.redis, prefix, defaultJobOptions: retentionJobOptions(DELIVER_RETENTION) });
  suite.onClose(() => queue.close());
  const worker = new Worker<PacketJob, DeliveryRecord>(
    'deliver',
    async (job) => ({ guid: job.data.guid, srcEid: job.data.srcEid, dstEid: job.data.dstEid, nonce: job.data.nonce, srcTxHash: job.data.srcTxHash, dstTxHash: hex(32, 7), status: 'delivered', steps: ['verify', 'commit', 'execute'], observedAt: job.data.observedAt, deliveredAt: Date.now() }),
    { connection: suite.connection(), prefix, concurrency: 50 },
  );
  suite.onClose(() => worker.close());
  await queue.addBulk(Array.from({ length: JOBS }, (_, index) => ({ name: 'deliver', data: packetJob(index), opts: { jobId: `deliver-${hex(32, index)}` } })));
  await waitUntil('every job completed', async () => (await queue.getCompletedCount()) === JOBS || `${await queue.getCompletedCount()} completed`, 30_000);
  // The job hashes and the completed set; the queue's event stream is capped by BullMQ (10,000 events) whatever the retention.
  const perCompleted = ((await bytesUnder(`${prefix}:deliver:deliver-*`)) + (await bytesUnder(`${prefix}:deliver:completed`))) / JOBS;
  const eventStream = await bytesUnder(`${prefix}:deliver:events`);

  // Failed jobs: each attempt throws an error as long as viem's (a message with the URL, the request body).
  const failingPrefix = `${suite.prefix}-failed`;
  const measureFailed = async (stackTraceLimit: number | undefined) => {
    const name = `deliver-${stackTraceLimit ?? 'unlimited'}`;
    const failing = new Queue(name, { connection: suite.redis, prefix: failingPrefix });
    suite.onClose(() => failing.close());
    const failer = new Worker(
      name,
      async (job) => {
        const error = new Error(`HTTP request failed.\n\nStatus: 502\nURL: http://127.0.0.1:8545\nRequest body: ${JSON.stringify({ method: 'eth_sendRawTransaction', params: [hex(400, job.attemptsMade)] })}\n\nVersion: viem@2`);
        throw job.attemptsMade + 1 >= ATTEMPTS ? new UnrecoverableError(error.message) : error;
      },
      { connection: suite.connection(), prefix: failingPrefix, settings: { backoffStrategy: () => 1 } },
    );
    suite.onClose(() => failer.close());
    const job = await failing.add('deliver', packetJob(1), { attempts: ATTEMPTS, backoff: { type: 'custom' }, ...(stackTraceLimit === undefined ? {} : { stackTraceLimit }) });
    await waitUntil('the job to fail for good', async () => (await failing.getFailedCount()) === 1 || `${(await failing.getJob(job.id ?? ''))?.attemptsMade} attempts`, 60_000, 50);
    const failed = await failing.getJob(job.id ?? '');
    return { stacks: failed?.stacktrace?.length ?? 0, bytes: Number((await suite.redis.memory('USAGE', `${failingPrefix}:${name}:${job.id}`, 'SAMPLES', '0')) ?? 0) };
  };
  const unlimited = await measureFailed(undefined);
  const limited = await measureFailed(JOB_STACK_TRACE_LIMIT);

  expect(perCompleted).toBeGreaterThan(200);
  expect(perCompleted).toBeLessThan(4_000);
  expect(unlimited.stacks).toBe(ATTEMPTS);
  expect(limited.stacks).toBe(JOB_STACK_TRACE_LIMIT);
  expect(limited.bytes * 4).toBeLessThan(unlimited.bytes);
  console.log(
    `retention: a completed deliver job ≈ ${Math.round(perCompleted)} bytes (${JOBS} measured; ${DELIVER_RETENTION.completedCount.toLocaleString('en')} kept ≈ ${Math.round((perCompleted * DELIVER_RETENTION.completedCount) / 1e6)} MB); ` +
      `the event stream ${Math.round(eventStream / 1024)} KB for ${JOBS} jobs; ` +
      `a job failed after ${ATTEMPTS} attempts: ${unlimited.bytes} bytes with every stack, ${limited.bytes} with the last ${JOB_STACK_TRACE_LIMIT}`,
  );
});
