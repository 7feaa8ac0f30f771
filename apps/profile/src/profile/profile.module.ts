import { Module } from '@nestjs/common';

import { ProfileController } from './profile.controller';
import { AdminProfilesController } from './admin-profiles.controller';
import { ProfileEvents } from './profile.events';
import { ProfileMessages } from './profile.messages';
import { ProfileService } from './profile.service';

@Module({
  controllers: [ProfileController, AdminProfilesController, ProfileMessages],
  providers: [ProfileService, ProfileEvents],
})
export class ProfileModule {}
