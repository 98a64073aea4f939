import { describe, expect, test } from 'vitest';
import { AdaptiveLogRange, pollBackoffMs, shouldLogFailure } from './poll-pacing.ts';

describe('poll pacing', () => {
  test('the range halves to 1 on failures and doubles back to its maximum', () => {
    const range = new AdaptiveLogRange(2_000);
    expect(range.end(100n, 10_000n)).toBe(2_100n);
    expect(range.end(100n, 150n)).toBe(150n);
    for (let index = 0; index < 20; index++) range.failed();
    expect(range.current).toBe(1n);
    range.succeeded();
    expect(range.current).toBe(2n);
    for (let index = 0; index < 20; index++) range.succeeded();
    expect(range.current).toBe(2_000n);
  });

  test('backoff doubles from the base up to the maximum; failures are logged at powers of two', () => {
    expect([1, 2, 3, 4, 10].map((failures) => pollBackoffMs(failures, 100, 1_000))).toEqual([100, 200, 400, 800, 1_000]);
    expect([0, 1, 2, 3, 4, 5, 8, 9, 1024].map(shouldLogFailure)).toEqual([false, true, true, false, true, false, true, false, true]);
  });
});
