// execute: runs a plan's steps in order through the SDK's own writes, waits for every message a step needs
// and checks what it did on arrival, and keeps a progress record in a caller's store so that a plan
// interrupted at any instant resumes without sending anything twice: each transaction's hash is recorded
// after broadcast and before its receipt is awaited (the client's `onSent` hook in the one send path), and a
// resumed step with a hash waits for that transaction instead of sending again.
import type { Hash, Hex } from 'viem';
import { type BallastBaseClient, connectionOf } from '../client.ts';
import { PlanExecutionError, MessageEffectError } from '../errors/intents.ts';
import { type PlanStore, memoryStore } from '../intents/store.ts';
import type { Plan, PlanMessage, PlanStep } from '../intents/types.ts';
import { type SentMessage, type WriteReturnType, sentMessages } from '../messages/send.ts';
import { borrow } from './borrow.ts';
import { exportCredit } from './exportCredit.ts';
import { planId } from './plan.ts';
import { release } from './release.ts';
import { repay } from './repay.ts';
import { returnParked } from './returnParked.ts';
import { sendHeartbeat } from './sendHeartbeat.ts';
import { requireAccount } from './validate.ts';
import { type WaitForMessageReturnType, waitForMessage } from './waitForMessage.ts';
import { withdraw } from './withdraw.ts';

/** What `execute` tells `onProgress`, as it happens. */
export type ExecuteProgress =
  | { type: 'step-skipped'; step: number; call: PlanStep['call'] }
  | { type: 'step-sent'; step: number; call: PlanStep['call']; chain: number; action: string; transactionHash: Hash }
  | { type: 'step-mined'; step: number; call: PlanStep['call']; chain: number; transactionHash: Hash; messages: Hex[]; resumed: boolean }
  | { type: 'message-landed'; step: number; guid: Hex; message: PlanMessage['type']; arrival: string[] }
  | { type: 'done'; planId: Hex };

/** What `execute` takes: the plan as `plan` made it (or its JSON), where to keep progress, and who hears it. */
export type ExecuteParameters = {
  plan: Plan;
  /** Where the progress record is kept (key `ballast:plan:<plan id>`); pass a file store to resume after a crash. @defaultValue an in-memory store */
  store?: PlanStore;
  onProgress?: (progress: ExecuteProgress) => void;
  /** Milliseconds to wait for each message. @defaultValue 300_000 */
  messageTimeout?: number;
};

/** One step as executed. */
export type ExecutedStep = { call: PlanStep['call']; chain: number; transactionHashes: Hash[]; messages: SentMessage[] };

/** Every step's transactions and messages, and whether this run resumed an earlier one. */
export type ExecuteReturnType = { planId: Hex; steps: ExecutedStep[]; resumed: boolean };

type StoredMessage = { guid: Hex; srcEid: number; dstEid: number; nonce: string };

/** A step's progress as stored: `sending` from the moment its first transaction may go out until its receipt. */
type StepRecord = {
  state: 'pending' | 'sending' | 'mined';
  /** The account's pending nonce on the step's chain before the step sent anything. */
  nonce?: number;
  sent: { action: string; transactionHash: Hash }[];
  messages: StoredMessage[];
  landed: Hex[];
};

type ProgressRecord = { planId: Hex; steps: StepRecord[]; done: boolean };

/** The key of a plan's progress record in a store. */
export function progressKey(id: Hex): string {
  return `ballast:plan:${id}`;
}

async function runStep(client: BallastBaseClient, step: PlanStep): Promise<WriteReturnType> {
  switch (step.call) {
    case 'exportCredit':
      return exportCredit(client, { dstEid: step.args.dstEid, amount: BigInt(step.args.amount) });
    case 'sendHeartbeat':
      return sendHeartbeat(client, { dstEid: step.args.dstEid });
    case 'release':
      return release(client, { eid: step.args.eid, amount: BigInt(step.args.amount) });
    case 'returnParked':
      return returnParked(client, { eid: step.args.eid });
    case 'borrow':
      return borrow(client, { eid: step.args.eid, amount: BigInt(step.args.amount) });
    case 'repay':
      return repay(client, { eid: step.args.eid, amount: BigInt(step.args.amount) });
    case 'withdraw':
      return withdraw(client, { asset: step.args.asset, amount: BigInt(step.args.amount) });
  }
}

