import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Principal } from '@tessera/auth';
import { InvalidTokenError } from '@tessera/auth';
import { errorMessage } from '@tessera/platform';

import { AuditTrail } from '../audit/audit-trail.service';
import { SecurityMetrics } from '../audit/security-metrics';
import type { UserRow } from '../database/schema';
import { TooManyAttemptsError } from '../abuse/abuse.errors';
import { DeviceTrust } from '../abuse/device-trust.service';
import type { LoginAttempt, StartedLock } from '../abuse/login-attempts.service';
import { LoginAttemptsService } from '../abuse/login-attempts.service';
import { ThrottleRefusals } from '../abuse/throttle-refusals';
import { InvalidGrantError } from '../sessions/sessions.errors';
import type { ClientInfo } from '../http/client-info';
import type { IssuedSession } from '../sessions/refresh-tokens.service';
import { RefreshTokensService } from '../sessions/refresh-tokens.service';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { PasswordHasher } from '../accounts/password-hasher.service';
import type { PublicUser } from '../accounts/users.service';
import { toPublicUser, UsersService } from '../accounts/users.service';
import { InvalidCredentialsError } from './sign-in.errors';

/** A session, and the device token for the cookie that makes this client a known device. */
export interface SignedIn extends IssuedSession {
  deviceToken: string;
  deviceTokenMaxAgeSeconds: number;
}

