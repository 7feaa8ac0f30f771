import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** `:id` in `/admin/users/:id`: checked here so a malformed id is a 400, never a database error. */
export class UserIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}
