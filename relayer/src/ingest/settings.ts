// Ingest's knobs, checked at the edge: a bad value is reported by name before anything polls.
import { z } from 'zod';
import { ConfigError } from '../config.ts';

export const ingestSettingsSchema = z.object({
  /** Blocks behind the head ingest stays. @defaultValue the chain's `confirmations` in the deployments file */
  confirmations: z.number().int().nonnegative().optional().describe('a whole number of blocks (0 or more) ingest stays behind the head on every chain'),
  /** How many recent blocks are kept to detect a reorg and roll back. @defaultValue 64 */
  reorgDepth: z.number().int().positive().default(64).describe('a whole number of blocks (1 or more), e.g. 64'),
  /** Largest getLogs range, in blocks (halved after a failed getLogs, grown back after successes). @defaultValue 2_000 */
  maxBlockRange: z.number().int().positive().default(2_000).describe('the largest getLogs range in blocks (1 or more), e.g. 2000'),
  /** Retries of a failed RPC read inside a poll (50 ms, then doubling) before the poll fails. @defaultValue 2 */
  rpcRetries: z.number().int().nonnegative().default(2).describe('retries (0 or more) of one failed RPC read, e.g. 2'),
  /** Wait between polls once caught up (each such poll is one eth_blockNumber while the head stands still). @defaultValue 250 */
  pollIntervalMs: z.number().int().positive().default(250).describe('milliseconds (1 or more) between polls once caught up, e.g. 250'),
  /** Longest wait after repeated failures (the wait doubles from `pollIntervalMs`). @defaultValue 10_000 */
  maxBackoffMs: z.number().int().positive().default(10_000).describe('milliseconds (1 or more), the longest wait after failed polls, e.g. 10000'),
  /** First block to ingest on a chain with no cursor yet. @defaultValue the chain's `startBlock` in the deployments file */
  startBlock: z.number().int().nonnegative().optional().describe('a block number (0 or more) where ingest starts on every chain with no cursor'),
});

export type IngestSettings = z.input<typeof ingestSettingsSchema>;
export type ResolvedIngestSettings = z.output<typeof ingestSettingsSchema>;

/** Validates ingest settings; throws `ConfigError` naming the first bad field. */
export function parseIngestSettings(value: unknown): ResolvedIngestSettings {
  const result = ingestSettingsSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`Invalid ingest setting ${fields[0]}.`, { details: fields.join('\n'), docsPath: 'OPERATIONS.md#ingest' });
}
