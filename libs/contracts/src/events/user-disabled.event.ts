import { IsISO8601, IsUUID } from 'class-validator';

/** `auth.user.disabled.v1`: an admin disabled the account; every token of it is revoked. */
export class UserDisabledEvent {
  @IsUUID()
  userId!: string;

  @IsISO8601()
  occurredAt!: string;
}
