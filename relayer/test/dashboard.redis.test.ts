// The ops server's dashboard and /status over real Redis and BullMQ: a job that fails in a queue shows in
// `relayerStatus` (and so in `ballast-relayer status`), in GET /status and on the dashboard page, its
// reason escaped; the page reads the status once for requests that arrive together and within
// `statusCacheMs`; failing packets come a page at a time, their errors short and without URLs.
import { Queue, Worker } from 'bullmq';
import { expect, test } from 'vitest';
import { redisSuite } from '../../test/support/redis-suite.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { DELIVER_QUEUE } from '../src/courier/courier.ts';
import { CourierLedger } from '../src/courier/ledger.ts';
import { MetricsRegistry } from '../src/ops/metrics.ts';
import { OpsServer } from '../src/ops/ops-server.ts';
import { type RelayerStatus, relayerStatus } from '../src/ops/status.ts';

const suite = redisSuite('dashboard');
const { prefix } = suite;
const REASON = 'PingOApp_Refused(40101, 9) <img src=x onerror=alert(1)>';

test('a failed job shows in relayerStatus, GET /status and the dashboard (escaped); requests that arrive together share one read', async () => {
  const { redis } = suite;
  const queue = new Queue(DELIVER_QUEUE, { connection: redis, prefix });
  suite.onClose(() => queue.close());
  const worker = new Worker(
    DELIVER_QUEUE,
    async () => {
      throw new Error(REASON);
    },
    { connection: suite.connection(), prefix },
  );
  suite.onClose(() => worker.close(true).then(() => worker.disconnect()));
  await queue.add('deliver', { n: 1 }, { jobId: 'packet-1', attempts: 2, backoff: { type: 'fixed', delay: 10 } });
  await queue.add('deliver', { n: 2 }, { jobId: 'packet-2' });
  await waitUntil('both jobs to fail', async () => (await queue.getFailedCount()) === 2 || `${await queue.getFailedCount()} failed`, 15_000, 25);

  const deployments = new Error('Cannot read the deployments file /nowhere/deployments.json <missing>.\nPass --deployments.');
  const status = await relayerStatus({ redis, prefix, deployments });
  expect(status.failedJobs).toHaveLength(2);
  const first = status.failedJobs.find((job) => job.id === 'packet-1');
  expect(first).toMatchObject({ queue: DELIVER_QUEUE, name: 'deliver', reason: REASON, attempts: 2 });
  expect(first?.failedAt).toBeGreaterThan(Date.now() - 60_000);
  expect(status.failedJobs.find((job) => job.id === 'packet-2')).toMatchObject({ attempts: 1, reason: REASON });
  expect(status.queues[DELIVER_QUEUE]).toMatchObject({ failed: 2, paused: false });
  expect(status.chainsError).toBe('Cannot read the deployments file /nowhere/deployments.json <missing>.');

  // The server reads the status through a function that takes its time: five requests at once, one read.
  let reads = 0;
  const server = new OpsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new MetricsRegistry(),
    health: async () => ({ status: 'ok', problems: [], warnings: [], redis: { ok: true }, chains: [] }),
    status: async (page): Promise<RelayerStatus> => {
      reads += 1;
      await new Promise((wait) => setTimeout(wait, 300));
      return relayerStatus({ redis, prefix, deployments, page });
    },
    statusCacheMs: 1_000,
  });
  const { port } = await server.listen();
  suite.onClose(() => server.close());
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  };

  const [json, ...pages] = await Promise.all([get('/status'), get('/'), get('/'), get('/dashboard'), get('/')]);
  expect(reads).toBe(1);
  expect(json.status).toBe(200);
  expect(json.type).toBe('application/json');
  const served = JSON.parse(json.body) as RelayerStatus;
  expect(served.prefix).toBe(prefix);
  expect(served.failedJobs.map((job) => job.id).sort()).toEqual(['packet-1', 'packet-2']);

  for (const page of pages) {
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    const html = page.body;
    expect(html).toContain(`prefix <code>${prefix}</code>`);
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    // The queue's row: not paused, 2 failed (marked).
    expect(html).toMatch(/<tr><td>deliver<\/td><td class="ok">no<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td class="bad">2<\/td><td>0<\/td><\/tr>/);
    expect(html).toContain('<td class="mono">packet-1</td><td>deliver</td><td>2</td>');
    // Outside text is escaped: the reason's tag and the deployments error's.
    expect(html).toContain('PingOApp_Refused(40101, 9) &lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('/nowhere/deployments.json &lt;missing&gt;.');
    expect(html).toContain('No audit has run under this prefix yet.');
  }

  // Within statusCacheMs the read is served again; after it, a request reads anew.
  await get('/status');
  expect(reads).toBe(1);
  await new Promise((wait) => setTimeout(wait, 1_100));
  await get('/status');
  expect(reads).toBe(2);
  const missing = await get('/nothing');
  expect(missing.status).toBe(404);
  expect(missing.body).toContain('/status or / (the dashboard)');
});

test('without a status the server serves no dashboard', async () => {
  const server = new OpsServer({ host: '127.0.0.1', port: 0, metrics: new MetricsRegistry(), health: async () => ({ status: 'ok', problems: [], warnings: [], redis: { ok: true }, chains: [] }) });
  const { port } = await server.listen();
  suite.onClose(() => server.close());
  const response = await fetch(`http://127.0.0.1:${port}/`);
  expect(response.status).toBe(404);
  expect(await response.text()).toBe('Not found: try /metrics or /healthz\n');
});

test('failing packets are paged, and their errors are kept short and without URLs', async () => {
  const { redis } = suite;
  const ledger = new CourierLedger(redis, prefix);
  for (let nonce = 1; nonce <= 5; nonce++) {
    const guid = `0x${nonce.toString(16).padStart(64, '0')}` as const;
    await ledger.recordFailure(
      { guid, srcEid: 40101, dstEid: 40102, nonce: String(nonce), encodedPacket: '0x', options: '0x', srcTxHash: guid, srcBlock: '1', observedAt: 0 },
      'HttpRequestError',
      `HTTP request failed.\n\nURL: https://rpc.example.org/v3/SECRETKEY${nonce}\nRequest body: {"method":"eth_call"}`,
      nonce,
    );
    await new Promise((wait) => setTimeout(wait, 2));
  }
  const deployments = new Error('no deployments');
  const first = await relayerStatus({ redis, prefix, deployments, page: { offset: 0, limit: 2 } });
  expect(first.failingTotal).toBe(5);
  expect(first.failing.map((record) => record.nonce)).toEqual(['1', '2']);
  expect(first.failing[0]?.error).toBe('HTTP request failed.');
  const last = await relayerStatus({ redis, prefix, deployments, page: { offset: 4, limit: 2 } });
  expect(last).toMatchObject({ failingTotal: 5, failingOffset: 4 });
  expect(last.failing.map((record) => record.nonce)).toEqual(['5']);

  const server = new OpsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new MetricsRegistry(),
    health: async () => ({ status: 'ok', problems: [], warnings: [], redis: { ok: true }, chains: [] }),
    status: (page) => relayerStatus({ redis, prefix, deployments, page }),
  });
  const { port } = await server.listen();
  suite.onClose(() => server.close());
  const served = (await (await fetch(`http://127.0.0.1:${port}/status?offset=1&limit=3`)).json()) as RelayerStatus;
  expect(served.failing.map((record) => record.nonce)).toEqual(['2', '3', '4']);
  expect(JSON.stringify(served)).not.toContain('SECRETKEY');
});
