// A plan store in one JSON file (Node only): each write goes to a temporary file that is renamed over the
// old one, so a process killed at any instant leaves either the old record or the new, never half of one.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { PlanStore } from './store.ts';

function readAll(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

/**
 * A store kept in the JSON file at `path` (created on the first write): a plan executed with it resumes in
 * another process after this one dies.
 *
 * @example
 * import { fileStore } from '@ballast/sdk/node';
 * await client.execute({ plan, store: fileStore('.ballast/plans.json') });
 */
export function fileStore(path: string): PlanStore {
  return {
    get: (key) => readAll(path)[key],
    set: (key, value) => {
      const all = readAll(path);
      all[key] = value;
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(all, null, 2), { flush: true });
      renameSync(temporary, path);
    },
  };
}
