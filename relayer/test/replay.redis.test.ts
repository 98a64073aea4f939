// `replay` as operators run it (the CLI in its own process) on a real Redis: a keeper action that failed
// for good is put back to work by its job id — before, only a packet's delivery could be replayed, and a
// failed action kept its id taken until someone called the keeper's API — and a refused packet is judged
// again. An id that is neither a GUID nor a keeper job id is refused by name.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { expect, test } from 'vitest';
import { redisSuite } from '../../test/support/redis-suite.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { DELIVER_QUEUE } from '../src/courier/courier.ts';
import { ACTIONS_QUEUE } from '../src/keeper/queue.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const suite = redisSuite('replay');
const { prefix } = suite;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'relayer/src/cli/main.ts', ...args, '--redis', suite.url, '--prefix', prefix], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('replay <job id> retries a keeper action that failed for good; replay <guid> judges a refused packet again', async () => {
  const actions = new Queue(ACTIONS_QUEUE, { connection: suite.connection(), prefix });
  const deliver = new Queue(DELIVER_QUEUE, { connection: suite.connection(), prefix });
  suite.onClose(() => Promise.all([actions.close(), deliver.close()]));
  const id = 'flag-40101-0x00000000000000000000000000000000000000Aa-0';
  const guid = `0x${'ab'.repeat(32)}`;
  let runs = 0;
  const failing = new Worker(
    ACTIONS_QUEUE,
    async () => {
      runs += 1;
      if (runs === 1) throw new UnrecoverableError('out of funds, for the test');
      return 'sent';
    },
    { connection: suite.connection(), prefix },
  );
  const refusing = new Worker(DELIVER_QUEUE, async () => ({ status: 'refused' }), { connection: suite.connection(), prefix });
  suite.onClose(() => Promise.all([failing.close(), refusing.close()]));
  await actions.add('flag', {}, { jobId: id });
  await deliver.add('deliver', {}, { jobId: `deliver-${guid}` });
  await waitUntil('the action to fail for good and the packet to be refused', async () => (await actions.getJobState(id)) === 'failed' && (await deliver.getJobState(`deliver-${guid}`)) === 'completed', 20_000);

  const replayed = await cli(['replay', id]);
  expect(replayed.code, replayed.stderr).toBe(0);
  expect(replayed.stdout).toContain(`${id}: retried`);
  await waitUntil('the replayed action to complete', async () => (await actions.getJobState(id)) === 'completed', 20_000);
  expect(runs).toBe(2);

  const judged = await cli(['replay', guid]);
  expect(judged.code, judged.stderr).toBe(0);
  expect(judged.stdout).toContain(`${guid}: retried`);
  await waitUntil('the packet to be judged again', async () => ((await deliver.getJob(`deliver-${guid}`))?.attemptsStarted ?? 0) >= 2 && (await deliver.getJobState(`deliver-${guid}`)) === 'completed', 20_000);

  const unknown = await cli(['replay', 'sweep-1-2']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('"sweep-1-2" is neither a packet GUID');
});
