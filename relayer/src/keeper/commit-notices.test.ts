// Commit notices as pure functions: what a batch asks of a keeper, and what a subscriber accepts off the
// channel. relayer/test/keeper-notices.redis.test.ts runs them between two relayers on the devnet.
import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import type { IngestedEvent } from '../ingest/contracts.ts';
import { type CommitNotice, batchTriggers, parseCommitNotice } from './commit-notices.ts';

const FEED: Address = '0x07bf260a44CEADfad215cc8e20c5b0398D25b1FA';
const OTHER_FEED: Address = '0x976EA74026E726554dB657fA54763abd0C3a0aa9';
const ALICE: Address = '0x9eF6c02FB2ECc446146E05F1fF687a788a8BF76d';
const event = (contract: string, eventName: string, address: string = FEED) => ({ contract, eventName, address }) as unknown as IngestedEvent;

describe('batchTriggers', () => {
  it('names each feed that answered once, checksummed, and asks for no refresh', () => {
    const triggers = batchTriggers([event('feed', 'AnswerUpdated', FEED.toLowerCase()), event('vault', 'Deposited'), event('feed', 'AnswerUpdated', FEED), event('feed', 'AnswerUpdated', OTHER_FEED)]);
    expect(triggers).toEqual({ feeds: [FEED, OTHER_FEED], refresh: undefined });
  });

  it('asks for the parameters on a vault risk or asset change, and for the feeds too on an oracle change, whatever the order', () => {
    expect(batchTriggers([event('vault', 'RiskUpdateApplied')]).refresh).toBe('params');
    expect(batchTriggers([event('vault', 'AssetConfigured')]).refresh).toBe('params');
    expect(batchTriggers([event('vault', 'LiquidationConfigured')]).refresh).toBe('params');
    expect(batchTriggers([event('vault', 'RiskUpdateApplied'), event('oracle', 'FeedSet')]).refresh).toBe('feeds');
    expect(batchTriggers([event('oracle', 'FeedSet'), event('vault', 'RiskUpdateApplied')]).refresh).toBe('feeds');
  });

  it('finds nothing in account events alone', () => {
    expect(batchTriggers([event('vault', 'Deposited'), event('mirror', 'Drawn'), event('feed', 'NewRound')])).toEqual({ feeds: [], refresh: undefined });
  });
});

describe('parseCommitNotice', () => {
  const batch: CommitNotice = { kind: 'batch', origin: 'a', eid: 40_101, toBlock: '12', accounts: [ALICE], feeds: [FEED], refresh: undefined };

  it('reads back what the publisher writes, addresses checksummed', () => {
    expect(parseCommitNotice(JSON.stringify(batch))).toEqual(batch);
    const lower = JSON.stringify({ ...batch, accounts: [ALICE.toLowerCase()], feeds: [FEED.toLowerCase()], refresh: 'params' });
    expect(parseCommitNotice(lower)).toEqual({ ...batch, refresh: 'params' });
    const rollback: CommitNotice = { kind: 'rollback', origin: 'b', eid: 40_102, toBlock: '9' };
    expect(parseCommitNotice(JSON.stringify(rollback))).toEqual(rollback);
  });

  it('drops a notice of the ignored origin unread, addresses unchecked', () => {
    expect(parseCommitNotice(JSON.stringify({ ...batch, accounts: ['0x12'] }), 'a')).toBe('ignored');
    expect(parseCommitNotice(JSON.stringify(batch), 'b')).toEqual(batch);
  });

  it('refuses what is not a notice', () => {
    for (const message of [
      'not json',
      'null',
      '42',
      JSON.stringify({ ...batch, kind: 'other' }),
      JSON.stringify({ ...batch, origin: 7 }),
      JSON.stringify({ ...batch, eid: '40101' }),
      JSON.stringify({ ...batch, toBlock: 12 }),
      JSON.stringify({ ...batch, accounts: 'x' }),
      JSON.stringify({ ...batch, feeds: undefined }),
      JSON.stringify({ ...batch, refresh: 'everything' }),
      JSON.stringify({ ...batch, accounts: ['0x12'] }),
    ]) {
      expect(parseCommitNotice(message), message).toBeUndefined();
    }
  });
});
