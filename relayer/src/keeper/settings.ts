// The keeper's knobs, checked at the edge (zod): this schema is the config file's `keeper` section, so a
// bad or unknown field is reported by path before anything connects; each field's `.describe` is what
// the config file's message says to put there. A `Keeper` built in code parses it again (`Invalid keeper
// setting maxFeeWei.flag: …`), so its output parses to itself. Amounts that may exceed 2^53 (wei, token
// units) are decimal strings or bigints; healths are decimal numbers or strings (1.25 = 1.25e18), or
// bigints already in 1e18 fixed point.
import { type Address, getAddress, isAddress, parseUnits } from 'viem';
import { z } from 'zod';
import { ConfigError } from '../config.ts';

const wholeNumber = z
  .union([z.bigint().nonnegative(), z.string().regex(/^\d+$/, 'a whole number as a decimal string'), z.number().int().nonnegative()])
  .transform((value) => BigInt(value));

const health = z
  .union([z.bigint().positive(), z.number().positive(), z.string().regex(/^\d+(\.\d{1,18})?$/, 'a decimal number such as "1.25"')])
  // A bigint is already 1e18 fixed point (settings parsed once by the config file and handed on).
  .transform((value) => (typeof value === 'bigint' ? value : parseUnits(String(value), 18)));

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'not a 20-byte hex address')
  .transform((value) => getAddress(value) as Address);

/** Default most an action may cost (messaging fee + gas), wei: 0.05 ether. */
export const DEFAULT_MAX_FEE_WEI = 5n * 10n ** 16n;

const fee = wholeNumber.default(DEFAULT_MAX_FEE_WEI).describe('the most this action may cost, in wei (LayerZero fee plus gas), a whole number as a string, e.g. "50000000000000000"');
const actionSwitch = z.boolean().default(true).describe('true or false');
const milliseconds = (what: string, example: number) => z.number().int().positive().describe(`milliseconds (1 or more) ${what}, e.g. ${example}`);

export const keeperSettingsSchema = z.strictObject({
  /** Which actions this keeper takes (the liquidator has its own switch). @defaultValue all true */
  actions: z
    .strictObject({
      recall: actionSwitch,
      flag: actionSwitch,
      clear: actionSwitch,
      returnParked: actionSwitch,
    })
    .prefault({}),
  /** Most one action may cost, wei: its LayerZero fee (msg.value) plus estimated gas × gas price. @defaultValue 0.05 ether each */
  maxFeeWei: z
    .strictObject({ recall: fee, flag: fee, clear: fee, returnParked: fee, liquidate: fee })
    .prefault({}),
  /** The optional liquidator: repays flagged accounts' debt on remotes and is paid collateral on home. */
  liquidator: z
    .strictObject({
      /** @defaultValue false */
      enabled: z.boolean().default(false).describe('true or false'),
      /**
       * Per remote eid (a decimal string key), the most of that chain's debt token (the lending pool's asset,
       * in its own units) this keeper may spend on liquidations; a chain not listed is not liquidated on.
       */
      inventory: z
        .record(z.string().regex(/^\d+$/, 'an eid'), wholeNumber.describe('a whole number of the debt token\'s units as a string, e.g. "5000000000"'))
        .default({})
        .describe('an object keyed by remote eid, e.g. { "40102": "5000000000" }'),
      /** Where home pays the seized collateral. @defaultValue the transactor's address */
      homeAddress: address.optional().describe('a 0x address of 20 bytes'),
    })
    .prefault({}),
  /** Health under which an account is in the `watch` bucket (above the vault's recall health). @defaultValue 1.25 */
  warnHealth: health.prefault(1.25).describe('a health factor above the vault\'s recall health, e.g. 1.25 (or "1.25")'),
  /** Action jobs in progress at once in this process. @defaultValue 4 */
  concurrency: z.number().int().positive().default(4).describe('a whole number (1 or more) of action jobs in progress at once, e.g. 4'),
  /** Attempts per action before its job parks in the failed set (kept; `replayAction` retries it). @defaultValue 100 */
  attempts: z.number().int().positive().default(100).describe('attempts (1 or more) before an action\'s job parks in the failed set, e.g. 100'),
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. @defaultValue 1_000 */
  backoffMs: milliseconds('before the first retry (doubling per attempt)', 1000).default(1_000),
  /** @defaultValue 60_000 */
  maxBackoffMs: milliseconds('at most between retries', 60000).default(60_000),
  /** How long a job's lock lasts without renewal: after a keeper dies, its jobs move on after this. @defaultValue 30_000 */
  lockDurationMs: milliseconds("before a dead keeper's jobs move on", 30000).default(30_000),
  /**
   * How long a completed action's job (and so its id) is kept: within it, the same action for the same
   * account and epoch is not queued again. @defaultValue 60_000
   */
  keepCompletedMs: milliseconds("a completed action's job id is kept", 60000).default(60_000),
  /**
   * The same for a job that completed as skipped (the chain did not warrant it): shorter, so a need that
   * arises just after is queued soon; never 0, so a store that lags the chain cannot loop a skip. @defaultValue 2_000
   */
  keepSkippedMs: milliseconds("a skipped action's job id is kept", 2000).default(2_000),
  /** Every account is re-scored this often (prices re-read), besides the re-scores events and price ticks trigger. @defaultValue 30_000 */
  sweepIntervalMs: milliseconds('between re-scores of every account', 30000).default(30_000),
  /** How often pending liquidations are checked for their SEIZE on home (to record PnL). @defaultValue 1_000 */
  settleIntervalMs: milliseconds('between checks of pending liquidations', 1000).default(1_000),
  /** Delay before a liquidation that waits for its LIQUIDATABLE to land looks again. @defaultValue 500 */
  waitRetryMs: milliseconds('a liquidation waiting for its LIQUIDATABLE waits before it looks again', 500).default(500),
  /** Longest a job waits for a notice in flight before it completes as skipped (the next score re-queues it). @defaultValue 600_000 */
  maxWaitMs: milliseconds('a job waits at most for a notice in flight', 600000).default(600_000),
  /** How long an action waits after "insufficient funds" before it tries again; no attempt is counted, so an unfunded key never exhausts a job. @defaultValue 30_000 */
  insufficientFundsRetryMs: milliseconds('an action waits after "insufficient funds"', 30000).default(30_000),
  /** Batches of accounts (up to 1,000 each: one Redis pipeline to read their positions, one to write their scores) scored at once. @defaultValue 4 */
  scoreConcurrency: z.number().int().positive().default(4).describe('a whole number (1 or more) of account batches scored at once, e.g. 4'),
});

export type KeeperSettings = z.input<typeof keeperSettingsSchema>;
export type ResolvedKeeperSettings = z.output<typeof keeperSettingsSchema>;

/** Validates keeper settings; throws `ConfigError` naming the first bad field. */
export function parseKeeperSettings(value: unknown): ResolvedKeeperSettings {
  const result = keeperSettingsSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return `${[path, issue.keys[0]].filter(Boolean).join('.')}: unknown setting`;
    return `${path || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid keeper setting ${fields[0]}.`, { details: fields.join('\n'), docsPath: 'OPERATIONS.md#keeper' });
}
