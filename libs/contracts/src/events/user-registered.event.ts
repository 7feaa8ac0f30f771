import { IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';

/**
 * `auth.user.registered.v1`. Carries the id other services key on and the display name the
 * user chose; never the e-mail address or anything secret.
 */
export class UserRegisteredEvent {
  @IsUUID()
  userId!: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @IsISO8601()
  occurredAt!: string;
}
