#!/usr/bin/env -S node --max-semi-space-size=64 --import tsx
// ballast-relayer: the operator's command line. `start` runs the configured roles (courier, ingest,
// heartbeat; the keeper joins as one more service) with /metrics and /healthz, and shuts down gracefully on
// SIGTERM/SIGINT; `status`, `accounts`, `replay`, `drain` and `resume` read or steer the relayers that
// share a Redis prefix. Settings come from the config file (--config), overridden by flags.
import { parseArgs } from 'node:util';
import { BallastError, type Deployments, loadDeployments } from '@ballast/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isHex, parseUnits } from 'viem';
import { ConfigError, positiveInteger } from '../config.ts';
import { DELIVER_QUEUE, replayDelivery } from '../courier/courier.ts';
import type { PacketJob } from '../courier/deliver.ts';
import { type ActionJob, KEEPER_ACTIONS } from '../keeper/actions.ts';
import type { ActionRecord } from '../keeper/ledger.ts';
import { actionOfJobId, queueOf, replayAction } from '../keeper/queue.ts';
import { captureConsole, createLogger, scrubSecrets, urlSecrets } from '../logging.ts';
import { accountsReport } from '../ops/accounts-at-risk.ts';
import { type RelayerConfig, type RelayerConfigOverrides, applyChainOverrides, parseLogLevel, parseRoles, resolveRelayerConfig } from '../ops/config-file.ts';
import { MetricsRegistry } from '../ops/metrics.ts';
import { OpsServer, checkHealth } from '../ops/ops-server.ts';
import { drainQueues, resumeQueues } from '../ops/queues.ts';
import { connectRedis, redactRedisUrl, redisOptions } from '../ops/redis-connection.ts';
import { RedisHealth, checkRedisPolicy, registerRedisMemoryMetrics } from '../ops/redis-health.ts';
import { ERROR_STACK_FRAMES } from '../ops/retention.ts';
import { registerRelayerMetrics } from '../ops/relayer-metrics.ts';
import { BUILT_IN_ROLES } from '../ops/roles.ts';
import { RpcHealth } from '../ops/rpc-health.ts';
import { ServiceSupervisor, buildServices } from '../ops/services.ts';
import { relayerStatus } from '../ops/status.ts';

const HELP = `ballast-relayer <command> [options]

Commands:
  start                 Run the configured roles (default: courier and ingest, and heartbeat when
                        BALLAST_HEARTBEAT_KEY is set), serve /metrics,
                        /healthz, /status and a read-only dashboard at /; SIGTERM or Ctrl-C finishes
                        in-flight jobs and exits 0.
  status                Per chain: head, ingest and courier cursors and their lag; per queue: depth and
                        whether it is paused; the packets whose delivery is failing; the recent failed
                        jobs; the last audit. JSON.
  accounts [--at-risk]  Accounts from the reconcile store with their home health (computed; see the
                        output's "basis"), lowest first. --at-risk: only those below the at-risk health.
  replay <guid> | <job id>
                        Retry one packet's delivery now (its GUID; a packet the carriage policy refused is
                        judged again), or one keeper action (its job id as status lists it, e.g.
                        flag-40101-0xAbc…-0): a failed job is retried, a delayed one runs now.
  drain                 Pause every queue of the prefix (no relayer takes a new job) and wait for the
                        jobs in flight. Exit 1 if some are still running at --timeout-ms.
  resume                Resume the queues after a drain.

Options:
  --config <path>            Relayer config file (JSON, docs/OPERATIONS.md#config-file); flags override it
  --deployments <path>       Deployments file (default: .devnet/deployments.json, written by pnpm devnet)
  --redis <url>              Redis URL (default: the config file's, else $REDIS_URL, else redis://127.0.0.1:6379)
  --prefix <prefix>          Redis key prefix shared by cooperating relayers (default: ballast)
  --roles <list>             start: comma-separated roles to run (default: courier,ingest[,heartbeat])
  --concurrency <n>          start: deliveries in progress at once (default 16)
  --lock-duration-ms <n>     start: how soon a dead relayer's jobs move on (default 30000)
  --metrics-port <n>         start: port of /metrics and /healthz (default 9464; 0 picks a free one)
  --shutdown-timeout-ms <n>  start: how long in-flight jobs get on SIGTERM before they are handed back (default 20000)
  --at-risk                  accounts: only accounts below thresholds.atRiskHealth
  --below <health>           accounts: list accounts under this health instead of by bucket, e.g. 1.5
  --timeout-ms <n>           drain: how long to wait for jobs in flight (default 60000)
  --log-level <level>        trace | debug | info | warn | error | fatal | silent (default: info)
  -h, --help                 This help.

Environment:
  BALLAST_TRANSACTOR_KEY   start (courier): private key that sends this process's transactions (one per process).
  BALLAST_DVN_SIGNER_KEYS  start (courier): comma-separated private keys of the DVN's signers.
  (The config file's "keys" can name other variables.)
`;

