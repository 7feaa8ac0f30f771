import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '@tessera/auth';
import { ProfileReply, Role, Scope } from '@tessera/contracts';
import { ApiProblem } from '@tessera/platform';

import { ProfileService } from './profile.service';

@ApiTags('admin')
@Controller('profiles')
@Roles(Role.Admin)
export class AdminProfilesController {
  constructor(private readonly profiles: ProfileService) {}

  @Get(':userId')
  @Scopes(Scope.ProfileRead)
  @ApiOperation({ summary: "Any user's stored profile (admins)" })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiOkResponse({ type: ProfileReply })
  @ApiProblem(400, '`bad_request`: the user id is not a UUID v4.')
  @ApiProblem(403, '`insufficient_scope`: the token does not carry the `admin` role.')
  @ApiProblem(404, '`profile_not_found`: no profile is stored for that user.')
  get(@Param('userId', new ParseUUIDPipe({ version: '4' })) userId: string) {
    return this.profiles.get(userId);
  }
}