@Injectable()
export class SignInService {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly refresh: RefreshTokensService,
    private readonly families: SessionFamiliesService,
    private readonly attempts: LoginAttemptsService,
    private readonly audit: AuditTrail,
    private readonly devices: DeviceTrust,
    @Optional() private readonly metrics?: SecurityMetrics,
    @Optional() private readonly refusals?: ThrottleRefusals,
  ) {}

  /**
   * Checks the password and starts a session: a new refresh family with its first pair, and a
   * new device token. The attempt first takes a slot of its counters: the device cookie's own
   * when it presents a valid one of this account, else the address's and the account's. When a
   * counter is locked the answer is 429 before any hashing, whatever the password.
   */
  login(email: string, password: string, client: ClientInfo = {}, deviceToken?: string): Promise<SignedIn> {
    return this.counted(email, client, () => this.signIn(email, password, client, deviceToken));
  }

  /**
   * The OpenID Provider's sign-in page: the same counters, lock, timing and audit trail as
   * `login`, but no session of the console: the provider keeps its own, and each application's
   * tokens start a session family when its code is exchanged. Answers the account.
   */
  authenticate(email: string, password: string, client: ClientInfo = {}): Promise<UserRow> {
    return this.counted(email, client, async () => {
      const user = await this.checkPassword(email, password, client, undefined);
      await this.audit.record('login_succeeded', {
        subject: user.id,
        clientAddress: client.clientAddress,
        details: { via: 'sign_in_page' },
      });
      return user;
    });
  }

  private async counted<T>(email: string, client: ClientInfo, attempt: () => Promise<T>): Promise<T> {
    try {
      const result = await attempt();
      this.metrics?.login('succeeded');
      return result;
    } catch (e) {
      if (e instanceof InvalidCredentialsError) {
        this.metrics?.login('invalid_credentials');
      } else if (e instanceof TooManyAttemptsError) {
        this.metrics?.login('throttled');
        this.noteRefusal(e, email, client);
      }
      throw e;
    }
  }

  private async signIn(
    email: string,
    password: string,
    client: ClientInfo,
    deviceToken: string | undefined,
  ): Promise<SignedIn> {
    const user = await this.checkPassword(email, password, client, deviceToken);
    let session: IssuedSession;
    try {
      session = await this.refresh.start(user, client);
    } catch (e) {
      // Disabled between the password check and the start of the session: the same answer.
      if (e instanceof InvalidGrantError) {
        await this.recordFailure('account_disabled', user.id, client, []);
        throw new InvalidCredentialsError();
      }
      throw e;
    }
    await this.audit.record('login_succeeded', {
      subject: user.id,
      clientAddress: client.clientAddress,
      details: { sessionId: session.familyId },
    });
    const device = this.devices.issue(user.id);
    return { ...session, deviceToken: device.token, deviceTokenMaxAgeSeconds: device.maxAgeSeconds };
  }

  /** The account whose password this is, through the counters; InvalidCredentialsError or TooManyAttemptsError otherwise. */
  private async checkPassword(
    email: string,
    password: string,
    client: ClientInfo,
    deviceToken: string | undefined,
  ): Promise<UserRow> {
    const { attempt, user } = await this.admit(email, client, deviceToken);
    try {
      // Always one argon2 verification, against a dummy hash for an unknown email, so the
      // response time does not reveal whether the account exists.
      const passwordMatches = await this.hasher.verify(user?.passwordHash, password);
      if (!user || !passwordMatches || user.disabled) {
        const reason = !user ? 'unknown_account' : !passwordMatches ? 'wrong_password' : 'account_disabled';
        await this.recordFailure(reason, user?.id, client, await this.attempts.failed(attempt));
        throw new InvalidCredentialsError();
      }
      await this.attempts.succeeded(attempt);
    } finally {
      await this.attempts.abandon(attempt);
    }
    await this.upgradeHash(user, password);
    return user;
  }

  /**
   * The counters of this sign-in, and the account when it had to be looked up first. A device
   * token counts only when genuine, unexpired, for the account of this email, and not distrusted
   * by failures of its own; anything else is an unknown device with the address's and the
   * account's limits (OWASP, device cookies).
   */
  private async admit(
    email: string,
    client: ClientInfo,
    deviceToken: string | undefined,
  ): Promise<{ attempt: LoginAttempt; user: UserRow | undefined }> {
    const claims = this.devices.claimsOf(deviceToken);
    if (claims) {
      const user = await this.users.findByEmail(email);
      if (user && user.id === claims.accountId) {
        const attempt = await this.attempts.beginOnDevice(this.devices.device(claims));
        if (attempt) {
          return { attempt, user };
        }
      }
    }
    const attempt = await this.attempts.begin(email, client.clientAddress);
    try {
      return { attempt, user: await this.users.findByEmail(email) };
    } catch (e) {
      await this.attempts.abandon(attempt);
      throw e;
    }
  }

  /** A 429, for the audit trail: aggregated per counter and window, the account looked up once. */
  private noteRefusal(error: TooManyAttemptsError, email: string, client: ClientInfo): void {
    if (!error.refusal || !this.refusals) {
      return;
    }
    const forAccount = error.refusal.scope === 'account';
    this.refusals.refused(error.refusal, {
      clientAddress: client.clientAddress,
      ...(forAccount ? { subject: async () => (await this.users.findByEmail(email))?.id } : {}),
    });
  }

  /**
   * Audit trail of a refused sign-in: the reason stays in the trail (the caller gets the same
   * 401 for all of them), and a lock this failure started is recorded as a lockout.
   */
  private async recordFailure(
    reason: string,
    userId: string | undefined,
    client: ClientInfo,
    locks: StartedLock[],
  ): Promise<void> {
    const where = { subject: userId, clientAddress: client.clientAddress };
    await this.audit.record('login_failed', { ...where, details: { reason } });
    for (const lock of locks) {
      this.metrics?.lockout(lock.scope);
      await this.audit.record('lockout', {
        ...where,
        details: { scope: lock.scope, lockedUntil: lock.lockedUntil.toISOString() },
      });
    }
  }

  /**
   * Rehashes a password stored with other argon2 parameters than the configured ones, now that
   * the password is at hand (OWASP Password Storage Cheat Sheet). Best effort: the
   * login never fails because of it, and the next login tries again.
   */
  private async upgradeHash(user: UserRow, password: string): Promise<void> {
    if (!this.hasher.needsRehash(user.passwordHash)) {
      return;
    }
    try {
      const next = await this.hasher.hash(password);
      if (await this.users.replacePasswordHash(user.id, user.passwordHash, next)) {
        this.logger.log({ msg: 'password hash upgraded', userId: user.id });
      }
    } catch (e) {
      this.logger.warn({ msg: 'password hash upgrade failed', userId: user.id, error: errorMessage(e) });
    }
  }

  /** Rotates a refresh token into a new pair; see RefreshTokensService.rotate. */
  refreshSession(refreshToken: string, client: ClientInfo = {}): Promise<IssuedSession> {
    return this.refresh.rotate(refreshToken, new Date(), client);
  }

  /**
   * Ends the session the access token belongs to (SessionFamiliesService.logout): answers once
   * the revocations are committed to the outbox, whether or not NATS is reachable.
   */
  async logout(principal: Principal, client: ClientInfo = {}): Promise<void> {
    const familyId = await this.families.logout(principal);
    await this.audit.record('logout', {
      subject: principal.sub,
      clientAddress: client.clientAddress,
      details: { scope: 'session', ...(familyId ? { sessionId: familyId } : {}) },
    });
  }

  /** Ends every session of the user and every access token issued to them until now. */
  async logoutAll(principal: Principal, client: ClientInfo = {}): Promise<void> {
    await this.families.endAll(principal.sub, 'logout_all');
    await this.audit.record('logout', {
      subject: principal.sub,
      clientAddress: client.clientAddress,
      details: { scope: 'all' },
    });
  }

  /** The account behind a verified token; a deleted or disabled one no longer counts. */
  async me(userId: string): Promise<PublicUser> {
    const user = await this.users.findById(userId);
    if (!user || user.disabled) {
      throw new InvalidTokenError();
    }
    return toPublicUser(user);
  }
}
