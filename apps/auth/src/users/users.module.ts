import { Module } from '@nestjs/common';

import { OWASP_ARGON2ID, PASSWORD_HASH_OPTIONS, PasswordHasher } from './password-hasher.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [{ provide: PASSWORD_HASH_OPTIONS, useValue: OWASP_ARGON2ID }, PasswordHasher, UsersService],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
