/**
 * Every NATS subject, stream and KV bucket name in one place (STYLE: "subjects in one place").
 * Subjects follow `<owner>.<thing>.<verb>.v<N>`; a published `v1` is never edited in place.
 */
export const Subjects = {
  ProfileGet: 'profile.get.v1',
  OrdersSummary: 'orders.summary.v1',
  UserRegistered: 'auth.user.registered.v1',
  UserDisabled: 'auth.user.disabled.v1',
  SessionRevoked: 'auth.session.revoked.v1',
  OrderPlaced: 'orders.order.placed.v1',
} as const;
export type Subject = (typeof Subjects)[keyof typeof Subjects];

/**
 * Requests that only read, so sending one twice is harmless: NatsRpcClient retries them once
 * when the first attempt finds no responder or times out (docs/operations.md, "Fault
 * behaviour"). A subject that changes state never belongs here.
 */
export const IDEMPOTENT_SUBJECTS: ReadonlySet<string> = new Set<string>([Subjects.ProfileGet, Subjects.OrdersSummary]);

export const Buckets = {
  Keys: 'tessera_keys',
  Revocations: 'tessera_revocations',
} as const;
export type Bucket = (typeof Buckets)[keyof typeof Buckets];

/**
 * The JetStream stream that carries every event durably, so a consumer that was down catches
 * up. Events are published by their owner only.
 */
export const Streams = {
  Events: 'tessera_events',
} as const;

export const EVENT_SUBJECTS: readonly string[] = [
  Subjects.UserRegistered,
  Subjects.UserDisabled,
  Subjects.SessionRevoked,
  Subjects.OrderPlaced,
  // auth's audit trail (events/audit.event.ts): auth.audit.<type>.v1, kept with the other events.
  'auth.audit.*.v1',
];

/** Queue groups are named after the app that owns the handlers, so replicas share the load. */
export const QueueGroups = {
  Auth: 'auth',
  Orders: 'orders',
  Profile: 'profile',
} as const;

/** Letters, digits, `_` and `-` only: it is used both in subjects and in stream/bucket names. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * With a namespace every subject becomes `<ns>.<subject>` and every stream or bucket
 * `<ns>_<name>`, so several deployments (and test runs) can share one NATS server.
 */
export function namespacedSubject(namespace: string | undefined, subject: string): string {
  return namespace ? `${namespace}.${subject}` : subject;
}

export function namespacedBucket(namespace: string | undefined, bucket: string): string {
  return namespace ? `${namespace}_${bucket}` : bucket;
}
