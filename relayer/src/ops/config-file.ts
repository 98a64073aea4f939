// The relayer's config file (JSON): which deployment and Redis, which roles run, per-chain overrides,
// thresholds, metrics, health and shutdown settings, and the NAMES of the environment variables that
// hold the keys (a key never sits in a file). One zod schema checks it at the edge: a bad field is
// reported by its path with what to put there, before anything connects. Flags override the file;
// `$REDIS_URL` and the built-in defaults fill what neither gives. Reference: docs/OPERATIONS.md#config-file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Deployments } from '@ballast/protocol';
import { parseUnits } from 'viem';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import type { Chains } from '../chains.ts';
import { ingestSettingsSchema } from '../ingest/settings.ts';
import { keeperSettingsSchema } from '../keeper/settings.ts';
import type { Logger } from '../logging.ts';
import { TransactorWatch } from '../transactor-watch.ts';

export const RELAYER_ROLES = ['courier', 'ingest', 'keeper', 'liquidator', 'heartbeat'] as const;
export type RelayerRole = (typeof RELAYER_ROLES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Where the deployments file is when neither the config file nor `--deployments` says. */
export const DEFAULT_DEPLOYMENTS_PATH = '.devnet/deployments.json';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const positiveInteger = z.number().int().positive();

/** An environment variable's name; a value that looks like a key itself is refused. */
const envName = z.string().superRefine((value, context) => {
  // The value is never echoed: what is not a variable name may be a key or a mnemonic pasted by mistake.
  if (/^\s*(0x)?[0-9a-f]{40,}\s*$/i.test(value) || value.trim().split(/\s+/).length >= 12) {
    context.addIssue({ code: 'custom', message: 'this looks like a key or a mnemonic itself (not shown), and keys never go in the config file' });
  } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    context.addIssue({ code: 'custom', message: `the value (${value.length} characters, not shown) is not an environment variable name` });
  }
});

/** A health factor as a decimal (`1.1`, or `"1.1"` to keep every digit), to 1e18 fixed point. */
const healthFactor = z.union([z.number(), z.string()]).transform((value, context) => {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^\d+(\.\d{1,18})?$/.test(text)) {
    context.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a decimal health factor` });
    return z.NEVER;
  }
  const wad = parseUnits(text, 18);
  if (wad === 0n) {
    context.addIssue({ code: 'custom', message: 'a health factor must be above 0' });
    return z.NEVER;
  }
  return wad;
});

/** An amount of wei as a decimal integer string (or a safe integer). */
const wei = z.union([z.string(), z.number()]).transform((value, context) => {
  const text = String(value);
  if (!/^\d+$/.test(text) || (typeof value === 'number' && !Number.isSafeInteger(value))) {
    context.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a whole number of wei` });
    return z.NEVER;
  }
  return BigInt(text);
});

const chainOverrideSchema = z.strictObject({
  eid: positiveInteger.describe("the chain's LayerZero endpoint id as the deployments file has it, e.g. 40101"),
  rpcUrl: z.url({ protocol: /^https?$/ }).optional().describe('an http(s) JSON-RPC URL, e.g. "https://rpc.example.org"'),
  confirmations: z.number().int().nonnegative().optional().describe('a whole number of blocks (0 or more) ingest stays behind the head, e.g. 12'),
  reorgDepth: positiveInteger.optional().describe('a whole number of blocks (1 or more), above the deepest reorg the chain can have, e.g. 64'),
  startBlock: z.number().int().nonnegative().optional().describe('a block number (0 or more) where ingest starts on a chain with no cursor'),
  pollIntervalMs: positiveInteger.optional().describe('milliseconds (1 or more) between ingest polls of this chain once caught up, e.g. 100 on a chain with sub-second blocks'),
  /** The courier's caps for deliveries TO this chain (override `courier.maxDeliveryGas` / `courier.maxDeliveryValueWei`). */
  maxDeliveryGas: wei.optional().describe('the most lzReceive gas the courier gives one delivery to this chain, e.g. "5000000"'),
  maxDeliveryValueWei: wei.optional().describe('the most native value, in wei, the courier sends with one delivery to this chain, e.g. "0"'),
  /** A transactor key's balance under this warns on /healthz (overrides `funds.lowBalanceWei`). */
  lowBalanceWei: wei.optional().describe('a balance in wei under which a transactor key on this chain warns on /healthz, e.g. "100000000000000000"'),
}).describe('"eid" is required');

