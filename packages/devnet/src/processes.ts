// Child processes the devnet owns (anvil chains, a redis-server it had to start). Every one is
// registered here and killed on stop and on process exit (CLIs add SIGINT/SIGTERM through
// `onShutdown`), so a run never leaves orphans. Tests assert `liveChildren()` is empty in teardown.
import { type ChildProcess, spawn } from 'node:child_process';
import { BallastError } from '@ballast/protocol';

const children = new Set<ChildProcess>();
let hooksInstalled = false;

export class ProcessStartError extends BallastError {
  override name = 'ProcessStartError';
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

/**
 * For command-line entry points: on SIGINT or SIGTERM run `cleanup` once (a second signal forces
 * the exit), then exit; the exit hook kills any child still running.
 */
export function onShutdown(cleanup: () => Promise<void>): void {
  installExitHooks();
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      cleanup().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

export type StartedProcess = { child: ChildProcess; match: RegExpMatchArray };

/**
 * Spawns `command` and resolves once a line of its stdout matches `ready` (or rejects on exit or
 * timeout, with the output so far). The child is registered for teardown.
 */
export function startProcess(
  command: string,
  args: string[],
  { ready, timeoutMs = 20_000, name = command }: { ready: RegExp; timeoutMs?: number; name?: string },
): Promise<StartedProcess> {
  installExitHooks();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    const fail = (reason: string, cause?: unknown) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new ProcessStartError(`${name} did not start: ${reason}.`, { details: output.slice(-2000) || '(no output)', cause }));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => fail(error.message, error));
    child.once('exit', (code, signal) => {
      children.delete(child);
      fail(`exited with ${signal ?? code}`);
    });
  });
}

/** Kills a child (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopProcess(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Children still running; empty after every stop. */
export function liveChildren(): ChildProcess[] {
  return [...children].filter((child) => child.exitCode === null && child.signalCode === null);
}
