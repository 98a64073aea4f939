// The keeper's knobs, checked at the edge (zod): a bad or unknown field is reported by name before
// anything connects (`Invalid keeper setting maxFeeWei.flag: …`). Amounts that may exceed 2^53 (wei,
// token units) are decimal strings or bigints; healths are decimal numbers or strings (1.25 = 1.25e18).
import { type Address, getAddress, isAddress, parseUnits } from 'viem';
import { z } from 'zod';
import { ConfigError } from '../config.ts';

const wholeNumber = z
  .union([z.bigint().nonnegative(), z.string().regex(/^\d+$/, 'a whole number as a decimal string'), z.number().int().nonnegative()])
  .transform((value) => BigInt(value));

const health = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d{1,18})?$/, 'a decimal number such as "1.25"')])
  .transform((value) => parseUnits(String(value), 18));

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'not a 20-byte hex address')
  .transform((value) => getAddress(value) as Address);

/** Default most an action may cost (messaging fee + gas), wei: 0.05 ether. */
export const DEFAULT_MAX_FEE_WEI = 5n * 10n ** 16n;

const fee = wholeNumber.default(DEFAULT_MAX_FEE_WEI);

export const keeperSettingsSchema = z.strictObject({
  /** Which actions this keeper takes (the liquidator has its own switch). @defaultValue all true */
  actions: z
    .strictObject({
      recall: z.boolean().default(true),
      flag: z.boolean().default(true),
      clear: z.boolean().default(true),
      returnParked: z.boolean().default(true),
    })
    .prefault({}),
  /** Most one action may cost, wei: its LayerZero fee (msg.value) plus estimated gas × gas price. @defaultValue 0.05 ether each */
  maxFeeWei: z.strictObject({ recall: fee, flag: fee, clear: fee, returnParked: fee, liquidate: fee }).prefault({}),
  /** The optional liquidator: repays flagged accounts' debt on remotes and is paid collateral on home. */
  liquidator: z
    .strictObject({
      /** @defaultValue false */
      enabled: z.boolean().default(false),
      /**
       * Per remote eid (a decimal string key), the most of that chain's debt token (the lending pool's asset,
       * in its own units) this keeper may spend on liquidations; a chain not listed is not liquidated on.
       */
      inventory: z.record(z.string().regex(/^\d+$/, 'an eid'), wholeNumber).default({}),
      /** Where home pays the seized collateral. @defaultValue the transactor's address */
      homeAddress: address.optional(),
    })
    .prefault({}),
  /** Health under which an account is in the `watch` bucket (above the vault's recall health). @defaultValue 1.25 */
  warnHealth: health.prefault(1.25),
  /** Action jobs in progress at once in this process. @defaultValue 4 */
  concurrency: z.number().int().positive().default(4),
  /** Attempts per action before its job parks in the failed set (kept; `replayAction` retries it). @defaultValue 100 */
  attempts: z.number().int().positive().default(100),
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. @defaultValue 1_000 */
  backoffMs: z.number().int().positive().default(1_000),
  /** @defaultValue 60_000 */
  maxBackoffMs: z.number().int().positive().default(60_000),
  /** How long a job's lock lasts without renewal: after a keeper dies, its jobs move on after this. @defaultValue 30_000 */
  lockDurationMs: z.number().int().positive().default(30_000),
  /**
   * How long a completed action's job (and so its id) is kept: within it, the same action for the same
   * account and epoch is not queued again. @defaultValue 60_000
   */
  keepCompletedMs: z.number().int().positive().default(60_000),
  /**
   * The same for a job that completed as skipped (the chain did not warrant it): shorter, so a need that
   * arises just after is queued soon; never 0, so a store that lags the chain cannot loop a skip. @defaultValue 2_000
   */
  keepSkippedMs: z.number().int().positive().default(2_000),
  /** Every account is re-scored this often (prices re-read), besides the re-scores events and price ticks trigger. @defaultValue 30_000 */
  sweepIntervalMs: z.number().int().positive().default(30_000),
  /** How often pending liquidations are checked for their SEIZE on home (to record PnL). @defaultValue 1_000 */
  settleIntervalMs: z.number().int().positive().default(1_000),
  /** Delay before a liquidation that waits for its LIQUIDATABLE to land looks again. @defaultValue 500 */
  waitRetryMs: z.number().int().positive().default(500),
  /** Longest a job waits for a notice in flight before it completes as skipped (the next score re-queues it). @defaultValue 600_000 */
  maxWaitMs: z.number().int().positive().default(600_000),
  /** How long an action waits after "insufficient funds" before it tries again; no attempt is counted, so an unfunded key never exhausts a job. @defaultValue 30_000 */
  insufficientFundsRetryMs: z.number().int().positive().default(30_000),
  /** Batches of accounts (up to 1,000 each: one Redis pipeline to read their positions, one to write their scores) scored at once. @defaultValue 4 */
  scoreConcurrency: z.number().int().positive().default(4),
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
