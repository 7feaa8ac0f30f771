import { Module } from '@nestjs/common';

import { ProfileController } from './profile.controller';
import { ProfileMessages } from './profile.messages';
import { ProfileService } from './profile.service';

@Module({
  controllers: [ProfileController, ProfileMessages],
  providers: [ProfileService],
})
export class ProfileModule {}