/** What a landed message must show: a GRANT credited (not parked), a RELEASE applied. */
function checkArrival(step: number, expected: PlanMessage, landed: WaitForMessageReturnType, chainName: string): void {
  const events = landed.arrival?.map((event) => event.eventName) ?? [];
  if (expected.type === 'HEARTBEAT' || events.includes(expected.landsAs)) return;
  if (expected.type === 'GRANT' && (events.includes('GrantExpired') || events.includes('CreditParked'))) {
    throw new MessageEffectError(
      `Step ${step}'s GRANT (${landed.guid}) landed parked on ${chainName}, not credited (${events.includes('GrantExpired') ? 'it arrived after its deadline' : 'the line was flagged'}): call returnParked({ eid: ${landed.dstEid} }) to bring the credit home, then plan again.`,
      { meta: { guid: landed.guid, events } },
    );
  }
  throw new MessageEffectError(`Step ${step}'s ${expected.type} (${landed.guid}) was delivered but did not emit ${expected.landsAs} (it emitted ${events.join(', ') || 'nothing'}): read the position and plan again.`, {
    meta: { guid: landed.guid, events },
  });
}

/**
 * Executes `plan` (from `plan`) step by step for the client's account: each step waits for the messages it
 * depends on, then sends its transaction through the SDK's write; at the end every message has landed and
 * did what the plan needs (a GRANT parked on arrival throws a `MessageEffectError` saying what to do). With a
 * `store` holding an earlier run's record, finished steps are skipped and a step whose transaction was sent
 * is finished from its recorded hash: nothing is sent twice.
 *
 * @example
 * const plan = await client.plan({ type: 'ensureCredit', chain: 40102, amount: parseEther('1000') });
 * await client.execute({ plan, store: fileStore('plans.json'), onProgress: (event) => console.log(event.type) });
 */
