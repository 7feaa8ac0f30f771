import { Body, Controller, Get, Patch, Req } from '@nestjs/common';
import { CurrentUser, type Principal } from '@tessera/auth';
import type { FastifyRequest } from 'fastify';

import { UpdateProfileDto } from './dto/update-profile.dto';
import { ProfileService } from './profile.service';

@Controller('profile')
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get('me')
  me(@CurrentUser() caller: Principal, @Req() request: FastifyRequest) {
    return this.profiles.findMine(caller, request.id);
  }

  @Patch('me')
  update(@CurrentUser() caller: Principal, @Body() changes: UpdateProfileDto) {
    return this.profiles.update(caller.sub, changes);
  }
}
