import { Body, Controller, Get, Patch, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal, Roles, Scopes } from '@tessera/auth';
import { ProfileReply, Role, Scope } from '@tessera/contracts';
import { ApiProblem } from '@tessera/platform';
import type { FastifyRequest } from 'fastify';

import { MyProfileDto } from './dto/my-profile.response';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { ProfileService } from './profile.service';

/** A person's own profile: a service token (no user role) gets 403, never a profile of its own. */
@ApiTags('profile')
@ApiProblem(
  403,
  "`insufficient_scope`: not a user's token (a service token has no `user` role), or one without the route's scope.",
)
@Controller('profile')
@Roles(Role.User, Role.Admin)
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get('me')
  @Scopes(Scope.ProfileRead)
  @ApiOperation({
    summary: "The caller's profile, with their order summary",
    description:
      "The summary is asked of orders over NATS on the caller's behalf, with a token exchanged for the " +
      "caller's; `orders` is null when orders cannot answer. A user with no stored profile gets an empty one.",
  })
  @ApiOkResponse({ type: MyProfileDto })
  @ApiProblem(
    502,
    '`upstream_refused`: orders refused the token exchanged for the caller (a server configuration problem).',
  )
  me(@CurrentUser() caller: Principal, @Req() request: FastifyRequest) {
    return this.profiles.findMine(caller, request.id);
  }

  @Patch('me')
  @Scopes(Scope.ProfileWrite)
  @ApiOperation({ summary: "Change the caller's display name or shipping address" })
  @ApiOkResponse({ type: ProfileReply, description: 'The profile as stored.' })
  @ApiProblem(
    400,
    '`validation_failed`: an invalid field (e.g. a country that is not ISO 3166-1 alpha-2) or an unknown one.',
  )
  update(@CurrentUser() caller: Principal, @Body() changes: UpdateProfileDto) {
    return this.profiles.update(caller.sub, changes);
  }
}
