import { Body, Controller, Get, Header, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal, Roles } from '@tessera/auth';
import { ApiProblem } from '@tessera/platform';

import { Role } from '../accounts/roles';
import type { AdminUserView, UserPage } from './admin-users.service';
import { AdminUsersService } from './admin-users.service';
import { AdminUserDto, UserPageDto } from './dto/admin-user.response';
import { DEFAULT_USERS_PAGE_SIZE, ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserIdParams } from './dto/user-id.params';

/** Account administration; any other caller, a service token included, gets 403 insufficient_scope. */
@ApiTags('admin')
@ApiProblem(403, '`insufficient_scope`: the token does not carry the `admin` role.')
@Controller('admin/users')
@Roles(Role.Admin)
export class AdminUsersController {
  constructor(private readonly admin: AdminUsersService) {}

  /** 200 `{items:[{id,email,roles,disabled,createdAt}], nextCursor}`, oldest account first. */
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'List accounts, oldest first, a page at a time' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiProblem(400, '`validation_failed` for a bad `limit` or unknown parameter; `invalid_cursor` for a bad `cursor`.')
  list(@Query() query: ListUsersQuery): Promise<UserPage> {
    return this.admin.list(query.limit ?? DEFAULT_USERS_PAGE_SIZE, query.cursor);
  }

  /**
   * 200 with the updated account; 400 for a malformed id or body, 404 `user_not_found`, 409
   * `cannot_disable_self` / `cannot_demote_self` / `last_admin`.
   */
  @Patch(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "Change an account's roles or disable it",
    description: 'Disabling an account or changing its roles revokes its tokens at once.',
  })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiProblem(400, '`validation_failed`: a malformed id or body.')
  @ApiProblem(404, '`user_not_found`.')
  @ApiProblem(415, '`unsupported_media_type`: the body is not application/json (an HTML form is refused).')
  @ApiProblem(
    409,
    '`cannot_disable_self`, `cannot_demote_self`, or `last_admin` (the change would leave no enabled admin).',
  )
  update(
    @CurrentUser() actor: Principal,
    @Param() params: UserIdParams,
    @Body() dto: UpdateUserDto,
  ): Promise<AdminUserView> {
    return this.admin.update(actor.sub, params.id, dto);
  }
}
