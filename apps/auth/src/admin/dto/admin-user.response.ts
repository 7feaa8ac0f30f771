import { ApiProperty } from '@nestjs/swagger';

import { ROLES } from '../../accounts/roles';
import type { AdminUserView, UserPage } from '../admin-users.service';

/** An account as an admin sees it. */
export class AdminUserDto implements AdminUserView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...ROLES] }, example: ['user'] })
  roles!: string[];

  @ApiProperty()
  disabled!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** One page of `GET /admin/users`, oldest account first. */
export class UserPageDto implements UserPage {
  @ApiProperty({ type: [AdminUserDto] })
  items!: AdminUserDto[];

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
