// JSON logs (pino) for operators. Components take a child logger named after themselves. Nothing
// secret may reach a line: every URL is cut to its scheme, host and port (RPC providers put API keys in
// the path or the query, Redis URLs carry passwords), the values the process knows to be secret (its
// Redis password, its RPC URLs' parts) are masked wherever they appear, and errors are serialized
// without Redis command arguments (an AUTH's password, a job's data) — all before a line is written.
import { inspect } from 'node:util';
import { pino, type Logger } from 'pino';

export type { Logger };

const MASK = '***';
/** A URL in running text or a JSON string: scheme, then anything up to a space, a quote, a bracket or a backslash. */
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]{1,15}):\/\/([^\s"'<>\\`]+)/gi;

/**
 * `scheme://host:port`, with `/…` when the URL had a path, query or fragment: enough to say which server,
 * never its credentials or a key in its path or query.
 */
function originOnly(scheme: string, rest: string): string {
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  return `${scheme}://${host}${tail.replace(/[/?#]+$/, '') === '' ? '' : '/…'}`;
}

/**
 * Parts of `urls` that are or may be credentials: passwords, and path segments and query values that
 * look like keys (8 characters or more with a digit or a capital, or 16 or more). User names and plain
 * words (`mainnet`, `relayer`) are not secrets, and masking them would garble every line that names them.
 */
export function urlSecrets(urls: readonly string[]): string[] {
  const secrets: string[] = [];
  const keyLike = (part: string) => part.length >= 16 || (part.length >= 8 && /[0-9A-Z]/.test(part));
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    if (parsed.password) secrets.push(decodeURIComponent(parsed.password), parsed.password);
    for (const segment of parsed.pathname.split('/')) if (keyLike(segment)) secrets.push(segment);
    for (const [, value] of parsed.searchParams) if (keyLike(value)) secrets.push(value);
  }
  return [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length);
}

/** `text` with every URL cut to its origin and every one of `secrets` masked. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let scrubbed = text.replace(URL_IN_TEXT, (_, scheme: string, rest: string) => originOnly(scheme, rest));
  for (const secret of secrets) if (scrubbed.includes(secret)) scrubbed = scrubbed.replaceAll(secret, MASK);
  return scrubbed;
}

/** The first line of an error's message, scrubbed and at most `maxLength` characters: what `/status` and the failure lists keep. */
export function shortErrorMessage(error: unknown, maxLength = 240, secrets: readonly string[] = []): string {
  const text =
    typeof error === 'string' ? error : ((error as { shortMessage?: string })?.shortMessage ?? (error instanceof Error ? error.message : String(error)));
  const line = scrubSecrets(text.split('\n')[0]?.trim() ?? '', secrets);
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

/** Fields of an error that carry request data rather than a description of the failure. */
const DROPPED_ERROR_FIELDS = new Set(['url', 'body', 'requestBody', 'headers', 'request', 'response', 'args', 'previousErrors', 'options']);

/**
 * pino's error serializer with what must not be printed taken out: a Redis command keeps its name and
 * loses its arguments, request URLs, bodies and headers go, and every remaining string is scrubbed.
 */
export function serializeError(error: unknown, secrets: readonly string[] = []): unknown {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return typeof error === 'string' ? scrubSecrets(error, secrets) : error;
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const clean = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubSecrets(value, secrets);
    if (typeof value !== 'object' || value === null || depth > 4) return value;
    if (Array.isArray(value)) return value.slice(0, 20).map((item) => clean(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (DROPPED_ERROR_FIELDS.has(key)) continue;
      if (key === 'command' && typeof item === 'object' && item !== null) {
        out.command = { name: (item as { name?: unknown }).name };
        continue;
      }
      out[key] = clean(item, depth + 1);
    }
    return out;
  };
  return clean(serialized, 0);
}

export type CreateLoggerOptions = {
  /** Values to mask wherever they appear (the Redis password, RPC URL parts: `urlSecrets`). */
  secrets?: readonly string[];
  /** Where lines go. @defaultValue stdout */
  destination?: pino.DestinationStream;
};

export function createLogger(level = process.env.BALLAST_LOG_LEVEL ?? 'info', { secrets = [], destination }: CreateLoggerOptions = {}): Logger {
  const errorSerializer = (error: unknown) => serializeError(error, secrets);
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'ballast-relayer' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: errorSerializer, error: errorSerializer },
    // Fields that hold secrets by name, wherever a caller put them.
    redact: {
      paths: ['password', '*.password', 'redisUrl', '*.redisUrl', 'rpcUrl', '*.rpcUrl', 'authorization', '*.authorization', '*.headers.authorization', 'privateKey', '*.privateKey'],
      censor: MASK,
    },
    // The last line of defence: the finished line, whatever field a URL or a secret hid in.
    hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
  };
  return destination ? pino(options, destination) : pino(options);
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';
const CONSOLE_LEVELS: Record<ConsoleMethod, 'info' | 'warn' | 'error' | 'debug'> = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug' };

/**
 * Routes `console.*` into `logger` (component `console`) until the returned function is called. Libraries
 * print there — BullMQ writes a queue's unlistened connection errors with `console.error`, an ioredis
 * `ReplyError` whose `command.args` holds the AUTH password — and a process whose every line is JSON
 * through the scrubbing logger prints nothing else.
 */
export function captureConsole(logger: Logger): () => void {
  const log = logger.child({ component: 'console' });
  const original = { ...console };
  for (const method of Object.keys(CONSOLE_LEVELS) as ConsoleMethod[]) {
    const level = CONSOLE_LEVELS[method];
    console[method] = (...items: unknown[]) => {
      const error = items.find((item): item is Error => item instanceof Error);
      const text = items
        .filter((item) => !(item instanceof Error))
        .map((item) => (typeof item === 'string' ? item : inspect(item, { depth: 2, breakLength: Number.POSITIVE_INFINITY })))
        .join(' ');
      log[level](error ? { err: error } : {}, text || error?.message || '');
    };
  }
  return () => {
    Object.assign(console, original);
  };
}

/** A logger that drops everything (library use and tests that assert on state, not logs). */
export const silentLogger: Logger = pino({ level: 'silent' });
