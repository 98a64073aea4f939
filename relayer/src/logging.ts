// JSON logs (pino) for operators. Components take a child logger named after themselves.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.BALLAST_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'ballast-relayer' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything (library use and tests that assert on state, not logs). */
export const silentLogger: Logger = pino({ level: 'silent' });
