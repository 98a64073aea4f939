// The ops port's guards: a bearer token when one is set, loopback Host names only on a loopback bind
// (a page in a browser on the same host cannot rebind a name to it), slow clients cut off, and GET or
// HEAD only (what /metrics serves, with the process metrics, is checked through the port).
import { type Socket, connect } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { MetricsRegistry } from './metrics.ts';
import { OpsServer, type OpsServerOptions } from './ops-server.ts';

const servers: OpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(options: Partial<OpsServerOptions> = {}): Promise<number> {
  const server = new OpsServer({ host: '127.0.0.1', port: 0, metrics: new MetricsRegistry(), health: async () => ({ status: 'ok', problems: [], warnings: [], redis: { ok: true }, chains: [] }), ...options });
  servers.push(server);
  return (await server.listen()).port;
}

test('with a token, every path demands it', async () => {
  const port = await serve({ token: 'ops-token-0123456789' });
  const get = (headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}/healthz`, { headers });
  const none = await get();
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  expect((await get({ authorization: 'Bearer wrong' })).status).toBe(401);
  expect((await get({ authorization: 'Bearer ops-token-0123456789' })).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
});

test('without a token the port answers anyone it can reach', async () => {
  const port = await serve();
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200);
});

test('on a loopback bind, a request naming another host is refused', async () => {
  const port = await serve();
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`GET /healthz HTTP/1.1\r\nHost: attacker.example:${port}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  expect(reply).toMatch(/^HTTP\/1\.1 421 /);
});

test('/metrics serves the text format with the process and event-loop metrics; a write method is refused', async () => {
  const port = await serve();
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const body = await response.text();
  expect(body).toMatch(/^nodejs_eventloop_lag_seconds [0-9.e+-]+$/m);
  expect(body).toMatch(/^process_resident_memory_bytes [0-9.e+-]+$/m);
  expect(body).toContain('# TYPE ballast_metrics_collect_errors_total counter');
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const refused = await fetch(`http://127.0.0.1:${port}/metrics`, { method });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, HEAD');
  }
});

test('a client that never finishes its headers is cut off', async () => {
  const port = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
  const started = Date.now();
  const closed = await new Promise<number>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    socket.on('data', () => {});
    socket.on('close', () => resolve(Date.now() - started));
    socket.on('error', reject);
  });
  // Connections are swept every second: cut off within a few seconds, not Node's default 30 s sweep.
  expect(closed).toBeLessThan(5_000);
});

test('connections beyond maxConnections are refused while the others are held', async () => {
  const port = await serve({ maxConnections: 2, headersTimeoutMs: 10_000, requestTimeoutMs: 20_000 });
  // Two idle clients hold their connections (headers never finished).
  const held = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write('GET /healthz HTTP/1.1\r\n');
            resolve(socket);
          });
          socket.on('error', reject);
        }),
    ),
  );
  await new Promise((wait) => setTimeout(wait, 200));
  // A third is accepted by the kernel and closed by the server at once, unanswered.
  const third = await new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  expect(third).toBe('');
  for (const socket of held) socket.destroy();
  await new Promise((wait) => setTimeout(wait, 200));
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
});