export async function execute(client: BallastBaseClient, parameters: ExecuteParameters): Promise<ExecuteReturnType> {
  const { plan, store = memoryStore(), onProgress, messageTimeout = 300_000 } = parameters;
  const sender = requireAccount(client, 'execute');
  const { id: givenId, ...body } = plan;
  if (planId(body) !== givenId) throw new PlanExecutionError(`Plan ${givenId} does not match its contents (id ${planId(body)}): plans are executed as plan() made them. Plan again.`);
  if (plan.account.toLowerCase() !== sender.toLowerCase()) {
    throw new PlanExecutionError(`Plan ${plan.id} is for ${plan.account}, but this client signs as ${sender}: execute it with that account's client.`);
  }
  const key = progressKey(plan.id);
  const stored = await store.get(key);
  const record: ProgressRecord = stored ? (JSON.parse(stored) as ProgressRecord) : { planId: plan.id, steps: plan.steps.map(() => ({ state: 'pending', sent: [], messages: [], landed: [] })), done: false };
  if (record.planId !== plan.id || record.steps.length !== plan.steps.length) throw new PlanExecutionError(`The record under ${key} is not this plan's: remove it or use another store.`);
  const resumed = stored !== undefined;
  const save = () => store.set(key, JSON.stringify(record));

  /** Waits for step `index`'s messages of `type` (all of them without one) and checks each landed as planned. */
  const awaitLanded = async (index: number, type?: PlanMessage['type']) => {
    const step = plan.steps[index] as PlanStep;
    const state = record.steps[index] as StepRecord;
    for (const [position, message] of state.messages.entries()) {
      const expected = step.sends[position] as PlanMessage;
      if ((type && expected.type !== type) || state.landed.includes(message.guid)) continue;
      const sentIn = state.sent.find((sent) => sent.action === step.call)?.transactionHash;
      const landed = await waitForMessage(client, { guid: message.guid, srcEid: message.srcEid, transactionHash: sentIn, timeout: messageTimeout });
      checkArrival(index, expected, landed, connectionOf(client, message.dstEid).deployment.name);
      state.landed.push(message.guid);
      await save();
      onProgress?.({ type: 'message-landed', step: index, guid: message.guid, message: expected.type, arrival: landed.arrival?.map((event) => event.eventName) ?? [] });
    }
  };

  for (const [index, step] of plan.steps.entries()) {
    const state = record.steps[index] as StepRecord;
    if (state.state === 'mined') {
      onProgress?.({ type: 'step-skipped', step: index, call: step.call });
      continue;
    }
    for (const wait of step.waitsFor) await awaitLanded(wait.step, wait.type);
    const chain = connectionOf(client, step.chain);

    // Resuming a step that may have sent: finish it from its recorded hashes, never by sending blind.
    if (state.state === 'sending') {
      const receipts = await Promise.all(state.sent.map(({ transactionHash }) => chain.publicClient.waitForTransactionReceipt({ hash: transactionHash, timeout: messageTimeout })));
      const failed = receipts.find((receipt) => receipt.status !== 'success');
      if (failed) throw new PlanExecutionError(`Step ${index} (${step.call}) sent ${failed.transactionHash}, which reverted on ${chain.deployment.name}: read the position and plan again.`);
      const main = state.sent.findIndex((sent) => sent.action === step.call);
      if (main >= 0) {
        const receipt = receipts[main] as (typeof receipts)[number];
        state.messages = sentMessages(client, step.chain, receipt).map((message) => ({ ...message, nonce: message.nonce.toString() }));
        state.state = 'mined';
        await save();
        onProgress?.({ type: 'step-mined', step: index, call: step.call, chain: step.chain, transactionHash: receipt.transactionHash, messages: state.messages.map((message) => message.guid), resumed: true });
        continue;
      }
      // Only a preparatory transaction (an approval, an authorisation) is on record: did anything else leave?
      const pending = await chain.publicClient.getTransactionCount({ address: sender, blockTag: 'pending' });
      if (state.nonce !== undefined && pending > state.nonce + state.sent.length) {
        throw new PlanExecutionError(
          `Step ${index} (${step.call}) may have sent a transaction whose hash was not recorded: ${sender}'s nonce on ${chain.deployment.name} is ${pending}, the record accounts for ${state.nonce + state.sent.length}. Check the account's transactions from nonce ${state.nonce + state.sent.length}; if the step's transaction is there, its effect happened — plan again from the position instead of resuming.`,
          { meta: { step: index, nonce: state.nonce, pending } },
        );
      }
    }

    state.nonce ??= await chain.publicClient.getTransactionCount({ address: sender, blockTag: 'pending' });
    state.state = 'sending';
    await save();
    const hooked: BallastBaseClient = {
      ...client,
      ballast: {
        ...client.ballast,
        onSent: async ({ action, transactionHash }) => {
          state.sent.push({ action, transactionHash });
          await save();
          onProgress?.({ type: 'step-sent', step: index, call: step.call, chain: step.chain, action, transactionHash });
        },
      },
    };
    const result = await runStep(hooked, step);
    state.messages = result.messages.map((message) => ({ ...message, nonce: message.nonce.toString() }));
    if (state.messages.length !== step.sends.length) {
      throw new PlanExecutionError(`Step ${index} (${step.call}) sent ${state.messages.length} messages where the plan expects ${step.sends.length} (${result.transactionHash}): the contracts do not match the plan's idea of them.`);
    }
    state.state = 'mined';
    await save();
    onProgress?.({ type: 'step-mined', step: index, call: step.call, chain: step.chain, transactionHash: result.transactionHash, messages: state.messages.map((message) => message.guid), resumed: false });
  }
  for (const index of plan.steps.keys()) await awaitLanded(index);
  record.done = true;
  await save();
  onProgress?.({ type: 'done', planId: plan.id });
  return {
    planId: plan.id,
    resumed,
    steps: plan.steps.map((step, index) => {
      const state = record.steps[index] as StepRecord;
      return { call: step.call, chain: step.chain, transactionHashes: state.sent.map((sent) => sent.transactionHash), messages: state.messages.map((message) => ({ ...message, nonce: BigInt(message.nonce) })) };
    }),
  };
}
