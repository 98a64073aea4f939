// `redis.tls` on every connection, against a real redis-server serving TLS only (a CA, a server and a
// client certificate made by openssl in a temporary folder; clients must present theirs): the courier's
// queue, BullMQ worker and ledger, and the keeper's commit-notice subscription work with
// `redisOptions(tls)`; without the CA the same URL is refused.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployments } from '@ballast/protocol';
import { Redis } from 'ioredis';
import type { Hex } from 'viem';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Courier } from '../src/courier/courier.ts';
import { commitNoticeChannel, subscribeCommitNotices, type CommitNotice } from '../src/keeper/commit-notices.ts';
import { connectRedis, redisOptions } from '../src/ops/redis-connection.ts';
import type { RedisTlsFiles } from '../src/ops/config-file.ts';
import { freePort } from '../../test/support/free-port.ts';
import { waitUntil } from '../../test/support/wait.ts';

const SERVER_NAME = 'redis.ballast.test';
let folder: string;
let server: ChildProcess | undefined;
let url: string;
let tls: RedisTlsFiles;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'ballast-redis-tls-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Ballast test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  writeFileSync(join(folder, 'server.ext'), `subjectAltName=DNS:${SERVER_NAME}\n`);
  for (const [name, extensions] of [['server', ['-extfile', 'server.ext']], ['client', []]] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, ...extensions);
  }
  const port = await freePort();
  url = `rediss://127.0.0.1:${port}`;
  // TLS only (no plain port), clients must present a certificate the CA signed; nothing written to disk.
  server = spawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--tls-cert-file', 'server.crt', '--tls-key-file', 'server.key', '--tls-ca-cert-file', 'ca.crt', '--tls-auth-clients', 'yes', '--save', '', '--appendonly', 'no'],
    { cwd: folder, stdio: 'ignore' },
  );
  tls = { caFile: join(folder, 'ca.crt'), certFile: join(folder, 'client.crt'), keyFile: join(folder, 'client.key'), serverName: SERVER_NAME };
  await waitUntil('the TLS redis-server answers', async () => {
    const redis = await connectRedis(url, { tls, timeoutMs: 500 }).catch(() => undefined);
    redis?.disconnect();
    return redis !== undefined;
  }, 15_000);
});

afterAll(() => {
  server?.kill('SIGTERM');
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('the URL alone (system CAs, no client certificate) is refused', async () => {
  await expect(connectRedis(url, { timeoutMs: 1_000 })).rejects.toThrow('Cannot reach Redis');
});

test("the courier's queue, worker and ledger run over TLS", async () => {
  const courier = new Courier({
    deployments: { version: 1, network: 'tls', chains: [] } as unknown as Deployments,
    redisUrl: url,
    redisOptions: redisOptions(tls),
    transactorKey: `0x${'11'.repeat(32)}`,
    dvnSignerKeys: [`0x${'22'.repeat(32)}`],
    prefix: 'tls',
    watch: false,
    attempts: 1,
  });
  try {
    courier.start();
    // Not a packet: the worker takes it over TLS, fails it for good, and the ledger records the failure.
    const guid = `0x${'ab'.repeat(32)}` as Hex;
    await courier.queue.add('deliver', { guid, srcEid: 1, dstEid: 2, nonce: '1', encodedPacket: '0x01', options: '0x', srcTxHash: guid, srcBlock: '1', observedAt: 0 }, { jobId: 'tls-job' });
    await waitUntil('the job failed for good', async () => (await (await courier.queue.getJob('tls-job'))?.getState()) === 'failed', 15_000);
    expect((await courier.failures()).map((failure) => [failure.guid, failure.reason])).toEqual([[guid, 'PacketDecodeError']]);
  } finally {
    await courier.stop({ graceMs: 1_000 });
  }
});

test('the commit-notice subscription runs over TLS', async () => {
  const notices: CommitNotice[] = [];
  const subscription = subscribeCommitNotices({ redisUrl: url, redisOptions: redisOptions(tls), prefix: 'tls', onNotice: (notice) => notices.push(notice), onResubscribed: () => {} });
  const publisher = new Redis(url, { ...redisOptions(tls), maxRetriesPerRequest: null });
  try {
    const notice = { kind: 'rollback', origin: 'other', eid: 40101, toBlock: '7' };
    await waitUntil('the notice arrives', async () => {
      await publisher.publish(commitNoticeChannel('tls'), JSON.stringify(notice));
      return notices.length > 0;
    }, 15_000);
    expect(notices[0]).toMatchObject({ eid: 40101 });
  } finally {
    subscription.close();
    publisher.disconnect();
  }
});
