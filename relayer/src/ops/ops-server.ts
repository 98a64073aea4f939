// The relayer's HTTP endpoints for operators (node:http, no framework): `GET /metrics` in Prometheus'
// text format, `GET /healthz` — 200 when Redis answers and every chain's RPC answered recently, 503
// otherwise, with a JSON body saying why either way — and, when given the status, `GET /status` (what
// `ballast-relayer status` prints) and `GET /`, the same as a read-only dashboard page.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { ConfigError } from '../config.ts';
import { type Logger, silentLogger } from '../logging.ts';
import { renderDashboard } from './dashboard.ts';
import { MetricsRegistry } from './metrics.ts';
import { withTimeout } from './redis-connection.ts';
import type { RpcHealth } from './rpc-health.ts';
import type { RelayerStatus } from './status.ts';

export type HealthReport = {
  status: 'ok' | 'unhealthy';
  /** One sentence per failing check; empty when healthy. */
  problems: string[];
  /** One sentence per condition an operator should act on soon that does not fail the check (low funds, a long-pending transaction). */
  warnings: string[];
  redis: { ok: boolean; latencyMs?: number; error?: string };
  chains: { eid: number; chain: string; ok: boolean; lastAnswerAgoMs: number | null; headBlock: string | null; error: string | null }[];
};

export type HealthCheckParameters = {
  redis: Redis;
  rpcHealth: RpcHealth;
  /** A chain whose RPC has not answered for longer is unhealthy. */
  rpcMaxAgeMs: number;
  /** @defaultValue 1_000 */
  redisTimeoutMs?: number;
  /** The services' warnings (`Service.warnings`). */
  warnings?: () => string[];
};

/** Redis answers a PING in time, and every chain's RPC answered within `rpcMaxAgeMs`. */
export async function checkHealth({ redis, rpcHealth, rpcMaxAgeMs, redisTimeoutMs = 1_000, warnings = () => [] }: HealthCheckParameters): Promise<HealthReport> {
  const problems: string[] = [];
  const started = Date.now();
  let redisState: HealthReport['redis'];
  try {
    await withTimeout(redis.ping(), redisTimeoutMs, `no answer within ${redisTimeoutMs} ms`);
    redisState = { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    redisState = { ok: false, error: (error as Error).message };
    problems.push(`redis: PING failed (${(error as Error).message})`);
  }
  const now = Date.now();
  const stale = new Map(rpcHealth.problems(rpcMaxAgeMs, now).map((problem) => [problem.eid, problem.problem]));
  problems.push(...stale.values());
  const chains = rpcHealth.states().map((state) => ({
    eid: state.eid,
    chain: state.chain,
    ok: !stale.has(state.eid),
    lastAnswerAgoMs: state.lastAnswerAt === 0 ? null : now - state.lastAnswerAt,
    headBlock: state.headBlock === undefined ? null : state.headBlock.toString(),
    error: state.lastError ?? null,
  }));
  return { status: problems.length === 0 ? 'ok' : 'unhealthy', problems, warnings: warnings(), redis: redisState, chains };
}

export type OpsServerOptions = {
  host: string;
  /** 0 picks a free port (read it from `listen()`'s result). */
  port: number;
  metrics: MetricsRegistry;
  health: () => Promise<HealthReport>;
  /** The prefix's status (`relayerStatus`): serves `/status` and the dashboard at `/`. Concurrent requests share one read. */
  status?: () => Promise<RelayerStatus>;
  /** Seconds between the dashboard's reloads. @defaultValue 5 */
  dashboardRefreshSeconds?: number;
  logger?: Logger;
};

export class OpsServer {
  readonly #options: OpsServerOptions;
  readonly #logger: Logger;
  #server: Server | undefined;
  #statusRead: Promise<RelayerStatus> | undefined;

  constructor(options: OpsServerOptions) {
    this.#options = options;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'ops-server' });
  }

  /** Starts listening; resolves with the bound address. A port in use is a `ConfigError` naming the setting. */
  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.#options;
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const respond = async () => {
        if (path === '/metrics') {
          const body = await this.#options.metrics.render();
          response.writeHead(200, { 'content-type': MetricsRegistry.contentType }).end(body);
        } else if (path === '/healthz') {
          const report = await this.#options.health();
          response.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`);
        } else if (this.#options.status && path === '/status') {
          const status = await this.#status();
          response.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(status, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`);
        } else if (this.#options.status && (path === '/' || path === '/dashboard')) {
          const status = await this.#status();
          const page = renderDashboard(status, { refreshSeconds: this.#options.dashboardRefreshSeconds ?? 5 });
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
        } else {
          response.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found: try /metrics or /healthz${this.#options.status ? ', /status or / (the dashboard)' : ''}\n`);
        }
      };
      respond().catch((error: unknown) => {
        this.#logger.error({ err: error, path }, 'ops endpoint failed');
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('internal error\n');
      });
    });
    // Scrapers keep connections open; they must not hold up shutdown.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
            ? new ConfigError(`Cannot serve metrics on ${host}:${port} (${error.code}).`, {
                details: 'Set metrics.port (and metrics.host) in the config file or --metrics-port to a free port (0 picks one), or metrics.enabled false.',
                docsPath: 'OPERATIONS.md#metrics-and-health',
                cause: error,
              })
            : error,
        );
      });
      server.listen(port, host, () => resolve());
    });
    server.on('error', (error) => this.#logger.error({ err: error }, 'ops server error'));
    this.#server = server;
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** The status, one read at a time: a dashboard left open in several tabs costs one read per refresh. */
  #status(): Promise<RelayerStatus> {
    const read = this.#options.status as () => Promise<RelayerStatus>;
    this.#statusRead ??= read().finally(() => {
      this.#statusRead = undefined;
    });
    return this.#statusRead;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
