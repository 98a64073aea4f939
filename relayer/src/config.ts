// The relayer's settings from flags and environment, checked at the edge: a missing or malformed
// value is reported by name with what to do, before anything starts.
import { BallastError } from '@ballast/protocol';
import { type Hex, isHex } from 'viem';

export class ConfigError extends BallastError {
  override name = 'ConfigError';
}

/** Reads the private key in environment variable `name`; says what to set when it is missing or malformed. */
export function privateKeyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): Hex {
  return privateKey(name, env[name]);
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

/** Names of the environment variables that hold the courier's keys (the config file's `keys`). */
export type CourierKeyVariables = { transactor: string; dvnSigners: string };

export const DEFAULT_COURIER_KEY_VARIABLES: CourierKeyVariables = { transactor: 'BALLAST_TRANSACTOR_KEY', dvnSigners: 'BALLAST_DVN_SIGNER_KEYS' };

/** Reads the transactor key and the DVN signer keys (comma-separated) from `env`, under `names`. */
export function courierKeysFromEnv(env: NodeJS.ProcessEnv = process.env, names: CourierKeyVariables = DEFAULT_COURIER_KEY_VARIABLES): CourierKeys {
  const transactorKey = privateKey(names.transactor, env[names.transactor]);
  const signers = (env[names.dvnSigners] ?? '').split(',').filter(Boolean);
  if (signers.length === 0) privateKey(names.dvnSigners, undefined);
  return { transactorKey, dvnSignerKeys: signers.map((key, index) => privateKey(`${names.dvnSigners}[${index}]`, key)) };
}

export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigError(`${name} must be a positive integer, got "${value}".`);
  return parsed;
}
