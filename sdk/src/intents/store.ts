// Where `execute` keeps a plan's progress so that another process can resume it: any key-value store with
// string keys and values. The in-memory one lives here (browser-safe); a file-backed one is in
// `@ballast/sdk/node` (intents/file-store.ts).

/** A key-value store of strings; `execute` writes a plan's progress record under one key per plan. */
export type PlanStore = {
  get: (key: string) => Promise<string | undefined> | string | undefined;
  set: (key: string, value: string) => Promise<void> | void;
};

/**
 * A store in this process's memory: a plan resumes within the process (after a caught error), not after it exits.
 *
 * @example
 * const store = memoryStore();
 * await execute(client, { plan, store });
 */
export function memoryStore(): PlanStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (key) => entries.get(key),
    set: (key, value) => {
      entries.set(key, value);
    },
  };
}
