// A keeper whose process runs no ingest follows another relayer's through its commit notices
// (relayer/src/keeper/commit-notices.ts): on the devnet, one "process" runs only ingest and publishes its
// commits; the keeper, sweeping every 10 minutes, must score a new account and flag it when a price crash
// puts it under 1 — which it could only learn of from the notices.
import { devnetKeys } from '@ballast/devnet';
import { Redis } from 'ioredis';
import { expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import type { IngestChain } from '../src/ingest/event-source.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { CommitNoticePublisher, commitNoticeChannel } from '../src/keeper/commit-notices.ts';
import { Keeper } from '../src/keeper/keeper.ts';
import { createLogger } from '../src/logging.ts';
import { ReconcileStore } from '../src/reconcile/account-store.ts';
import { credit, fundedKey, keeperSuite, liquidationEvents, openPosition, readAccountBook, waitUntil } from './keeper-support.ts';

const suite = keeperSuite();

test('a keeper without ingest in its process follows another relayer through its commit notices: it scores a new account and flags it on a price crash, long before a sweep would', async () => {
  const { stack, deployments } = suite.env;
  const [r1, r2] = suite.env.remotes;
  const stranger = new BallastUser(deployments, devnetKeys.users[4]);
  await stranger.setPrice('weth', 2_000n);
  const logger = createLogger(process.env.BALLAST_LOG_LEVEL ?? 'silent');

  // The ingest-only relayer: ingest into the store, a notice for each commit.
  const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const chains: IngestChain[] = deployments.chains.map((deployment) => ({ deployment, publicClient: stranger.connection(deployment.eid).publicClient }));
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix: stack.prefix });
  const ingest = new Ingest({ chains, redis, prefix: stack.prefix, consumer: store, settings: { pollIntervalMs: 20 }, logger });
  const publisher = new CommitNoticePublisher({ redis, prefix: stack.prefix, store, logger });
  const unfollow = publisher.follow(ingest);
  // Every notice on the channel, as any subscriber sees it.
  const listener = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const heard: string[] = [];
  listener.on('message', (_channel: string, message: string) => heard.push(message));
  await listener.subscribe(commitNoticeChannel(stack.prefix));

  // The keeper-only relayer: no ingest; its one sweep is at start, before the account exists.
  const keeper = new Keeper({ deployments, redisUrl: stack.redis.url, prefix: stack.prefix, transactorKey: devnetKeys.couriers[1], settings: { sweepIntervalMs: 600_000, backoffMs: 200, maxBackoffMs: 1_000 }, logger });
  ingest.start();
  keeper.start();
  try {
    // Caught up with the chains (the backfill's feed answers, of feeds no scored account uses yet, ask for
    // sweeps): from here on, only notices can bring the account to the keeper.
    await waitUntil('ingest caught up', async () => ingest.metrics.snapshot().every((chain) => chain.appliedBlock > 0 && chain.headLag === 0) || 'catching up', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sweeps = keeper.metrics.snapshot().sweeps;
    const user = new BallastUser(deployments, await fundedKey(deployments, 40));
    // At $1,200: health 0.68, usage-aware 10,200 / 10,500 = 0.97: flagged.
    await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '7500', [r2]: '7500' }, borrows: { [r1]: '5250', [r2]: '5250' } });
    await waitUntil(
      'the keeper to score the account with both draws',
      async () => {
        const score = await keeper.ledger.score(user.address);
        return score?.totalDrawn === credit('10500').toString() || `scored ${JSON.stringify(score) ?? 'never'}`;
      },
      30_000,
    );
    const crashAt = Date.now();
    await stranger.setPrice('weth', 1_200n);
    await waitUntil('the keeper to flag the account', async () => (await readAccountBook(suite.env, user)).epoch === 1 || 'not flagged yet', 30_000);
    const elapsed = Date.now() - crashAt;
    // No sweep scored it or flagged it: the notices did.
    expect(keeper.metrics.snapshot().sweeps).toBe(sweeps);
    expect(keeper.metrics.snapshot().commitNotices).toBeGreaterThan(0);
    expect((await liquidationEvents(suite.env)).flags.get(`${user.address}-1`)).toBe(1);
    // The notices named the account and the feed that answered.
    const notices = heard.map((message) => JSON.parse(message) as { origin: string; accounts: string[]; feeds: string[] });
    expect(notices.every((notice) => notice.origin === ingest.id)).toBe(true);
    expect(notices.some((notice) => notice.accounts.includes(user.address))).toBe(true);
    expect(notices.some((notice) => notice.feeds.length > 0)).toBe(true);
    expect(publisher.failed).toBe(0);
    console.log(`commit notices: the keeper without ingest flagged the account ${elapsed} ms after the crash (${heard.length} notices)`);
  } finally {
    await stranger.setPrice('weth', 2_000n);
    await keeper.stop({ graceMs: 5_000 });
    await ingest.stop();
    unfollow();
    listener.disconnect();
    redis.disconnect();
  }
}, 90_000);

test('a keeper re-reads everyone when another relayer rolls back, and when its notice subscription comes back after its connection dropped', async () => {
  const { stack, deployments } = suite.env;
  const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const keeper = new Keeper({ deployments, redisUrl: stack.redis.url, prefix: stack.prefix, transactorKey: devnetKeys.couriers[2], settings: { sweepIntervalMs: 600_000 } });
  keeper.start();
  const sweeps = () => keeper.metrics.snapshot().sweeps;
  try {
    await waitUntil('the first sweep', async () => sweeps() === 1 || `${sweeps()} sweeps`, 10_000);
    // Subscribed once the channel has a subscriber named as the keeper names it.
    const subscriberId = async () => {
      const clients = ((await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).split('\n');
      const line = clients.find((client) => /name=ballast-commit-notices-/.test(client));
      return line?.match(/id=(\d+)/)?.[1];
    };
    await waitUntil('the keeper subscribed', async () => (await subscriberId()) !== undefined || 'not yet', 10_000);

    // Another relayer's ingest rolled a chain back: every cached position is read again.
    const home = deployments.chains[0]?.eid as number;
    await redis.publish(commitNoticeChannel(stack.prefix), JSON.stringify({ kind: 'rollback', origin: 'another-relayer', eid: home, toBlock: '1' }));
    await waitUntil('a sweep after the rollback notice', async () => sweeps() === 2 || `${sweeps()} sweeps`, 10_000);
    expect(keeper.metrics.snapshot().commitNotices).toBe(1);

    // Its subscription's connection is killed: once it is back, notices may have been missed, so a sweep.
    await redis.call('CLIENT', 'KILL', 'ID', (await subscriberId()) as string);
    await waitUntil('a sweep after resubscribing', async () => sweeps() === 3 || `${sweeps()} sweeps`, 10_000);
    await waitUntil('subscribed again', async () => (await subscriberId()) !== undefined || 'not yet', 10_000);
    // Something that is not a notice on the channel is ignored.
    await redis.publish(commitNoticeChannel(stack.prefix), 'not a notice');
    await redis.publish(commitNoticeChannel(stack.prefix), JSON.stringify({ kind: 'rollback', origin: 'another-relayer', eid: home, toBlock: '2' }));
    await waitUntil('a sweep after the second rollback notice', async () => sweeps() === 4 || `${sweeps()} sweeps`, 10_000);
    expect(keeper.metrics.snapshot().commitNotices).toBe(2);
  } finally {
    await keeper.stop({ graceMs: 1_000 });
    redis.disconnect();
  }
}, 60_000);