/** An allowlisted sending app: a contract name of the deployments file (every chain that has it) or `<eid>:<address>`. */
const allowlistEntry = z.string().regex(/^([A-Za-z_][A-Za-z0-9_]*|[1-9]\d*:0x[0-9a-fA-F]{40})$/, 'a contract name of the deployments file or "<eid>:<0x address>"').describe('a contract name of the deployments file (e.g. "creditMirror") or "<eid>:<0x address>"');

export const relayerConfigSchema = z.strictObject({
  /** Editors' JSON-schema pointer; ignored. */
  $schema: z.string().optional().describe('a string (ignored)'),
  deployments: z.string().min(1).optional().describe('the path of the deployments file, relative to the config file, e.g. "deployments.json"'),
  redis: z
    .strictObject({
      url: z.url({ protocol: /^rediss?$/ }).optional().describe('a Redis URL, e.g. "redis://127.0.0.1:6379" ("rediss://" for TLS)'),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
        .optional()
        .describe('the key prefix relayers that cooperate share: letters, digits and _ . : -, e.g. "ballast"'),
      /** TLS to Redis (with a `rediss://` URL): files of the CA, the client certificate and key; the server name to verify. */
      tls: z
        .strictObject({
          caFile: z.string().min(1).optional().describe('the path of a PEM file of the CA that signed the Redis server certificate, relative to the config file'),
          certFile: z.string().min(1).optional().describe('the path of a PEM client certificate, relative to the config file (with keyFile)'),
          keyFile: z.string().min(1).optional().describe('the path of the PEM key of certFile, relative to the config file'),
          serverName: z.string().min(1).optional().describe('the name the Redis server certificate must carry, e.g. "redis.internal.example.org"'),
        })
        .optional()
        .describe('with a "rediss://" URL'),
    })
    .prefault({}),
  keys: z
    .strictObject({
      transactor: envName.default('BALLAST_TRANSACTOR_KEY').describe('the NAME of the environment variable that holds the transactor key, e.g. "BALLAST_TRANSACTOR_KEY"'),
      dvnSigners: envName.default('BALLAST_DVN_SIGNER_KEYS').describe('the NAME of the environment variable that holds the DVN signer keys (comma-separated), e.g. "BALLAST_DVN_SIGNER_KEYS"'),
      keeper: envName.default('BALLAST_KEEPER_KEY').describe("the NAME of the environment variable that holds the keeper's key, e.g. \"BALLAST_KEEPER_KEY\""),
      liquidator: envName.default('BALLAST_LIQUIDATOR_KEY').describe("the NAME of the environment variable that holds the liquidator's key, e.g. \"BALLAST_LIQUIDATOR_KEY\""),
      heartbeat: envName.default('BALLAST_HEARTBEAT_KEY').describe('the NAME of the environment variable that holds the heartbeat role\'s key, e.g. "BALLAST_HEARTBEAT_KEY"'),
    })
    .prefault({}),
  roles: z
    .array(z.enum(RELAYER_ROLES).describe(`one of ${RELAYER_ROLES.map((role) => `"${role}"`).join(', ')}`))
    .min(1)
    .refine((roles) => new Set(roles).size === roles.length, 'a role is listed twice')
    .optional()
    .describe(`a list of one or more of ${RELAYER_ROLES.map((role) => `"${role}"`).join(', ')}, each once, e.g. ["courier", "ingest"]`),
  chains: z
    .array(chainOverrideSchema)
    .superRefine((chains, context) => {
      const seen = new Set<number>();
      chains.forEach((chain, index) => {
        if (seen.has(chain.eid)) context.addIssue({ code: 'custom', path: [index, 'eid'], message: `eid ${chain.eid} is listed twice` });
        seen.add(chain.eid);
      });
    })
    .default([])
    .describe('a list of per-chain overrides, each eid once, e.g. [{ "eid": 40101, "rpcUrl": "https://rpc.example.org" }]'),
  courier: z
    .strictObject({
      concurrency: positiveInteger.optional().describe('a whole number (1 or more) of deliveries in progress at once, e.g. 16'),
      lockDurationMs: positiveInteger.optional().describe("milliseconds (1 or more) before a dead relayer's jobs move on, e.g. 30000"),
      pollIntervalMs: positiveInteger.default(100).describe('milliseconds (1 or more) between PacketSent polls, e.g. 100'),
      attempts: positiveInteger.default(1_000).describe("attempts (1 or more) before a packet's job parks in the failed set, e.g. 1000"),
      allowlist: z.array(allowlistEntry).default([]).describe('a list of sending apps carried without payment: contract names of the deployments file or "<eid>:<0x address>", e.g. ["collateralVault", "creditMirror"]'),
      maxDeliveryGas: wei.prefault('20000000').describe('the most lzReceive gas the courier gives one delivery (a packet asking more is refused), e.g. "20000000"'),
      maxDeliveryValueWei: wei.prefault('0').describe('the most native value, in wei, the courier sends with one delivery (a packet asking more is refused), e.g. "0"'),
      maxBlockRange: positiveInteger.default(2_000).describe('the largest PacketSent getLogs range in blocks (halved when a node refuses it), e.g. 2000'),
      maxPollBackoffMs: positiveInteger.default(10_000).describe('milliseconds (1 or more), the longest wait after failed PacketSent polls, e.g. 10000'),
      failuresKept: positiveInteger.default(10_000).describe('a whole number (1 or more) of failing packets the failure list keeps (the oldest dropped past it), e.g. 10000'),
    })
    .prefault({}),
  funds: z
    .strictObject({
      lowBalanceWei: wei.prefault('50000000000000000').describe('a balance in wei under which a transactor key warns on /healthz, e.g. "50000000000000000"'),
      balanceRefreshMs: positiveInteger.default(15_000).describe('milliseconds (1 or more) between reads of each key\'s balance, e.g. 15000'),
      insufficientFundsRetryMs: positiveInteger.default(30_000).describe('milliseconds (1 or more) a job waits after "insufficient funds" before it tries again (no attempt is counted), e.g. 30000'),
    })
    .prefault({}),
  transactions: z
    .strictObject({
      receiptTimeoutMs: positiveInteger.default(60_000).describe('milliseconds (1 or more) a sent transaction may go unmined before it is replaced (same nonce, higher fees), e.g. 60000'),
      feeBumpPercent: z.number().int().min(10).max(1_000).default(25).describe('percent (10 to 1000) a replacement raises the fees by, e.g. 25'),
      pendingWarnAfterMs: positiveInteger.default(120_000).describe('milliseconds (1 or more) after which the oldest pending transaction warns on /healthz, e.g. 120000'),
    })
    .prefault({}),
  ingest: ingestSettingsSchema.strict().prefault({}),
  audit: z
    .strictObject({
      intervalMs: z.number().int().nonnegative().default(300_000).describe('milliseconds (0 or more) between audits of the reconcile store against the chains, one relayer of the prefix per interval; 0 turns the audit off, e.g. 300000'),
      batchSize: positiveInteger.default(100).describe('accounts (1 or more) compared per store snapshot (their reads multicalled together), e.g. 100'),
    })
    .prefault({}),
  thresholds: z
    .strictObject({
      recallHealth: healthFactor.prefault('1.1').describe('a health factor below which the keeper recalls undrawn credit, e.g. 1.1 (or "1.1")'),
      atRiskHealth: healthFactor.prefault('1.25').describe('a health factor below which an account is in the "watch" bucket and `accounts --at-risk` lists it, e.g. 1.25'),
    })
    .prefault({})
    .describe("the keeper flags at the vault's own line, health under 1, and its fee budgets are keeper.maxFeeWei"),
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true).describe('true or false (serve /metrics and /healthz or not)'),
      host: z.string().min(1).default('127.0.0.1').describe('the address to listen on, e.g. "127.0.0.1" (this host only) or "0.0.0.0" (every interface)'),
      port: z.number().int().min(0).max(65_535).default(9464).describe('a TCP port from 0 to 65535 (0 picks a free one), e.g. 9464'),
      tokenEnv: envName.optional().describe('the NAME of the environment variable holding the bearer token every request must carry, e.g. "BALLAST_OPS_TOKEN"'),
      statusCacheMs: z.number().int().nonnegative().default(1_000).describe('milliseconds (0 or more) one /status read serves every request, e.g. 1000'),
      maxConnections: positiveInteger.default(64).describe('connections (1 or more) the ops port keeps open at once, e.g. 64'),
      headersTimeoutMs: positiveInteger.default(5_000).describe('milliseconds (1 or more) a client gets to send its request headers, e.g. 5000'),
    })
    .prefault({}),
  health: z
    .strictObject({
      rpcMaxAgeMs: positiveInteger.default(30_000).describe("milliseconds (1 or more): /healthz fails when a chain's RPC has not answered for longer, e.g. 30000"),
      rpcProbeIntervalMs: positiveInteger.default(5_000).describe('milliseconds (1 or more) between RPC probes of each chain, e.g. 5000'),
      rpcTimeoutMs: positiveInteger.default(5_000).describe('milliseconds (1 or more) an RPC probe may take, e.g. 5000'),
      redisTimeoutMs: positiveInteger.default(1_000).describe('milliseconds (1 or more) a Redis PING may take, e.g. 1000'),
    })
    .prefault({}),
  shutdown: z.strictObject({ timeoutMs: positiveInteger.default(20_000).describe('milliseconds (1 or more) in-flight jobs get to finish on SIGTERM before they are handed back, e.g. 20000') }).prefault({}),
  heartbeat: z
    .strictObject({
      marginMs: positiveInteger.default(3_600_000).describe("milliseconds (1 or more) before a remote's draw window closes that its HEARTBEAT is sent (covers the message's trip), e.g. 3600000"),
      alertMarginMs: positiveInteger.default(1_800_000).describe("milliseconds (1 or more): a remote whose window closes within this logs at alert level, e.g. 1800000"),
      tickIntervalMs: positiveInteger.default(30_000).describe("milliseconds (1 or more) between reads of every remote's window, e.g. 30000"),
      maxFeeWei: wei.prefault('50000000000000000').describe('the most one heartbeat may cost on home (LayerZero fee plus gas), a whole number of wei as a string, e.g. "50000000000000000"'),
      budgetRetryMs: positiveInteger.default(60_000).describe('milliseconds (1 or more) a heartbeat over its fee budget waits before it looks again, e.g. 60000'),
      attempts: positiveInteger.default(1_000).describe('attempts (1 or more) of a failing heartbeat job before it stays failed for an operator, e.g. 1000'),
    })
    .prefault({}),
  /** The keeper's (and the liquidator's) settings, checked here with the rest of the file. */
  keeper: keeperSettingsSchema.prefault({}).describe('docs/OPERATIONS.md#keeper'),
  logLevel: z.enum(LOG_LEVELS).optional().describe(`one of ${LOG_LEVELS.map((level) => `"${level}"`).join(', ')}`),
}).describe('a JSON object with the fields of docs/OPERATIONS.md#config-file');

