import { ApiProperty } from '@nestjs/swagger';

import type { SessionView } from '../session-families.service';

/** One live session (a login and its refreshes) of `GET /auth/sessions`. */
export class SessionDto implements SessionView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  lastUsedAt!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The User-Agent recorded with the session.' })
  userAgent!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The client address recorded with the session.' })
  clientAddress!: string | null;

  @ApiProperty({
    example: 'tessera-web',
    description: 'The application signed in: `tessera-web` for the console, else a registered client’s id.',
  })
  clientId!: string;

  @ApiProperty({ description: 'True for the session of the access token that asked.' })
  current!: boolean;
}
