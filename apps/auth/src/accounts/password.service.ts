import { Injectable, Optional } from '@nestjs/common';
import type { Principal } from '@tessera/auth';
import { InvalidTokenError } from '@tessera/auth';

import { SecurityMetrics } from '../audit/security-metrics';
import { TooManyAttemptsError } from '../abuse/abuse.errors';
import { LoginAttemptsService } from '../abuse/login-attempts.service';
import { ThrottleRefusals } from '../abuse/throttle-refusals';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { CommonPasswords } from './common-passwords';
import { PasswordHasher } from './password-hasher.service';
import { UsersService } from './users.service';
import { WrongCurrentPasswordError } from './password.errors';

@Injectable()
export class PasswordService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly families: SessionFamiliesService,
    private readonly attempts: LoginAttemptsService,
    private readonly commonPasswords: CommonPasswords,
    @Optional() private readonly metrics?: SecurityMetrics,
    @Optional() private readonly refusals?: ThrottleRefusals,
  ) {}

  /**
   * Changes the password of the token's user after checking the current one (ASVS 5.0 §6.2.3),
   * then ends every other session with the access tokens it issued (§7.4.3). The caller's own
   * session survives: a user-wide revoked-before entry would also void the token making this
   * request, logging out the one person who just proved they know the password.
   *
   * The current-password check shares the sign-in counters of the account and the address: a
   * stolen access token must not become an unthrottled password-guessing oracle. A common new
   * password (CommonPasswords) is 400 `password_too_common` and changes nothing.
   */
  async change(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    clientAddress?: string,
  ): Promise<void> {
    const user = await this.users.findById(principal.sub);
    if (!user || user.disabled) {
      throw new InvalidTokenError();
    }
    // Before the current password is checked: a refused new password costs no attempt.
    this.commonPasswords.assertAcceptable(newPassword, user.email);
    const attempt = await this.attempts.begin(user.email, clientAddress).catch((e: unknown) => {
      if (e instanceof TooManyAttemptsError && e.refusal) {
        const forAccount = e.refusal.scope === 'account';
        this.refusals?.refused(e.refusal, {
          clientAddress,
          ...(forAccount ? { subject: () => Promise.resolve(user.id) } : {}),
        });
      }
      throw e;
    });
    try {
      if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
        (await this.attempts.failed(attempt)).forEach((lock) => this.metrics?.lockout(lock.scope));
        throw new WrongCurrentPasswordError();
      }
      await this.attempts.succeeded(attempt);
    } finally {
      await this.attempts.abandon(attempt);
    }
    await this.users.setPasswordHash(user.id, await this.hasher.hash(newPassword));
    const current = await this.families.familyOfAccessToken(principal.jti);
    await this.families.revokeUserFamilies(user.id, 'password_changed', { except: current });
  }
}
