/**
 * The structured error a NATS handler replies with. `status` keeps HTTP semantics so a
 * 401/403/404 stays itself across a hop; `code` is the machine-readable reason.
 */
export interface RpcErrorReply {
  status: number;
  code: string;
  message: string;
}

export function isRpcErrorReply(value: unknown): value is RpcErrorReply {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return typeof v.status === 'number' && typeof v.code === 'string' && typeof v.message === 'string';
}

/** Message header names shared by every service. */
export const Headers = {
  Authorization: 'authorization',
  RequestId: 'x-request-id',
} as const;
