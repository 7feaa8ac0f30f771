import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** `:id` in `/orders/:id`: checked here so a malformed id is a 400, never a database error. */
export class OrderIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}
