import { IsIn, IsISO8601, IsUUID } from 'class-validator';

export const SESSION_REVOCATION_REASONS = [
  'logout',
  'logout_all',
  'password_change',
  'refresh_reuse',
  'ended_by_user',
  'admin',
] as const;

/** `auth.session.revoked.v1`: a session (refresh-token family) ended; its access tokens are revoked. */
export class SessionRevokedEvent {
  @IsUUID()
  userId!: string;

  @IsUUID()
  sessionId!: string;

  @IsIn(SESSION_REVOCATION_REASONS)
  reason!: (typeof SESSION_REVOCATION_REASONS)[number];

  @IsISO8601()
  occurredAt!: string;
}