export type RelayerConfigFile = z.input<typeof relayerConfigSchema>;
type ParsedRelayerConfig = z.output<typeof relayerConfigSchema>;
export type ChainOverride = z.output<typeof chainOverrideSchema>;

/** The relayer's settings: the config file (if any) with flags applied and every default filled. */
export type RelayerConfig = Omit<ParsedRelayerConfig, '$schema' | 'deployments' | 'redis' | 'roles' | 'courier' | 'logLevel'> & {
  /** The config file read, for messages; undefined when flags and defaults alone were used. */
  source: string | undefined;
  /** Absolute path of the deployments file. */
  deploymentsPath: string;
  redis: { url: string; prefix: string; tls?: RedisTlsFiles | undefined };
  roles: RelayerRole[];
  courier: ParsedRelayerConfig['courier'] & { concurrency: number; lockDurationMs: number };
  logLevel: (typeof LOG_LEVELS)[number];
};

/** What flags set; each wins over the config file. Values are already checked by the CLI. */
export type RelayerConfigOverrides = {
  deployments?: string | undefined;
  redisUrl?: string | undefined;
  prefix?: string | undefined;
  concurrency?: number | undefined;
  lockDurationMs?: number | undefined;
  logLevel?: string | undefined;
  metricsPort?: number | undefined;
  roles?: RelayerRole[] | undefined;
  shutdownTimeoutMs?: number | undefined;
};

