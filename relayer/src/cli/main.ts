#!/usr/bin/env -S node --import tsx
// ballast-relayer: the operator's command line. `start` runs the courier (more roles join it as
// they land); `status` shows the queue and failing packets; `replay` retries one packet now.
import { parseArgs } from 'node:util';
import { BallastError, loadDeployments } from '@ballast/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Hex } from 'viem';
import { ConfigError, courierKeysFromEnv, positiveInteger } from '../config.ts';
import { Courier, DELIVER_QUEUE, replayDelivery } from '../courier/courier.ts';
import type { PacketJob } from '../courier/deliver.ts';
import { CourierLedger } from '../courier/ledger.ts';
import { createLogger } from '../logging.ts';

const HELP = `ballast-relayer <command> [options]

Commands:
  start              Run the courier: follow every chain's endpoint, verify and execute packets.
  status             Queue counts and the packets whose delivery is failing.
  replay <guid>      Retry one packet's delivery now.

Options:
  --deployments <path>   Deployments file (default: .devnet/deployments.json, written by pnpm devnet)
  --redis <url>          Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)
  --prefix <prefix>      Redis key prefix shared by cooperating relayers (default: ballast)
  --concurrency <n>      Deliveries in progress at once (start; default 16)
  --lock-duration-ms <n> How soon a dead relayer's jobs move on (start; default 30000)
  --log-level <level>    trace | debug | info | warn | error (default: info)
  -h, --help             This help.

Environment (start):
  BALLAST_TRANSACTOR_KEY   Private key that sends this process's transactions (one per process).
  BALLAST_DVN_SIGNER_KEYS  Comma-separated private keys of the DVN's signers.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      deployments: { type: 'string', default: '.devnet/deployments.json' },
      redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      prefix: { type: 'string', default: 'ballast' },
      concurrency: { type: 'string' },
      'lock-duration-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const logger = createLogger(values['log-level']);

  if (command === 'start') {
    // Flags and keys first: a typo is reported before anything connects.
    const concurrency = positiveInteger('--concurrency', values.concurrency, 16);
    const lockDurationMs = positiveInteger('--lock-duration-ms', values['lock-duration-ms'], 30_000);
    const keys = courierKeysFromEnv();
    const deployments = await loadDeployments(values.deployments);
    const courier = new Courier({ deployments, redisUrl: values.redis, prefix: values.prefix, logger, concurrency, lockDurationMs, ...keys });
    courier.start();
    await new Promise<void>((resolve) => {
      const stop = () => {
        logger.info('shutting down: finishing in-flight deliveries');
        courier.stop().then(resolve, (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve();
        });
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  }

  if (command === 'replay' && !rest[0]) throw new ConfigError('replay needs the packet GUID: ballast-relayer replay <guid>.');
  if (command === 'status' || command === 'replay') {
    const redis = new Redis(values.redis, { maxRetriesPerRequest: 1 });
    const queue = new Queue<PacketJob>(DELIVER_QUEUE, { connection: redis, prefix: values.prefix });
    try {
      if (command === 'status') {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
        const failures = await new CourierLedger(redis, values.prefix).failures();
        process.stdout.write(`${JSON.stringify({ deliverQueue: counts, failing: failures }, null, 2)}\n`);
        return 0;
      }
      const guid = rest[0] as string;
      const outcome = await replayDelivery(queue, guid as Hex);
      if (outcome === 'not-found') throw new ConfigError(`No deliver job for packet ${guid} under prefix "${values.prefix}".`);
      process.stdout.write(`${guid}: ${outcome}\n`);
      return 0;
    } finally {
      await queue.close();
      redis.disconnect();
    }
  }

  process.stderr.write(`Unknown command "${command}".\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof BallastError ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
