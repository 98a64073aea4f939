// Whether each chain's RPC answers: one probe (`eth_blockNumber`) per chain every interval, whatever
// roles run. `/healthz` fails when a chain has not answered for longer than the allowed age, and the
// metrics export each chain's head and last answer. RPC URLs can carry API keys, so they are never
// part of a report or a log line here: chains are named by name and eid.
import type { ChainDeployment } from '@ballast/protocol';
import type { Chain, PublicClient, Transport } from 'viem';
import { chainPublicClient } from '../chains.ts';
import { type Logger, silentLogger } from '../logging.ts';

export type ChainRpcState = {
  eid: number;
  chain: string;
  /** Wall-clock ms of the last answer; 0 before the first. */
  lastAnswerAt: number;
  /** The head block at the last answer. */
  headBlock: bigint | undefined;
  /** Why the last probe failed; undefined after a good one. */
  lastError: string | undefined;
};

export type RpcHealthOptions = {
  chains: readonly ChainDeployment[];
  /** @defaultValue 5_000 */
  probeIntervalMs?: number;
  /** @defaultValue 5_000 */
  timeoutMs?: number;
  logger?: Logger;
};

/** A short reason without the URL (viem puts the request URL into its messages). */
export function redactRpcError(error: unknown): string {
  const message = (error as { shortMessage?: string })?.shortMessage ?? (error instanceof Error ? error.message : String(error));
  return message.split('\n')[0]?.replace(/\b(?:https?|wss?):\/\/\S+/g, '<rpc url>') ?? 'unknown error';
}

type Probe = { state: ChainRpcState; client: PublicClient<Transport, Chain> };

export class RpcHealth {
  readonly #probes: Probe[];
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #timers: NodeJS.Timeout[] = [];
  #running = false;
  /** When probing started (0 before `start`: every chain is a problem until then). */
  #startedAt = 0;

  constructor({ chains, probeIntervalMs = 5_000, timeoutMs = 5_000, logger = silentLogger }: RpcHealthOptions) {
    this.#intervalMs = probeIntervalMs;
    this.#logger = logger.child({ component: 'rpc-health' });
    this.#probes = chains.map((deployment) => ({
      state: { eid: deployment.eid, chain: deployment.name, lastAnswerAt: 0, headBlock: undefined, lastError: undefined },
      client: chainPublicClient(deployment, { timeoutMs }),
    }));
  }

  /** Probes every chain now, then every interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startedAt ||= Date.now();
    for (const probe of this.#probes) void this.#loop(probe);
  }

  stop(): void {
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
  }

  /** Every chain's last probe result. */
  states(): ChainRpcState[] {
    return this.#probes.map(({ state }) => ({ ...state }));
  }

  /**
   * One line per chain that has not answered within `maxAgeMs` — counted from the start of probing for a
   * chain that has not answered yet, so a process is not unhealthy in the milliseconds its first probes take.
   */
  problems(maxAgeMs: number, now = Date.now()): { eid: number; chain: string; problem: string }[] {
    return this.states()
      .filter((state) => now - (state.lastAnswerAt || this.#startedAt) > maxAgeMs)
      .map((state) => ({
        eid: state.eid,
        chain: state.chain,
        problem:
          `chain ${state.chain} (eid ${state.eid}): RPC ${state.lastAnswerAt === 0 ? 'has not answered yet' : `has not answered for ${((now - state.lastAnswerAt) / 1000).toFixed(1)} s`}` +
          ` (limit ${maxAgeMs / 1000} s)${state.lastError ? `; last error: ${state.lastError}` : ''}`,
      }));
  }

  async #loop(probe: Probe): Promise<void> {
    if (!this.#running) return;
    await this.#probe(probe);
    if (!this.#running) return;
    const timer = setTimeout(() => {
      this.#timers = this.#timers.filter((candidate) => candidate !== timer);
      void this.#loop(probe);
    }, this.#intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }

  async #probe({ state, client }: Probe): Promise<void> {
    try {
      state.headBlock = await client.getBlockNumber({ cacheTime: 0 });
      if (state.lastError !== undefined || state.lastAnswerAt === 0) this.#logger.info({ eid: state.eid, chain: state.chain, head: state.headBlock }, 'chain RPC answers');
      state.lastAnswerAt = Date.now();
      state.lastError = undefined;
    } catch (error) {
      const reason = redactRpcError(error);
      // Logged when a chain stops answering, not on every failed probe.
      if (state.lastError === undefined) this.#logger.warn({ eid: state.eid, chain: state.chain, reason }, 'chain RPC does not answer');
      state.lastError = reason;
    }
  }
}
