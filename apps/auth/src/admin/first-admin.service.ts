import { randomBytes } from 'node:crypto';

import type { OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigValidationError } from '@tessera/platform';

import { CommonPasswords } from '../accounts/common-passwords';
import { AuthConfig } from '../config/auth.config';
import { canonicalEmail } from '../database/email';
import { PasswordHasher } from '../accounts/password-hasher.service';
import { Role } from '../accounts/roles';
import { EmailTakenError } from '../accounts/users.errors';
import { UsersService } from '../accounts/users.service';

/** Where the generated development password is printed (stdout; a spy in unit tests). */
export const ADMIN_NOTICE_OUTPUT = Symbol('ADMIN_NOTICE_OUTPUT');
export type AdminNoticeOutput = (text: string) => void;

/** The development admin when ADMIN_EMAIL/ADMIN_PASSWORD are unset (`.local`: RFC 6762, never a real mailbox). */
export const DEVELOPMENT_ADMIN_EMAIL = 'admin@tessera.local';

interface AdminCredentials {
  email: string;
  password: string;
  /** The development default: the password is generated and printed once. */
  generated: boolean;
}

/**
 * Makes the first admin at start, while no enabled account holds the admin role:
 *
 * - ADMIN_EMAIL/ADMIN_PASSWORD set: that account, created with roles user and admin. Once an
 *   admin exists they are ignored; they never reset anyone's password or roles. A common
 *   ADMIN_PASSWORD, or one equal to ADMIN_EMAIL, fails the start, as it fails registration.
 * - unset in development: admin@tessera.local with a generated password, printed once to
 *   stdout (never logged); unset in test: nothing; unset in production: the start fails.
 * - the email already belongs to an account (registered before any admin existed): it becomes
 *   the admin only if ADMIN_PASSWORD is its password. Otherwise whoever registered the admin's
 *   address first, which registration lets anyone do, would be handed the admin role; the
 *   start fails instead, saying what to change.
 *
 * Replicas starting together: the unique email index lets one create the account; the other
 * gets `email_taken`, looks again and finds the admin.
 */
@Injectable()
export class FirstAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger('FirstAdmin');

  constructor(
    private readonly config: AuthConfig,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    @Inject(ADMIN_NOTICE_OUTPUT) private readonly output: AdminNoticeOutput,
    private readonly commonPasswords: CommonPasswords,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.ensureAdmin();
  }

  async ensureAdmin(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.users.hasEnabledAdmin()) {
        return;
      }
      const credentials = this.credentials();
      if (!credentials) {
        return;
      }
      try {
        await this.makeAdmin(credentials);
        return;
      } catch (e) {
        // Another replica created the account between our look and our insert.
        if (e instanceof EmailTakenError && attempt === 1) {
          continue;
        }
        throw e;
      }
    }
  }

  private credentials(): AdminCredentials | undefined {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config;
    if (email !== undefined && password !== undefined) {
      // Registration's rules for the address too: the config check cannot see invisible characters.
      if (canonicalEmail(email) === undefined) {
        throw new ConfigValidationError([
          'ADMIN_EMAIL must be an email address without control, format or invisible characters.',
        ]);
      }
      // The policy of registration (accounts/common-passwords.ts), for the account that matters most.
      if (this.commonPasswords.isCommon(password, email)) {
        throw new ConfigValidationError([
          'ADMIN_PASSWORD is too common or too easy to guess (or it is ADMIN_EMAIL): choose another.',
        ]);
      }
      return { email, password, generated: false };
    }
    if (this.config.production) {
      // Only known now, with the database at hand: loadAuthConfig cannot tell whether an admin exists.
      throw new ConfigValidationError([
        'ADMIN_EMAIL and ADMIN_PASSWORD are required in production while no enabled admin account exists (they are ignored once one does)',
      ]);
    }
    if (this.config.NODE_ENV !== 'development') {
      return undefined;
    }
    return { email: DEVELOPMENT_ADMIN_EMAIL, password: randomBytes(18).toString('base64url'), generated: true };
  }

  private async makeAdmin(credentials: AdminCredentials): Promise<void> {
    const existing = await this.users.findByEmail(credentials.email);
    if (!existing) {
      const admin = await this.users.createWithRoles({ email: credentials.email, password: credentials.password }, [
        Role.User,
        Role.Admin,
      ]);
      this.logger.log({ msg: 'first admin created', userId: admin.id });
      if (credentials.generated) {
        this.output(
          `Development default: no admin account existed, so one was created (printed once, stored only hashed):\n` +
            `  email:    ${admin.email}\n` +
            `  password: ${credentials.password}\n` +
            `  Set ADMIN_EMAIL and ADMIN_PASSWORD to choose the first admin yourself, as production requires.\n`,
        );
      }
      return;
    }
    const owned = !credentials.generated && (await this.hasher.verify(existing.passwordHash, credentials.password));
    if (!owned) {
      throw new ConfigValidationError([
        credentials.generated
          ? `No admin exists and ${DEVELOPMENT_ADMIN_EMAIL}, the development admin, is an existing account without the admin role: set ADMIN_EMAIL and ADMIN_PASSWORD to choose the first admin.`
          : `No admin exists and ADMIN_EMAIL belongs to an existing account whose password is not ADMIN_PASSWORD: refusing to make it an admin. Set ADMIN_EMAIL to an unused address, or ADMIN_PASSWORD to that account's password.`,
      ]);
    }
    await this.users.grantAdmin(existing.id);
    this.logger.warn({
      msg: 'existing account made the first admin',
      userId: existing.id,
      reenabled: existing.disabled,
    });
  }
}
