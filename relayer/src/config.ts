// The relayer's settings from flags and environment, checked at the edge: a missing or malformed
// value is reported by name with what to do, before anything starts.
import { BallastError } from '@ballast/protocol';
import { type Hex, isHex } from 'viem';

export class ConfigError extends BallastError {
  override name = 'ConfigError';
}

function privateKey(name: string, value: string | undefined): Hex {
  if (!value) {
    throw new ConfigError(`${name} is not set.`, {
      details: `Set ${name} to a 32-byte hex private key (on the devnet, \`pnpm devnet\` prints the ones to use).`,
      docsPath: 'OPERATIONS.md#keys',
    });
  }
  if (!isHex(value) || value.length !== 66) throw new ConfigError(`${name} is not a 32-byte hex private key (0x + 64 hex digits).`);
  return value;
}

export type CourierKeys = { transactorKey: Hex; dvnSignerKeys: Hex[] };

/** Reads BALLAST_TRANSACTOR_KEY and BALLAST_DVN_SIGNER_KEYS (comma-separated) from `env`. */
export function courierKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CourierKeys {
  const transactorKey = privateKey('BALLAST_TRANSACTOR_KEY', env.BALLAST_TRANSACTOR_KEY);
  const signers = (env.BALLAST_DVN_SIGNER_KEYS ?? '').split(',').filter(Boolean);
  if (signers.length === 0) privateKey('BALLAST_DVN_SIGNER_KEYS', undefined);
  return { transactorKey, dvnSignerKeys: signers.map((key, index) => privateKey(`BALLAST_DVN_SIGNER_KEYS[${index}]`, key)) };
}

export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigError(`${name} must be a positive integer, got "${value}".`);
  return parsed;
}
