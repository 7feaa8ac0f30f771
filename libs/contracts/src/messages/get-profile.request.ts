import { IsUUID } from 'class-validator';

/** `profile.get.v1` request: whose profile to read. */
export class GetProfileRequest {
  @IsUUID()
  userId!: string;
}
