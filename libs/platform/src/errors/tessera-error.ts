/**
 * A domain error: a machine-readable `code` plus the HTTP-semantics `status` the edges map it
 * to. Services throw these (never HttpException), so the same error can leave over HTTP as a
 * problem body or over NATS as an RpcErrorReply. `message` is safe to show to the caller.
 */
export class TesseraError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra response headers for HTTP (e.g. WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
