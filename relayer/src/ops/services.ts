// What `ballast-relayer start` runs: one Service per configured role, started in order and stopped in
// reverse on SIGTERM/SIGINT with one shared deadline. A role joins by adding a ServiceFactory to the
// role table the CLI passes to `buildServices` (the courier and ingest are in ./roles.ts; the keeper
// adds `keeper: keeperService` there): the factory gets the process's config, deployments, Redis,
// metrics registry and logger, checks what it needs (keys, settings) before connecting anywhere, and
// returns a Service. Roles of one process work together through `ServiceContext.local`: ingest leaves
// itself and its reconcile store there, and a keeper or liquidator of the same process follows them (each
// applied batch re-scores the accounts it touched, a feed's answer its asset's holders) instead of
// waiting for its next sweep.
import type { Deployments } from '@ballast/protocol';
import type { Redis } from 'ioredis';
import { ConfigError } from '../config.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logging.ts';
import type { ReconcileStore } from '../reconcile/account-store.ts';
import type { RelayerConfig, RelayerRole } from './config-file.ts';
import type { MetricsRegistry } from './metrics.ts';

export type ServiceStopOptions = {
  /**
   * Wall-clock ms by which the service should be stopped. Work still in flight then is handed back
   * (a queue job back to waiting for another relayer), never dropped.
   */
  deadline: number;
};

/** A long-running part of a relayer process. */
export interface Service {
  /** The role it runs, for logs (`courier`, `ingest`, `keeper`, …). */
  readonly name: string;
  /** Starts the work; resolves once it runs (not when it ends). */
  start(): Promise<void> | void;
  /** Stops taking new work, lets work in flight finish until `deadline`, hands back the rest, closes connections. */
  stop(options: ServiceStopOptions): Promise<void>;
  /** Conditions `/healthz` lists as warnings without failing (a key low on funds, a transaction pending long). */
  warnings?(): string[];
}

/** What a service factory gets from the process. */
export type ServiceContext = {
  config: RelayerConfig;
  /** The deployments with the config file's chain overrides applied. */
  deployments: Deployments;
  /**
   * The process's shared Redis connection (non-blocking commands; `maxRetriesPerRequest: null`). A
   * service that needs a blocking connection (a BullMQ worker) opens its own from `config.redis.url`.
   */
  redis: Redis;
  metrics: MetricsRegistry;
  logger: Logger;
  /** Where keys are read from, by the names in `config.keys`. */
  env: NodeJS.ProcessEnv;
  /** Values the process masks wherever it prints or stores text (the Redis password, RPC URL parts, keys). */
  secrets?: readonly string[];
  /** What this process's roles share (`buildServices` makes it; ingest's factory runs first and fills it). */
  local: LocalServices;
};

/** Parts of one relayer process that its other roles use. */
export type LocalServices = {
  /** The process's ingest and the store it keeps, when it runs the `ingest` role: its keepers follow them. */
  ingest?: { ingest: Ingest; store: ReconcileStore };
};

export type ServiceFactory = (context: ServiceContext) => Service;

/** Factories by role; a role without one is not available in this build. */
export type RoleTable = Partial<Record<RelayerRole, ServiceFactory>>;

/** Roles whose factories run before the others': what they leave in `ServiceContext.local` the others use. */
const BUILT_FIRST: readonly RelayerRole[] = ['ingest'];

/**
 * Builds the services of `roles`, returned in that order (the order they start in); throws `ConfigError`
 * for a role the table does not have. Ingest is built first, whatever its place, so the keeper and the
 * liquidator of the same process find it.
 */
export function buildServices(roles: readonly RelayerRole[], table: RoleTable, shared: Omit<ServiceContext, 'local'>): Service[] {
  const available = Object.keys(table);
  for (const [index, role] of roles.entries()) {
    if (!table[role]) {
      throw new ConfigError(`roles.${index}: "${role}" is not available in this relayer yet; remove it from roles (available: ${available.join(', ')}).`, {
        docsPath: 'OPERATIONS.md#config-file',
      });
    }
  }
  const context: ServiceContext = { ...shared, local: {} };
  const built = new Map<RelayerRole, Service>();
  for (const role of [...roles.filter((role) => BUILT_FIRST.includes(role)), ...roles.filter((role) => !BUILT_FIRST.includes(role))]) {
    built.set(role, (table[role] as ServiceFactory)(context));
  }
  return roles.map((role) => built.get(role) as Service);
}

export type StopReport = {
  /** Services that stopped before the deadline. */
  stopped: string[];
  /** Services still stopping at the deadline (plus a short grace); the process exits anyway. */
  late: string[];
  /** Services whose stop threw. */
  failed: string[];
};

/** Starts services in order, stops them in reverse. */
export class ServiceSupervisor {
  readonly #services: readonly Service[];
  readonly #logger: Logger;
  #started: Service[] = [];

  constructor(services: readonly Service[], logger: Logger) {
    this.#services = services;
    this.#logger = logger;
  }

  /** Starts every service; if one fails, stops those already started and rethrows. */
  async start(): Promise<void> {
    for (const service of this.#services) {
      try {
        await service.start();
      } catch (error) {
        this.#logger.error({ role: service.name, err: error }, 'service failed to start; stopping the others');
        await this.stop(Date.now() + 5_000);
        throw error;
      }
      this.#started.push(service);
      this.#logger.info({ role: service.name }, 'service started');
    }
  }

  /**
   * Stops the started services in reverse order, all by `deadline`. A service that has not stopped
   * `lateAfterMs` past the deadline is reported late and left behind.
   */
  async stop(deadline: number, lateAfterMs = 2_000): Promise<StopReport> {
    const report: StopReport = { stopped: [], late: [], failed: [] };
    const services = [...this.#started].reverse();
    this.#started = [];
    for (const service of services) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()) + lateAfterMs);
      });
      try {
        const outcome = await Promise.race([Promise.resolve(service.stop({ deadline })).then(() => 'stopped' as const), late]);
        report[outcome === 'late' ? 'late' : 'stopped'].push(service.name);
        if (outcome === 'late') this.#logger.warn({ role: service.name }, 'service did not stop by the deadline; leaving it');
        else this.#logger.info({ role: service.name }, 'service stopped');
      } catch (error) {
        report.failed.push(service.name);
        this.#logger.error({ role: service.name, err: error }, 'service failed to stop cleanly');
      } finally {
        clearTimeout(timer);
      }
    }
    return report;
  }
}
