// The courier's failure list on a real Redis: bounded (past its maximum the oldest failure is dropped and
// counted, a packet that lands leaves it) and holding only a short, scrubbed first line of each error.
import type { Hex } from 'viem';
import { expect, test } from 'vitest';
import { CourierLedger } from '../src/courier/ledger.ts';
import type { PacketJob } from '../src/courier/deliver.ts';
import { redisSuite } from '../../test/support/redis-suite.ts';

const suite = redisSuite('courier-ledger');

const guid = (index: number) => `0x${index.toString(16).padStart(64, '0')}` as Hex;
const job = (index: number): PacketJob => ({
  guid: guid(index),
  srcEid: 40101,
  dstEid: 40102,
  nonce: String(index),
  encodedPacket: '0x01',
  options: '0x',
  srcTxHash: guid(1_000 + index),
  srcBlock: '1',
  observedAt: 0,
});

test('the failure list keeps at most failuresKept packets, dropping and counting the oldest', async () => {
  const ledger = new CourierLedger(suite.redis, `${suite.prefix}-cap`, { failuresKept: 3 });
  for (let index = 1; index <= 5; index++) {
    await ledger.recordFailure(job(index), 'Boom', new Error(`attempt ${index}`), 1);
    // Distinct first-failure times, so "oldest" is well defined.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // A failure seen again keeps its place (its first failure time), and is not counted twice.
  await ledger.recordFailure(job(4), 'Boom', new Error('attempt 4 again'), 2);
  expect(await ledger.failureCount()).toBe(3);
  expect((await ledger.failures()).map((failure) => failure.nonce)).toEqual(['3', '4', '5']);
  expect(await ledger.failuresDropped()).toBe(2);

  // A packet that lands leaves the list and its order; the next failure then fits without a drop.
  await ledger.recordDelivery({ guid: guid(3), srcEid: 40101, dstEid: 40102, nonce: '3', srcTxHash: guid(1_003), dstTxHash: undefined, status: 'delivered', steps: [], observedAt: 0, deliveredAt: 0 });
  await ledger.recordFailure(job(6), 'Boom', new Error('attempt 6'), 1);
  expect((await ledger.failures()).map((failure) => failure.nonce)).toEqual(['4', '5', '6']);
  expect(await ledger.failuresDropped()).toBe(2);
  expect(await suite.redis.zcard(`${suite.prefix}-cap:courier:failures:order`)).toBe(3);
});

test('a failure keeps the first line of its error, at most 240 characters, URLs cut and secrets masked', async () => {
  const ledger = new CourierLedger(suite.redis, `${suite.prefix}-text`, { secrets: ['hunter2hunter2'] });
  const error = new Error(
    `HTTP request failed. URL: https://rpc.example.org/v2/Ab12Cd34Ef56Gh78?key=Zz99 auth hunter2hunter2 ${'x'.repeat(400)}\nRequest body: {"method":"eth_sendRawTransaction"}`,
  );
  const record = await ledger.recordFailure(job(1), 'The contract function "lzReceive" reverted with the following reason:\nEVM error OutOfGas', error, 1);
  expect(record.reason).toBe('The contract function "lzReceive" reverted with the following reason: EVM error OutOfGas');
  const [stored] = await ledger.failures();
  expect(stored).toEqual(record);
  expect(record.error.length).toBeLessThanOrEqual(240);
  expect(record.error.startsWith('HTTP request failed. URL: https://rpc.example.org/… auth ***')).toBe(true);
  expect(record.error).not.toContain('Ab12Cd34');
  expect(record.error).not.toContain('hunter2');
  expect(record.error).not.toContain('Request body');
});
