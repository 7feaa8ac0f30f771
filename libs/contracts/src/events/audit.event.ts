import { IsIn, IsISO8601, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * What auth's audit trail records (README.md, "Audit trail"; OWASP ASVS 5.0 §16: security events
 * with when, who and from where). Never a password, a token, a secret or an email address.
 */
export const AUDIT_EVENT_TYPES = [
  'login_succeeded',
  'login_failed',
  'lockout',
  'login_throttled',
  'refresh_reuse_detected',
  'logout',
  'key_rotated',
  'client_registered',
  'client_removed',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** `auth.audit.<type>.v1`, one subject per type so a consumer can filter (e.g. `auth.audit.>`). */
export function auditSubject(type: AuditEventType): string {
  return `auth.audit.${type}.v1`;
}

/** One audit record. `subject` is a user id, `client:<id>`, `operator` (the CLI) or `system`; null when unknown. */
export class AuditEvent {
  @IsIn(AUDIT_EVENT_TYPES)
  type!: AuditEventType;

  @IsISO8601()
  occurredAt!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  subject!: string | null;

  /** The caller's address as auth saw it (the TCP peer); null for the CLI and internal causes. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  clientAddress!: string | null;

  /** Type-specific, non-secret facts: `reason`, `scope`, `sessionId`, `kid`, `alg`, `lockedUntil`, `clientId`, `clientName`. */
  @IsObject()
  details!: Record<string, string>;
}
