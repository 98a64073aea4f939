// The logger never prints a secret: URLs are cut to their origin wherever they appear, known secrets are
// masked, Redis command arguments and request data are dropped from errors, and library console lines go
// through the same path.
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { captureConsole, createLogger, scrubSecrets, serializeError, shortErrorMessage, urlSecrets } from './logging.ts';

function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', { secrets, destination }), lines };
}

describe('scrubSecrets', () => {
  test.each([
    ['an API key in the path', 'fetch http://rpc.example.org:8545/v3/abc123SECRET failed', 'fetch http://rpc.example.org:8545/… failed'],
    ['a key in the query', 'URL: https://eth.example.org/?apikey=SECRET2', 'URL: https://eth.example.org/…'],
    ['credentials', 'redis://user:hunter22@10.0.0.5:6379/0 refused', 'redis://10.0.0.5:6379/… refused'],
    ['a bare origin', 'http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['a URL inside JSON', '{"url":"https://a.example/x?k=SECRET3"}', '{"url":"https://a.example/…"}'],
  ])('%s', (_, text, scrubbed) => {
    expect(scrubSecrets(text)).toBe(scrubbed);
  });

  test('known secrets are masked anywhere, URLs or not', () => {
    expect(scrubSecrets('AUTH relayer pw-Zq81xx and more', ['pw-Zq81xx'])).toBe('AUTH relayer *** and more');
  });
});

test('urlSecrets takes passwords and key-like parts, never user names or plain words', () => {
  const secrets = urlSecrets(['redis://relayer:pw-Zq81@h:6379', 'https://rpc.example.org/mainnet/v3/0123456789abcdef?apikey=KEY12345&network=mainnet', 'not a url']);
  expect(secrets).toEqual(expect.arrayContaining(['pw-Zq81', '0123456789abcdef', 'KEY12345']));
  expect(secrets).not.toContain('relayer');
  expect(secrets).not.toContain('mainnet');
});

test('serializeError keeps the Redis command name, drops its arguments and request data, scrubs the rest', () => {
  const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
    command: { name: 'auth', args: ['relayer', 'pw-Zq81'] },
    url: 'https://rpc.example.org/v3/KEY',
    body: { method: 'eth_call' },
    shortMessage: 'HTTP request failed. URL: https://rpc.example.org/v3/KEY123',
  });
  const serialized = serializeError(error) as Record<string, unknown>;
  expect(serialized.command).toEqual({ name: 'auth' });
  expect(serialized.url).toBeUndefined();
  expect(serialized.body).toBeUndefined();
  expect(serialized.shortMessage).toBe('HTTP request failed. URL: https://rpc.example.org/…');
  expect(JSON.stringify(serialized)).not.toContain('pw-Zq81');
});

test('shortErrorMessage keeps the first line, scrubbed and bounded', () => {
  expect(shortErrorMessage(new Error('HTTP request failed.\n\nURL: https://x.example/v3/KEY\nRequest body: {}'))).toBe('HTTP request failed.');
  expect(shortErrorMessage('call to https://x.example/v3/KEY failed')).toBe('call to https://x.example/… failed');
  expect(shortErrorMessage('x'.repeat(500), 20)).toHaveLength(20);
});

test('a logger line holds no secret, whatever field it hid in', () => {
  const { logger, lines } = capture(['pw-Zq81']);
  logger.warn({ err: Object.assign(new Error('refused'), { command: { name: 'auth', args: ['u', 'pw-Zq81'] } }), note: 'password pw-Zq81', rpcUrl: 'https://x.example/v3/KEY', endpoint: 'https://x.example/v3/KEY2?x=1' }, 'failed at https://x.example/v3/KEY3');
  const line = lines.join('');
  expect(line).not.toMatch(/pw-Zq81|KEY/);
  expect(line).toContain('"rpcUrl":"***"');
  expect(line).toContain('"endpoint":"https://x.example/…"');
  expect(line).toContain('"command":{"name":"auth"}');
});

test('captureConsole routes library console lines through the logger until released', () => {
  const { logger, lines } = capture(['pw-Zq81']);
  const release = captureConsole(logger);
  try {
    console.error(Object.assign(new Error('WRONGPASS'), { command: { name: 'auth', args: ['u', 'pw-Zq81'] } }));
    console.warn('IMPORTANT! Eviction policy is allkeys-lru. It should be "noeviction"');
  } finally {
    release();
  }
  const entries = lines.map((line) => JSON.parse(line) as { level: number; component: string; msg: string });
  expect(entries.map((entry) => [entry.level, entry.component, entry.msg])).toEqual([
    [50, 'console', 'WRONGPASS'],
    [40, 'console', 'IMPORTANT! Eviction policy is allkeys-lru. It should be "noeviction"'],
  ]);
  expect(lines.join('')).not.toContain('pw-Zq81');
});
