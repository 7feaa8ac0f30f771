import { IsISO8601, IsUUID } from 'class-validator';

/** `auth.user.registered.v1`: no e-mail or name, only the id other services key on. */
export class UserRegisteredEvent {
  @IsUUID()
  userId!: string;

  @IsISO8601()
  occurredAt!: string;
}
