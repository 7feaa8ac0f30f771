import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

import { CLIENT_ID_PATTERN } from '../client-metadata';

/**
 * `:id` in `/admin/clients/:id`: a malformed id is a 400 `validation_failed`, as in
 * `/admin/users/:id`; a well-formed id that names no client is a 404.
 */
export class ClientIdParams {
  @ApiProperty({ pattern: CLIENT_ID_PATTERN.source, example: '3f2a9c0e5b7d41e8a6c1d0f9b8e7a6c5' })
  @Matches(CLIENT_ID_PATTERN, { message: 'id must be a client id (32 lowercase hex characters)' })
  id!: string;
}
