// Helpers for this package's vitest suites only (not exported from the package).

/** The error `fn` throws (fails the test if it returns), for asserting on its class and fields. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
