// The README's first step must install exactly the pnpm that `packageManager` pins: on a registry that
// serves no package signatures, any other pnpm refuses to switch to the pinned one and stops.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const pinned = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager;

describe('README set-up', () => {
  it('pins packageManager to an exact pnpm version', () => {
    expect(pinned).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
  });

  it('installs exactly the pinned pnpm, and nothing looser', () => {
    const readme = read('README.md');
    const installs = [...readme.matchAll(/npm install -g (pnpm@[^\s`;)]+)/g)].map((match) => match[1]);
    expect(installs.length).toBeGreaterThan(0);
    for (const spec of installs) expect(spec).toBe(pinned);
  });

  it('lets CI install the same pnpm', () => {
    const ci = read('.ci/run');
    expect(ci).toContain('packageManager');
    expect(ci).not.toMatch(/pnpm@\d/);
  });
});
