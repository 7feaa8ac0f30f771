import { ApiProperty } from '@nestjs/swagger';

import { ROLES } from '../roles';
import type { PublicUser } from '../users.service';

/** `{id,email,roles}`: what `POST /auth/register` and `GET /auth/me` answer. */
export class PublicUserDto implements PublicUser {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...ROLES] }, example: ['user'] })
  roles!: string[];
}
