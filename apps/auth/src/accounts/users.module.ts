import { Module } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { PASSWORD_HASH_OPTIONS, PasswordHasher } from './password-hasher.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [
    { provide: PASSWORD_HASH_OPTIONS, inject: [AuthConfig], useFactory: (c: AuthConfig) => c.passwordHashOptions },
    PasswordHasher,
    UsersService,
  ],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
