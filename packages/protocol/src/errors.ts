// The one base for every error Ballast throws in TypeScript (modelled on viem's BaseError): a short
// message that says what went wrong and what to do, optional details, a docs path and the cause.

export type BallastErrorParameters = {
  /** Extra lines shown under the short message. */
  details?: string | undefined;
  /** Path under docs/ that explains the error, e.g. `DEVNET.md#redis`. */
  docsPath?: string | undefined;
  /** The error that caused this one. */
  cause?: unknown;
  /** Structured context for logs (kept out of the message). */
  meta?: Record<string, unknown> | undefined;
};

export class BallastError extends Error {
  override name = 'BallastError';
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly docsPath: string | undefined;
  readonly meta: Record<string, unknown> | undefined;

  constructor(shortMessage: string, parameters: BallastErrorParameters = {}) {
    const lines = [shortMessage];
    if (parameters.details) lines.push('', `Details: ${parameters.details}`);
    if (parameters.docsPath) lines.push(`Docs: docs/${parameters.docsPath}`);
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = parameters.details;
    this.docsPath = parameters.docsPath;
    this.meta = parameters.meta;
  }
}
