// The Node flags a relayer process runs with. `ballast-relayer`'s shebang and its package script pass
// them; the tests and the bench start their relayer processes with them too, so what they measure is
// what operators run (relayer/test/cli.test.ts checks the launchers carry them).
//
// --max-semi-space-size=64 (MiB): the young generation's two halves, 16 MiB each by default on 64-bit.
// Ingest and the keeper allocate per update (events, writes, BigInt amounts, score lines) and most of
// it lives past a 16 MiB scavenge; with 64 MiB most of it dies young. Measured with `pnpm
// bench:relayer` at 100,000 accounts: account updates with the keeper following +22–28 %, a price
// tick's scoring pass ≈ −15 %, for up to 128 MiB more heap (docs/BENCHMARKS.md). 128 measured no faster.
// Another launcher (a container's entrypoint, a process manager) passes the same in NODE_OPTIONS.

/** The flags, as `node` takes them before the script. */
export const RELAYER_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=64']);
