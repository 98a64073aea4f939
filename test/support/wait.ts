// Waiting on a condition in a suite: polls a check until it holds, and on timeout says what it was
// waiting for and the last state the check reported.

/** Polls `check` until it returns true; fails with `what` and the last state after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean | string>, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${typeof last === 'string' ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
