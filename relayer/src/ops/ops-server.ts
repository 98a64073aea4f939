// The relayer's HTTP endpoints for operators (node:http, no framework): `GET /metrics` in Prometheus'
// text format, `GET /healthz` — 200 when Redis answers and every chain's RPC answered recently, 503
// otherwise, with a JSON body saying why either way — and, when given the status, `GET /status` (what
// `ballast-relayer status` prints) and `GET /`, the same as a read-only dashboard page. The port shows
// addresses and revert reasons and costs Redis and RPC reads per request, so it is closed by default
// (loopback), can demand a bearer token, serves one status read per `statusCacheMs` to any number of
// callers, and bounds connections and slow clients.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config.ts';
import { type Logger, silentLogger } from '../logging.ts';
import { renderDashboard } from './dashboard.ts';
import { MetricsRegistry } from './metrics.ts';
import type { RedisHealthReport } from './redis-health.ts';
import type { RpcHealth } from './rpc-health.ts';
import type { RelayerStatus, StatusPage } from './status.ts';

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
  /** The Redis probe (`RedisHealth`): a PING and a write, so refused writes (OOM, READONLY, NOPERM) count. */
  redis: { check: () => Promise<RedisHealthReport> };
  rpcHealth: RpcHealth;
  /** A chain whose RPC has not answered for longer is unhealthy. */
  rpcMaxAgeMs: number;
  /** The services' warnings (`Service.warnings`). */
  warnings?: () => string[];
};

/** Redis answers a PING and takes a write in time, and every chain's RPC answered within `rpcMaxAgeMs`. */
export async function checkHealth({ redis, rpcHealth, rpcMaxAgeMs, warnings = () => [] }: HealthCheckParameters): Promise<HealthReport> {
  const problems: string[] = [];
  const redisState = await redis.check();
  if (!redisState.ok) problems.push(`redis: ${redisState.error}`);
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
  /**
   * The prefix's status (`relayerStatus`) with one page of the failing packets: serves `/status`
   * (`?offset=&limit=` page the failing packets) and the dashboard at `/` (the first page).
   */
  status?: (page: StatusPage) => Promise<RelayerStatus>;
  /** A status read serves every request for this long (requests during a read share it). @defaultValue 1_000 */
  statusCacheMs?: number;
  /** When set, every path demands `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Connections open at once; more are refused. @defaultValue 64 */
  maxConnections?: number;
  /** How long a client may take to send its request headers (then the whole request). @defaultValue 5_000 / 10_000 */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Seconds between the dashboard's reloads. @defaultValue 5 */
  dashboardRefreshSeconds?: number;
  logger?: Logger;
};

/** Failing packets per page of `/status` unless `limit` says; at most `MAX_STATUS_PAGE`. */
export const DEFAULT_STATUS_PAGE = 100;
export const MAX_STATUS_PAGE = 1_000;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `?offset=&limit=` of a /status request, bounded. */
function statusPage(url: URL): StatusPage {
  const number = (name: string, fallback: number) => {
    const value = Number(url.searchParams.get(name) ?? fallback);
    return Number.isInteger(value) && value >= 0 ? value : fallback;
  };
  return { offset: number('offset', 0), limit: Math.min(MAX_STATUS_PAGE, Math.max(1, number('limit', DEFAULT_STATUS_PAGE))) };
}

export class OpsServer {
  readonly #options: OpsServerOptions;
  readonly #logger: Logger;
  readonly #tokenDigest: Buffer | undefined;
  #server: Server | undefined;
  /** Status reads by page, each served until it expires. */
  readonly #statusReads = new Map<string, { read: Promise<RelayerStatus>; expiresAt: number }>();

  constructor(options: OpsServerOptions) {
    this.#options = options;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'ops-server' });
    this.#tokenDigest = options.token ? digest(options.token) : undefined;
  }

  /** Whether the request may be answered: the bearer token when one is set; on a loopback bind, a loopback Host (no DNS rebinding). */
  #refusal(request: IncomingMessage): { status: number; message: string } | undefined {
    if (LOOPBACK_NAMES.has(this.#options.host)) {
      const hostname = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_NAMES.has(hostname)) return { status: 421, message: 'This port serves loopback hosts only.\n' };
    }
    if (this.#tokenDigest) {
      const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), this.#tokenDigest)) return { status: 401, message: 'Authorization: Bearer <token> required (metrics.tokenEnv).\n' };
    }
    return undefined;
  }

  /** Starts listening; resolves with the bound address. A port in use is a `ConfigError` naming the setting. */
  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.#options;
    // Timeouts are enforced by a sweep of open connections: every second, not Node's default 30 s.
    const server = createServer({ connectionsCheckingInterval: 1_000, headersTimeout: this.#options.headersTimeoutMs ?? 5_000, requestTimeout: this.#options.requestTimeoutMs ?? 10_000 }, (request, response) => {
      const url = new URL(request.url ?? '/', 'http://ops');
      const path = url.pathname;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const refusal = this.#refusal(request);
      if (refusal) {
        response.writeHead(refusal.status, { 'content-type': 'text/plain', ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) }).end(refusal.message);
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
          const status = await this.#status(statusPage(url));
          response.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(status, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`);
        } else if (this.#options.status && (path === '/' || path === '/dashboard')) {
          const status = await this.#status({ offset: 0, limit: DEFAULT_STATUS_PAGE });
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
    // Scrapers keep connections open; they must not hold up shutdown. Slow or idle clients are cut off,
    // and connections are capped, so a client cannot hold the port.
    server.keepAliveTimeout = 5_000;
    server.maxConnections = this.#options.maxConnections ?? 64;
    server.maxHeadersCount = 50;
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

  /**
   * The status, one read per page per `statusCacheMs`: a dashboard left open in many tabs, or a client
   * polling in a loop, costs one read of Redis and the chains per interval. A failed read is not kept.
   */
  #status(page: StatusPage): Promise<RelayerStatus> {
    const read = this.#options.status as (page: StatusPage) => Promise<RelayerStatus>;
    const key = `${page.offset}:${page.limit}`;
    const now = Date.now();
    for (const [cached, entry] of this.#statusReads) if (entry.expiresAt <= now) this.#statusReads.delete(cached);
    const hit = this.#statusReads.get(key);
    if (hit) return hit.read;
    const entry = { read: read(page), expiresAt: Number.POSITIVE_INFINITY };
    this.#statusReads.set(key, entry);
    entry.read.then(
      () => {
        entry.expiresAt = Date.now() + (this.#options.statusCacheMs ?? 1_000);
      },
      () => this.#statusReads.delete(key),
    );
    return entry.read;
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
