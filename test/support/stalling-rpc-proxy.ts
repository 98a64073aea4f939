// An HTTP JSON-RPC proxy in front of one chain's node, for fault suites: it forwards every request as
// it is, except during a stall, when it holds each request it receives and forwards it only when the
// stall ends — as a provider does that stops answering for a while and then answers late. A client
// whose timeout is shorter than the stall gets no reply (the request may still take effect: a held
// `eth_sendRawTransaction` is mined after the stall, its reply lost). It can also refuse `eth_getLogs` over
// more than `maxLogRange` blocks, with the JSON-RPC error such providers return.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StallingRpcProxyStats = {
  /** Requests forwarded to the node. */
  forwarded: number;
  /** Of those, requests held by a stall first. */
  held: number;
};

export class StallingRpcProxy {
  readonly target: string;
  readonly stats: StallingRpcProxyStats = { forwarded: 0, held: 0 };
  readonly #server: Server;
  #url = '';
  #stalledUntil = 0;
  #release: Promise<void> = Promise.resolve();
  #releaseNow: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(target: string) {
    this.target = target;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  /** Starts a proxy to `target` (an http JSON-RPC URL) on a free loopback port. */
  static async start(target: string): Promise<StallingRpcProxy> {
    const proxy = new StallingRpcProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.#url = `http://127.0.0.1:${(proxy.#server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** The proxy's URL: put it where the chain's RPC URL goes. */
  get url(): string {
    return this.#url;
  }

  /** Largest `eth_getLogs` block range answered; a wider one gets an error reply. Infinity: no limit. */
  maxLogRange = Number.POSITIVE_INFINITY;
  /** `eth_getLogs` requests refused for their range. */
  refusedLogRanges = 0;

  /** Whether requests are being held now. */
  get stalled(): boolean {
    return Date.now() < this.#stalledUntil;
  }

  /** Holds every request from now on for `ms`; requests held are forwarded when it ends. */
  stall(ms: number): void {
    if (this.stalled) throw new Error('the proxy is already stalled');
    this.#stalledUntil = Date.now() + ms;
    this.#release = new Promise<void>((resolve) => {
      this.#releaseNow = () => {
        clearTimeout(this.#timer);
        this.#stalledUntil = 0;
        resolve();
      };
      this.#timer = setTimeout(this.#releaseNow, ms);
    });
  }

  /** Ends a stall early (forwarding what it held). */
  resume(): void {
    this.#releaseNow?.();
  }

  async close(): Promise<void> {
    this.resume();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.stalled) {
      this.stats.held += 1;
      await this.#release;
    }
    const refusal = this.#refuseWideLogs(Buffer.concat(chunks));
    if (refusal) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(refusal);
      return;
    }
    this.stats.forwarded += 1;
    try {
      const reply = await fetch(this.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
      const body = Buffer.from(await reply.arrayBuffer());
      // The client may have given up meanwhile: its reply is lost, whatever the request did.
      if (!response.destroyed) response.writeHead(reply.status, { 'content-type': 'application/json' }).end(body);
    } catch (error) {
      if (!response.destroyed) response.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${(error as Error).message}\n`);
    }
  }

  /** The error reply to a request (or batch) that holds an `eth_getLogs` wider than `maxLogRange`, else undefined. */
  #refuseWideLogs(body: Buffer): string | undefined {
    if (!Number.isFinite(this.maxLogRange)) return undefined;
    type Call = { id: number; method: string; params?: { fromBlock?: string; toBlock?: string }[] };
    let parsed: Call | Call[];
    try {
      parsed = JSON.parse(body.toString()) as Call | Call[];
    } catch {
      return undefined;
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const wide = (call: Call) => {
      const filter = call.params?.[0];
      if (call.method !== 'eth_getLogs' || !filter?.fromBlock?.startsWith('0x') || !filter.toBlock?.startsWith('0x')) return false;
      return Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock)) + 1 > this.maxLogRange;
    };
    if (!calls.some(wide)) return undefined;
    // A batch with a wide getLogs is refused whole (each call answered with the error): simple, and what the client retries.
    this.refusedLogRanges += 1;
    const error = (call: Call) => ({ jsonrpc: '2.0', id: call.id, error: { code: -32005, message: `block range is too wide (maximum ${this.maxLogRange} blocks)` } });
    return JSON.stringify(Array.isArray(parsed) ? calls.map(error) : error(parsed));
  }
}
