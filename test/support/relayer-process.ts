// `ballast-relayer start` as operators run it — a child process with a config file and its keys in the
// environment — for suites that drive, probe, SIGTERM or SIGKILL it: its JSON log lines are collected,
// `ready` resolves with the /metrics and /healthz port once it logs `relayer started`, and every process
// spawned here is tracked so a suite's teardown (`stopRelayerProcesses`) leaves none running.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '@ballast/devnet';
import { RELAYER_NODE_FLAGS } from '@ballast/relayer';

export type RelayerProcess = {
  child: ChildProcess;
  /** The process's JSON log lines so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the port of /metrics and /healthz once the roles run; rejects if it exits or takes over `readyTimeoutMs` first. */
  ready: Promise<number>;
  /** The port, once `ready` resolved (0 before). */
  port: number;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Stderr and unparsed stdout so far, for failure messages. */
  output: () => string;
  /** Everything it printed so far, stdout and stderr, as printed (for suites that search it). */
  raw: () => string;
  /** GETs a path of its ops server (/metrics, /healthz). */
  get: (path: string) => Promise<{ status: number; body: string }>;
  /** SIGKILL, and waits for the exit. */
  kill: () => Promise<void>;
  /** SIGTERM; resolves with the exit code and how long the exit took. */
  terminate: () => Promise<{ code: number | null; ms: number }>;
};

export type SpawnRelayerOptions = {
  /** Variables added to a minimal environment (PATH, HOME): the keys the config file names. */
  env?: Record<string, string>;
  /** A name for echoed log lines. */
  name?: string;
  /** @defaultValue 30_000 */
  readyTimeoutMs?: number;
};

const spawned = new Set<ChildProcess>();
let exitHookInstalled = false;

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** The devnet's own apps, which the courier of a devnet relayer config carries whatever they pay (docs/OPERATIONS.md#executor-and-dvn-policy). */
export const DEVNET_ALLOWLISTED_APPS = ['collateralVault', 'creditMirror', 'pingOApp'] as const;

/**
 * Writes a relayer config file beside `deploymentsPath` (so `deployments: "deployments.json"` finds it),
 * with metrics on a free loopback port and the courier's allowlist set to those of the devnet's apps the
 * deployments file has; `config` overrides any field. Returns its path.
 */
export function writeRelayerConfig(deploymentsPath: string, name: string, config: Record<string, unknown>): string {
  const path = join(dirname(deploymentsPath), `${name}.json`);
  const deployed = JSON.parse(readFileSync(deploymentsPath, 'utf8')) as { chains: { contracts: Record<string, string> }[] };
  const allowlist = DEVNET_ALLOWLISTED_APPS.filter((app) => deployed.chains.some((chain) => chain.contracts[app] !== undefined));
  const courier = { allowlist, ...(config.courier as Record<string, unknown> | undefined) };
  writeFileSync(path, JSON.stringify({ deployments: 'deployments.json', metrics: { host: '127.0.0.1', port: 0 }, ...config, courier }, null, 2));
  return path;
}

/**
 * Spawns `ballast-relayer start --config <config>` and returns at once; await `ready` for it to run.
 * Log lines are echoed to stderr when BALLAST_RELAYER_ECHO is set.
 */
export function spawnRelayerProcess(config: string, { env = {}, name = 'relayer', readyTimeoutMs = 30_000 }: SpawnRelayerOptions = {}): RelayerProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of spawned) if (running(child)) child.kill('SIGKILL');
    });
  }
  const child = spawn(process.execPath, [...RELAYER_NODE_FLAGS, '--import', 'tsx', 'relayer/src/cli/main.ts', 'start', '--config', config], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      spawned.delete(child);
      resolve(code);
    }),
  );
  const echo = process.env.BALLAST_RELAYER_ECHO ? (line: string) => process.stderr.write(`[${name} ${child.pid}] ${line}\n`) : undefined;
  const logs: Record<string, unknown>[] = [];
  let unparsed = '';
  let buffered = '';
  let raw = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    unparsed += chunk.toString();
    raw += chunk.toString();
    echo?.(chunk.toString().trimEnd());
  });
  const handle: RelayerProcess = {
    child,
    logs,
    port: 0,
    exited,
    ready: Promise.resolve(0),
    output: () => unparsed.slice(-4_000),
    raw: () => raw,
    get: async (path) => {
      const response = await fetch(`http://127.0.0.1:${handle.port}${path}`);
      return { status: response.status, body: await response.text() };
    },
    kill: async () => {
      if (running(child)) child.kill('SIGKILL');
      await exited;
    },
    terminate: async () => {
      const started = Date.now();
      if (running(child)) child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
  handle.ready = new Promise<number>((resolve, reject) => {
    let port = 0;
    const timer = setTimeout(() => reject(new Error(`relayer did not start within ${readyTimeoutMs} ms: ${handle.output()}`)), readyTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        echo?.(line);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          unparsed += `${line}\n`;
          continue;
        }
        logs.push(entry);
        if (entry.msg === 'serving /metrics and /healthz') port = entry.port as number;
        if (entry.msg === 'relayer started') {
          clearTimeout(timer);
          handle.port = port;
          resolve(port);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relayer exited with ${code ?? child.signalCode} before starting: ${handle.output()}`));
    });
  });
  // A process killed before it started is not an unhandled rejection; callers that await `ready` still see it.
  handle.ready.catch(() => {});
  return handle;
}

/** Spawns `ballast-relayer start --config <config>` and resolves once it runs its roles and serves /metrics. */
export async function startRelayerProcess(config: string, options: SpawnRelayerOptions = {}): Promise<RelayerProcess> {
  const relayer = spawnRelayerProcess(config, options);
  await relayer.ready;
  return relayer;
}

/** SIGKILLs every relayer process spawned here that still runs, and waits for them to exit. */
export async function stopRelayerProcesses(): Promise<void> {
  const children = [...spawned];
  for (const child of children) if (running(child)) child.kill('SIGKILL');
  await Promise.all(children.map((child) => (running(child) ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
}

/** Relayer processes spawned here that still run. */
export function liveRelayerProcesses(): ChildProcess[] {
  return [...spawned].filter(running);
}