// ---------------------------------------------------------------- what to put where

/** The schema of the field at `path` (list indices and record keys step into the element), or undefined. */
function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType | undefined = relayerConfigSchema;
  for (const segment of path) {
    schema = schema === undefined ? undefined : stepInto(unwrapped(schema), String(segment));
  }
  return schema;
}

/** The schema under defaults, optionals and transforms (a wrapper carries no shape of its own). */
function unwrapped(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  if (def.innerType !== undefined) return unwrapped(def.innerType);
  if (def.type === 'pipe' && def.in !== undefined) return unwrapped(def.in);
  return schema;
}

function stepInto(schema: z.ZodType, segment: string): z.ZodType | undefined {
  if (schema instanceof z.ZodObject) return (schema.shape as Record<string, z.ZodType>)[segment];
  if (schema instanceof z.ZodRecord) return schema._zod.def.valueType as z.ZodType;
  if (schema instanceof z.ZodArray) return schema._zod.def.element as z.ZodType;
  return undefined;
}

/** What to put in a field, as its schema describes it (`.describe(…)`), looked for on the field and under its wrappers. */
function schemaHint(schema: z.ZodType | undefined): string | undefined {
  for (let current = schema; current !== undefined; ) {
    if (current.description !== undefined) return current.description;
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

/** What to put at `path`: for an object, its fields (read from the schema) and its description; else the field's description. */
function hintFor(path: readonly PropertyKey[]): string | undefined {
  const schema = schemaAt(path);
  const described = schemaHint(schema);
  const inner = schema === undefined ? undefined : unwrapped(schema);
  if (!(inner instanceof z.ZodObject)) return described;
  const fields = `an object with any of ${Object.keys(inner.shape).map((field) => `"${field}"`).join(', ')}`;
  return described === undefined ? fields : `${fields} (${described})`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}

type Issue = { code: string; path: PropertyKey[]; message: string; keys?: string[] };

/** One line per problem: the field's path, what is wrong, what to put there. */
function describeIssue(issue: Issue): string[] {
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const parent = hintFor(issue.path);
    return issue.keys.map(
      (key) => `${fieldPath([...issue.path, key])}: unknown field (a typo?); remove it${parent ? ` — ${fieldPath(issue.path)} takes ${parent}` : ''}`,
    );
  }
  if (issue.code === 'invalid_key') {
    const parent = issue.path.slice(0, -1);
    const hint = hintFor(parent);
    return [`${fieldPath(issue.path)}: ${JSON.stringify(String(issue.path.at(-1)))} is not a valid key here${hint ? `; ${fieldPath(parent)} takes ${hint}` : ''}`];
  }
  const hint = hintFor(issue.path);
  return [`${fieldPath(issue.path)}: ${issue.message}${hint ? `; put ${hint}` : ''}`];
}

function invalid(source: string, problems: string[]): ConfigError {
  return new ConfigError(`Invalid relayer config ${source}: ${problems[0]}.`, {
    details: problems.length > 1 ? problems.join('\n') : undefined,
    docsPath: 'OPERATIONS.md#config-file',
  });
}

// ---------------------------------------------------------------- reading and resolving

/** Validates a parsed config object; throws `ConfigError` naming the first bad field and what to put there. */
export function parseRelayerConfigFile(value: unknown, source = 'relayer config'): ParsedRelayerConfig {
  const result = relayerConfigSchema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(source, (result.error.issues as Issue[]).flatMap(describeIssue));
}

/** Reads and validates a config file. */
export async function loadRelayerConfigFile(path: string): Promise<ParsedRelayerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read relayer config ${path} (${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}). Pass the path of an existing file to --config.`, {
      cause,
      docsPath: 'OPERATIONS.md#config-file',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`Relayer config ${path} is not valid JSON: ${(cause as Error).message}. Fix the syntax (JSON allows no comments or trailing commas).`, {
      cause,
      docsPath: 'OPERATIONS.md#config-file',
    });
  }
  return parseRelayerConfigFile(json, path);
}

export type ResolveRelayerConfigParameters = {
  /** Path of the config file; none: flags and defaults only. */
  file?: string | undefined;
  overrides?: RelayerConfigOverrides;
  /** For `$REDIS_URL`. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Resolves relative paths given by flags. @defaultValue process.cwd() */
  cwd?: string;
};

/**
 * The relayer's settings: the config file's, with `overrides` (flags) on top, then `$REDIS_URL`, then
 * defaults. A relative `deployments` in the file is read from the file's directory.
 */
export async function resolveRelayerConfig({ file, overrides = {}, env = process.env, cwd = process.cwd() }: ResolveRelayerConfigParameters = {}): Promise<RelayerConfig> {
  const parsed = file === undefined ? parseRelayerConfigFile({}) : await loadRelayerConfigFile(file);
  const { $schema: _schema, deployments, redis, roles, courier, logLevel, metrics, shutdown, ...rest } = parsed;
  const deploymentsPath =
    overrides.deployments !== undefined
      ? resolve(cwd, overrides.deployments)
      : deployments !== undefined && file !== undefined
        ? resolve(dirname(resolve(cwd, file)), deployments)
        : resolve(cwd, DEFAULT_DEPLOYMENTS_PATH);
  return {
    ...rest,
    source: file,
    deploymentsPath,
    redis: {
      url: overrides.redisUrl ?? redis.url ?? env.REDIS_URL ?? DEFAULT_REDIS_URL,
      prefix: overrides.prefix ?? redis.prefix ?? 'ballast',
      // TLS files are read relative to the config file, like `deployments`.
      tls: redis.tls === undefined ? undefined : relativeTo(file === undefined ? cwd : dirname(resolve(cwd, file)), redis.tls),
    },
    roles: overrides.roles ?? roles ?? defaultRoles(env, rest.keys.heartbeat),
    courier: {
      ...courier,
      concurrency: overrides.concurrency ?? courier.concurrency ?? 16,
      lockDurationMs: overrides.lockDurationMs ?? courier.lockDurationMs ?? 30_000,
    },
    metrics: { ...metrics, port: overrides.metricsPort ?? metrics.port },
    shutdown: { timeoutMs: overrides.shutdownTimeoutMs ?? shutdown.timeoutMs },
    logLevel: (overrides.logLevel as RelayerConfig['logLevel'] | undefined) ?? logLevel ?? 'info',
  };
}

/** The roles `start` runs when neither the file nor `--roles` names them: the courier and ingest, and the heartbeat role when its key is in the environment. */
export function defaultRoles(env: NodeJS.ProcessEnv, heartbeatKey: string): RelayerRole[] {
  return env[heartbeatKey] ? ['courier', 'ingest', 'heartbeat'] : ['courier', 'ingest'];
}

/** Checks a role list given by a flag (`--roles courier,ingest`). */
export function parseRoles(flag: string, value: string): RelayerRole[] {
  const roles = value.split(',').map((role) => role.trim()).filter(Boolean);
  const unknown = roles.find((role) => !(RELAYER_ROLES as readonly string[]).includes(role));
  if (roles.length === 0 || unknown !== undefined || new Set(roles).size !== roles.length) {
    throw new ConfigError(`${flag} must list one or more of ${RELAYER_ROLES.join(', ')}, each once, comma-separated; got "${value}".`);
  }
  return roles as RelayerRole[];
}

/** Checks a log level given by a flag. */
export function parseLogLevel(flag: string, value: string): RelayerConfig['logLevel'] {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new ConfigError(`${flag} must be one of ${LOG_LEVELS.join(', ')}, got "${value}".`);
  return value as RelayerConfig['logLevel'];
}

/**
 * The deployments as this relayer uses them: every chain named in `config.chains` must be in the
 * file, and its `rpcUrl` (if given) replaces the file's. Throws `ConfigError` naming the field.
 */
export function applyChainOverrides(config: RelayerConfig, deployments: Deployments): Deployments {
  const eids = deployments.chains.map((chain) => chain.eid);
  const source = config.source ?? 'flags';
  const known = (eid: number) => eids.includes(eid);
  config.chains.forEach((override, index) => {
    if (!known(override.eid)) {
      throw invalid(source, [`chains.${index}.eid: ${override.eid} is not a chain of the deployments file ${config.deploymentsPath}; put one of ${eids.join(', ')}`]);
    }
  });
  return {
    ...deployments,
    chains: deployments.chains.map((chain) => {
      const override = config.chains.find((candidate) => candidate.eid === chain.eid);
      return override?.rpcUrl ? { ...chain, rpcUrl: override.rpcUrl } : chain;
    }),
  };
}

/** Ingest's per-chain settings from `config.chains` (confirmations, reorgDepth, startBlock, pollIntervalMs). */
export function ingestChainSettings(config: RelayerConfig): Map<number, IngestChainOverride> {
  const settings = new Map<number, IngestChainOverride>();
  for (const { eid, confirmations, reorgDepth, startBlock, pollIntervalMs } of config.chains) {
    const chain: IngestChainOverride = {};
    if (confirmations !== undefined) chain.confirmations = confirmations;
    if (reorgDepth !== undefined) chain.reorgDepth = reorgDepth;
    if (startBlock !== undefined) chain.startBlock = startBlock;
    if (pollIntervalMs !== undefined) chain.pollIntervalMs = pollIntervalMs;
    if (Object.keys(chain).length > 0) settings.set(eid, chain);
  }
  return settings;
}

/** TLS settings for Redis with absolute file paths. */
export type RedisTlsFiles = { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined; serverName?: string | undefined };

function relativeTo(directory: string, tls: RedisTlsFiles): RedisTlsFiles {
  const path = (file: string | undefined) => (file === undefined ? undefined : resolve(directory, file));
  return { caFile: path(tls.caFile), certFile: path(tls.certFile), keyFile: path(tls.keyFile), serverName: tls.serverName };
}

type IngestChainOverride = { confirmations?: number; reorgDepth?: number; startBlock?: number; pollIntervalMs?: number };

/** The watch over a role's transactor keys, with the config's funds and transactions thresholds. */
export function transactorWatchFor(config: RelayerConfig, role: string, chains: Chains, logger: Logger): TransactorWatch {
  const byEid = new Map(config.chains.flatMap((chain) => (chain.lowBalanceWei === undefined ? [] : [[chain.eid, chain.lowBalanceWei] as const])));
  return new TransactorWatch({
    role,
    chains,
    lowBalanceWei: config.funds.lowBalanceWei,
    lowBalanceWeiByEid: byEid,
    pendingWarnAfterMs: config.transactions.pendingWarnAfterMs,
    refreshMs: config.funds.balanceRefreshMs,
    logger,
  });
}
