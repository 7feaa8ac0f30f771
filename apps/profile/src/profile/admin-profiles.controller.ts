import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { Roles } from '@tessera/auth';

import { ProfileService } from './profile.service';

@Controller('profiles')
@Roles('admin')
export class AdminProfilesController {
  constructor(private readonly profiles: ProfileService) {}

  @Get(':userId')
  get(@Param('userId', new ParseUUIDPipe({ version: '4' })) userId: string) {
    return this.profiles.get(userId);
  }
}
