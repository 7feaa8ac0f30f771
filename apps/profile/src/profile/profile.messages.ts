import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser, type Principal } from '@tessera/auth';
import { GetProfileRequest, Subjects } from '@tessera/contracts';

import { ProfileService } from './profile.service';

@Controller()
export class ProfileMessages {
  constructor(private readonly profiles: ProfileService) {}

  @MessagePattern(Subjects.ProfileGet)
  get(@Payload() request: GetProfileRequest, @CurrentUser() caller: Principal) {
    return this.profiles.findFor(caller, request.userId);
  }
}