/** A usage mistake: exit 2 with the help. */
class UsageError extends BallastError {
  override name = 'UsageError';
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        deployments: { type: 'string' },
        redis: { type: 'string' },
        prefix: { type: 'string' },
        roles: { type: 'string' },
        concurrency: { type: 'string' },
        'lock-duration-ms': { type: 'string' },
        'metrics-port': { type: 'string' },
        'shutdown-timeout-ms': { type: 'string' },
        'at-risk': { type: 'boolean' },
        below: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

type Flags = ReturnType<typeof parseCommandLine>['values'];

/** Flags as config overrides, each checked and named on error. */
function overridesFromFlags(values: Flags): RelayerConfigOverrides {
  const port = values['metrics-port'];
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65_535)) throw new ConfigError(`--metrics-port must be a port from 0 to 65535, got "${port}".`);
  if (values.redis !== undefined && !/^rediss?:\/\//.test(values.redis)) throw new ConfigError(`--redis must be a redis:// or rediss:// URL, got "${redactRedisUrl(values.redis)}".`);
  if (values.prefix !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(values.prefix)) throw new ConfigError(`--prefix must be letters, digits and _ . : - only, got "${values.prefix}".`);
  const integer = (name: string, value: string | undefined) => (value === undefined ? undefined : positiveInteger(name, value, 0));
  return {
    deployments: values.deployments,
    redisUrl: values.redis,
    prefix: values.prefix,
    roles: values.roles === undefined ? undefined : parseRoles('--roles', values.roles),
    concurrency: integer('--concurrency', values.concurrency),
    lockDurationMs: integer('--lock-duration-ms', values['lock-duration-ms']),
    metricsPort: port === undefined ? undefined : Number(port),
    shutdownTimeoutMs: integer('--shutdown-timeout-ms', values['shutdown-timeout-ms']),
    logLevel: values['log-level'] === undefined ? undefined : parseLogLevel('--log-level', values['log-level']),
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!['start', 'status', 'accounts', 'replay', 'drain', 'resume'].includes(command)) throw new UsageError(`Unknown command "${command}".`);
  if (command === 'replay' && !rest[0]) throw new ConfigError('replay needs a packet GUID or a keeper job id: ballast-relayer replay <guid|job id>.');
  // Flags first, then the file: a typo is reported before anything is read or connects.
  const overrides = overridesFromFlags(values);
  const config = await resolveRelayerConfig({ file: values.config, overrides });

  if (command === 'start') return start(config);

  const redis = await connectRedis(config.redis.url, { tls: config.redis.tls });
  try {
    const prefix = config.redis.prefix;
    if (command === 'status') {
      const deployments = await loadDeployments(config.deploymentsPath).then(
        (loaded) => applyChainOverrides(config, loaded),
        (error: unknown) => error as Error,
      );
      printJson(await relayerStatus({ redis, prefix, deployments, rpcTimeoutMs: config.health.rpcTimeoutMs, secrets: processSecrets(config, deployments, process.env) }));
      return 0;
    }
    if (command === 'accounts') {
      const deployments: Deployments = applyChainOverrides(config, await loadDeployments(config.deploymentsPath));
      const below = values.below === undefined ? undefined : healthFlag('--below', values.below);
      printJson(
        await accountsReport({
          redis,
          prefix,
          deployments,
          thresholds: config.thresholds,
          atRiskOnly: values['at-risk'] === true || below !== undefined,
          ...(below === undefined ? {} : { below }),
          rpcTimeoutMs: config.health.rpcTimeoutMs,
        }),
      );
      return 0;
    }
    if (command === 'drain') {
      const timeoutMs = positiveInteger('--timeout-ms', values['timeout-ms'], 60_000);
      let reported = -1;
      const report = await drainQueues({
        redis,
        prefix,
        timeoutMs,
        onProgress: (active) => {
          if (active !== reported && active > 0) process.stderr.write(`waiting for ${active} job(s) in flight…\n`);
          reported = active;
        },
      });
      printJson(report);
      if (report.drained) return 0;
      process.stderr.write(`${report.stillActive} job(s) still in flight after ${timeoutMs} ms; the queues stay paused. Run drain again to keep waiting.\n`);
      return 1;
    }
    if (command === 'resume') {
      printJson({ resumed: await resumeQueues(redis, prefix) });
      return 0;
    }
    // replay: a packet by GUID, a keeper action by job id
    const id = rest[0] as string;
    if (isHex(id) && id.length === 66) {
      const queue = new Queue<PacketJob>(DELIVER_QUEUE, { connection: redis, prefix });
      try {
        const outcome = await replayDelivery(queue, id);
        if (outcome === 'not-found') throw new ConfigError(`No deliver job for packet ${id} under prefix "${prefix}".`);
        process.stdout.write(`${id}: ${outcome}\n`);
        return 0;
      } finally {
        await queue.close();
      }
    }
    const action = actionOfJobId(id);
    if (!action) throw new ConfigError(`"${id}" is neither a packet GUID (0x + 64 hex digits) nor a keeper job id (<action>-<eid>-<account>-<epoch>, action one of ${KEEPER_ACTIONS.join(', ')}).`);
    const queue = new Queue<ActionJob, ActionRecord>(queueOf(action), { connection: redis, prefix });
    try {
      const outcome = await replayAction(queue, id);
      if (outcome === 'not-found') throw new ConfigError(`No ${queueOf(action)} job ${id} under prefix "${prefix}".`);
      process.stdout.write(`${id}: ${outcome}\n`);
      return 0;
    } finally {
      await queue.close();
    }
  } finally {
    redis.disconnect();
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2)}\n`);
}

function healthFlag(name: string, value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value) || /^0+(\.0*)?$/.test(value)) throw new ConfigError(`${name} must be a health factor above 0 such as 1.5, got "${value}".`);
  return parseUnits(value, 18);
}

/**
 * What this process must never print: its Redis URL's credentials, every RPC URL's path and query parts
 * (API keys), and the keys its roles read (masked should one ever reach a message).
 */
function processSecrets(config: RelayerConfig, deployments: Deployments | Error, env: NodeJS.ProcessEnv): string[] {
  const urls = [config.redis.url, ...config.chains.flatMap((chain) => (chain.rpcUrl ? [chain.rpcUrl] : [])), ...(deployments instanceof Error ? [] : deployments.chains.map((chain) => chain.rpcUrl))];
  const keys = Object.values(config.keys).flatMap((name) => (env[name] ?? '').split(',').filter((key) => key.length >= 16));
  const token = config.metrics.tokenEnv ? env[config.metrics.tokenEnv] : undefined;
  return [...urlSecrets(urls), ...keys, ...(token ? [token] : [])];
}

/** Runs the configured roles until SIGTERM/SIGINT; resolves with the exit code. */
async function start(config: RelayerConfig): Promise<number> {
  // Stacks are kept per failed attempt by BullMQ: a few frames say where; more is Redis memory.
  Error.stackTraceLimit = ERROR_STACK_FRAMES;
  const deployments = applyChainOverrides(config, await loadDeployments(config.deploymentsPath));
  const secrets = processSecrets(config, deployments, process.env);
  const logger = createLogger(config.logLevel, { secrets });
  // Libraries' console lines (BullMQ's connection errors carry Redis command arguments) go through it too.
  captureConsole(logger);
  const opsToken = config.metrics.tokenEnv ? process.env[config.metrics.tokenEnv] : undefined;
  if (config.metrics.tokenEnv && !opsToken) {
    throw new ConfigError(`${config.metrics.tokenEnv} is not set (metrics.tokenEnv names it as the ops port's bearer token).`, {
      details: 'Set it to a long random string (e.g. `openssl rand -hex 32`), or remove metrics.tokenEnv to serve the port without a token.',
      docsPath: 'OPERATIONS.md#security',
    });
  }
  // Lazy: nothing connects before every service has checked its keys and settings.
  const redis = new Redis(config.redis.url, { ...redisOptions(config.redis.tls), lazyConnect: true, maxRetriesPerRequest: null });
  const redisHealth = new RedisHealth({ redis, prefix: config.redis.prefix, logger, timeoutMs: config.health.redisTimeoutMs });
  const metrics = new MetricsRegistry();
  const services = buildServices(config.roles, BUILT_IN_ROLES, { config, deployments, redis, metrics, logger, env: process.env, secrets });
  // An evicting Redis loses jobs, cursors and reorg windows: refuse it before any role touches it.
  try {
    const policy = await checkRedisPolicy(redis, { timeoutMs: 5_000 });
    if (policy.safe === 'unknown') {
      logger.warn({ reason: policy.reason }, 'cannot read maxmemory-policy; make sure it is noeviction (OPERATIONS.md#redis-memory)');
    }
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const rpcHealth = new RpcHealth({ chains: deployments.chains, probeIntervalMs: config.health.rpcProbeIntervalMs, timeoutMs: config.health.rpcTimeoutMs, logger });
  registerRelayerMetrics({ metrics, redis, prefix: config.redis.prefix, chains: deployments.chains, rpcHealth, roles: config.roles, redisTimeoutMs: config.health.redisTimeoutMs });
  registerRedisMemoryMetrics({ metrics, redis, timeoutMs: config.health.redisTimeoutMs });
  const server = config.metrics.enabled
    ? new OpsServer({
        host: config.metrics.host,
        port: config.metrics.port,
        metrics,
        health: () => checkHealth({ redis: redisHealth, rpcHealth, rpcMaxAgeMs: config.health.rpcMaxAgeMs, warnings: () => services.flatMap((service) => service.warnings?.() ?? []) }),
        status: (page) => relayerStatus({ redis, prefix: config.redis.prefix, deployments, rpcTimeoutMs: config.health.rpcTimeoutMs, page, secrets }),
        statusCacheMs: config.metrics.statusCacheMs,
        token: opsToken,
        maxConnections: config.metrics.maxConnections,
        headersTimeoutMs: config.metrics.headersTimeoutMs,
        logger,
      })
    : undefined;
  const supervisor = new ServiceSupervisor(services, logger);

  let startup: Promise<void> = Promise.resolve();
  const exitCode = new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (reason: NodeJS.Signals | 'fatal error') => {
      if (stopping) {
        if (reason === 'fatal error') return;
        logger.warn({ signal: reason }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      const deadline = Date.now() + config.shutdown.timeoutMs;
      logger.info({ signal: reason, timeoutMs: config.shutdown.timeoutMs }, 'shutting down: taking no new jobs; jobs in flight get until the deadline, then are handed back');
      void (async () => {
        await startup.catch(() => {});
        const report = await supervisor.stop(deadline);
        rpcHealth.stop();
        await server?.close();
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
        logger.info(report, 'relayer stopped');
        resolve(report.failed.length > 0 || reason === 'fatal error' ? 1 : 0);
      })().catch((error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        resolve(1);
      });
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    // A failure nothing handled is a bug, not a reason to die without a word or to drop jobs in flight:
    // log it (scrubbed like every line) and shut down gracefully, exit 1, for the supervisor to restart.
    const fatal = (kind: string) => (error: unknown) => {
      logger.fatal({ err: error, kind }, `${kind}; shutting down`);
      shutdown('fatal error');
    };
    process.on('unhandledRejection', fatal('unhandled promise rejection'));
    process.on('uncaughtException', fatal('uncaught exception'));
  });

  rpcHealth.start();
  startup = (async () => {
    const address = await server?.listen();
    if (address) logger.info({ host: address.host, port: address.port, paths: ['/metrics', '/healthz', '/status', '/'], token: opsToken !== undefined }, 'serving /metrics and /healthz');
    await supervisor.start();
  })();
  try {
    await startup;
  } catch (error) {
    rpcHealth.stop();
    await server?.close();
    redis.disconnect();
    throw error;
  }
  logger.info({ roles: config.roles, prefix: config.redis.prefix, config: config.source ?? null, deployments: config.deploymentsPath }, 'relayer started');
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${HELP}`);
      process.exit(2);
    }
    // Scrubbed: a message may quote a URL with credentials (the config is not known here to mask more).
    process.stderr.write(`${scrubSecrets(error instanceof BallastError ? error.message : String((error as Error)?.stack ?? error))}\n`);
    process.exit(1);
  },
);
