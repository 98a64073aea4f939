// A plan executed in a process of its own, for the resume test: reads the deployments, the key and a plan
// from the environment, executes it with a file store, and prints one line per progress event (`step-sent 0
// 0x… release` once step 0's hash is on record), so the parent can SIGKILL it at a chosen point. With
// BALLAST_FREEZE_AT (a regular expression) it stops dead after printing the first line that matches, so the
// kill lands exactly there (a write to a pipe is synchronous on Linux).
import { readFileSync } from 'node:fs';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createBallastClient } from '../src/createBallastClient.ts';
import type { Plan } from '../src/intents/types.ts';
import { fileStore, loadDeployments } from '../src/node.ts';

const { BALLAST_DEPLOYMENTS, BALLAST_KEY, BALLAST_PLAN, BALLAST_STORE, BALLAST_FREEZE_AT } = process.env;
const freezeAt = BALLAST_FREEZE_AT ? new RegExp(BALLAST_FREEZE_AT) : undefined;
if (!BALLAST_DEPLOYMENTS || !BALLAST_KEY || !BALLAST_PLAN || !BALLAST_STORE) throw new Error('execute-plan needs BALLAST_DEPLOYMENTS, BALLAST_KEY, BALLAST_PLAN and BALLAST_STORE');
const client = createBallastClient({ deployments: await loadDeployments(BALLAST_DEPLOYMENTS), account: privateKeyToAccount(BALLAST_KEY as Hex), pollingInterval: 20 });
const plan = JSON.parse(readFileSync(BALLAST_PLAN, 'utf8')) as Plan;
await client.execute({
  plan,
  store: fileStore(BALLAST_STORE),
  onProgress: (event) => {
    const detail = event.type === 'step-sent' ? `${event.step} ${event.transactionHash} ${event.action}` : event.type === 'step-mined' ? `${event.step} ${event.transactionHash}` : 'step' in event ? String(event.step) : '';
    const line = `${event.type} ${detail}`;
    process.stdout.write(`${line}\n`);
    if (freezeAt?.test(line)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  },
});
process.stdout.write('finished\n');
