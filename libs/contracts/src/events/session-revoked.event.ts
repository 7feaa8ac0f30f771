import { IsIn, IsISO8601, IsUUID } from 'class-validator';

export const SESSION_REVOCATION_REASONS = [
  'logout',
  'logout_all',
  'password_changed',
  'session_ended',
  'reuse_detected',
  'token_revoked',
  'account_disabled',
  /** The OpenID Provider revoked the grant the session came from: a replayed code, or a logout there. */
  'grant_revoked',
  /** An operator removed the application the session was signed in to. */
  'client_removed',
] as const;
export type SessionRevocationReason = (typeof SESSION_REVOCATION_REASONS)[number];

/** `auth.session.revoked.v1`: a session (refresh-token family) ended; its access tokens are revoked. */
export class SessionRevokedEvent {
  @IsUUID()
  userId!: string;

  @IsUUID()
  sessionId!: string;

  @IsIn(SESSION_REVOCATION_REASONS)
  reason!: SessionRevocationReason;

  @IsISO8601()
  occurredAt!: string;
}
