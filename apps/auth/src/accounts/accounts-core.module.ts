import { Module } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { CommonPasswords } from './common-passwords';
import { PASSWORD_HASH_OPTIONS, PasswordHasher } from './password-hasher.service';
import { UsersService } from './users.service';

/** User accounts and password hashing, for the app and the operator CLI alike; no routes here. */
@Module({
  providers: [
    { provide: PASSWORD_HASH_OPTIONS, inject: [AuthConfig], useFactory: (c: AuthConfig) => c.passwordHashOptions },
    PasswordHasher,
    CommonPasswords,
    UsersService,
  ],
  exports: [UsersService, PasswordHasher, CommonPasswords],
})
export class AccountsCoreModule {}
