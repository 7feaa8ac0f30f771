import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type UserRegisteredEvent } from '@tessera/contracts';
import { DATABASE, enqueueEvent, isUuid, OutboxRelay } from '@tessera/platform';
import { and, arrayContains, asc, eq, inArray, isNull, sql } from 'drizzle-orm';

import type { AuthDatabase } from '../database/auth-database';
import { isUniqueViolation } from '../database/auth-database';
import type { UserRow } from '../database/schema';
import { users } from '../database/schema';
import { CANONICAL_EMAIL_UNIQUE } from '../database/canonical-email-backfill';
import { canonicalEmail, typedEmail } from '../database/email';
import { CommonPasswords } from './common-passwords';
import { PasswordHasher } from './password-hasher.service';
import { Role } from './roles';
import { EmailTakenError, InvalidEmailError } from './users.errors';

/** What a caller may learn about an account. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
}

export interface NewUser {
  email: string;
  password: string;
  displayName?: string;
}

/** One account in the report of `users duplicates`. */
export interface AccountRecord {
  id: string;
  /** As the user typed it. */
  email: string;
  createdAt: string;
  disabled: boolean;
  /** Whether a password sign-in reaches this account: only the holder of the canonical form. */
  signsIn: boolean;
}

export interface UnresolvedAccounts {
  /** Accounts sharing one canonical email, the one that signs in first. */
  duplicates: { canonicalEmail: string; accounts: AccountRecord[] }[];
  /** Accounts whose address now holds a refused character or is no longer valid. */
  refused: AccountRecord[];
}

function toAccountRecord(user: UserRow, signsIn: boolean): AccountRecord {
  return {
    id: user.id,
    email: user.email,
    createdAt: user.createdAt.toISOString(),
    disabled: user.disabled,
    signsIn,
  };
}

export function toPublicUser(user: Pick<UserRow, 'id' | 'email' | 'roles'>): PublicUser {
  return { id: user.id, email: user.email, roles: [...user.roles] };
}

@Injectable()
export class UsersService {
  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly hasher: PasswordHasher,
    private readonly outbox: OutboxRelay,
    private readonly commonPasswords: CommonPasswords,
  ) {}

  /**
   * Creates an account with the default roles; the caller can never choose them. 400
   * `password_too_common` for a listed password or the email itself, before any hashing.
   */
  async register(input: NewUser): Promise<PublicUser> {
    this.commonPasswords.assertAcceptable(input.password, input.email);
    return this.create(input, [Role.User]);
  }

  /**
   * Creates an account holding `roles`: only for the first admin (admin/first-admin.service.ts)
   * and the operator CLI's `users create-admin`, never reachable from a request body. 409
   * `email_taken` when the email exists.
   */
  createWithRoles(input: NewUser, roles: readonly Role[]): Promise<PublicUser> {
    return this.create(input, roles);
  }

  private async create(input: NewUser, roles: readonly Role[]): Promise<PublicUser> {
    const email = typedEmail(input.email);
    const canonical = canonicalEmail(email);
    if (canonical === undefined) {
      throw new InvalidEmailError();
    }
    const passwordHash = await this.hasher.hash(input.password);
    try {
      // The account and its `auth.user.registered.v1` event commit together (outbox).
      const user = await this.db.transaction(async (tx) => {
        const [created] = await tx
          .insert(users)
          .values({
            email,
            canonicalEmail: canonical,
            passwordHash,
            displayName: input.displayName ?? null,
            roles: [...roles],
          })
          .returning({ id: users.id, email: users.email, roles: users.roles });
        const event: UserRegisteredEvent = {
          userId: created.id,
          ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
          occurredAt: new Date().toISOString(),
        };
        await enqueueEvent(tx, Subjects.UserRegistered, event);
        return created;
      });
      this.outbox.flush();
      return toPublicUser(user);
    } catch (e) {
      // The unique index decides, so two concurrent registrations of one address, however
      // spelled, cannot both succeed.
      if (isUniqueViolation(e, CANONICAL_EMAIL_UNIQUE) || isUniqueViolation(e, 'users_email_unique')) {
        throw new EmailTakenError();
      }
      throw e;
    }
  }

  /** Replaces the stored hash; the caller has verified the old password and hashed the new one. */
  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.update(users).set({ passwordHash }).where(eq(users.id, id));
  }

  /**
   * Stores `next` only if the hash is still `expected`: a rehash after login must not undo a
   * password change that committed in between. False when it did not.
   */
  async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    const updated = await this.db
      .update(users)
      .set({ passwordHash: next })
      .where(and(eq(users.id, id), eq(users.passwordHash, expected)))
      .returning({ id: users.id });
    return updated.length > 0;
  }

  /** Whether an enabled account holds the admin role. */
  async hasEnabledAdmin(): Promise<boolean> {
    const [row] = await this.db
      .select({ id: users.id })
      .from(users)
      .where(and(arrayContains(users.roles, [Role.Admin]), eq(users.disabled, false)))
      .limit(1);
    return row !== undefined;
  }

  /** Adds the admin role (once) and enables the account. */
  async grantAdmin(id: string): Promise<void> {
    await this.db
      .update(users)
      .set({
        roles: sql`array_append(array_remove(${users.roles}, ${Role.Admin}::text), ${Role.Admin}::text)`,
        disabled: false,
      })
      .where(eq(users.id, id));
  }

  /**
   * The account an address belongs to, however it is spelled (database/email.ts). An account
   * left without a canonical email (a younger near-duplicate) is never found this way.
   */
  async findByEmail(email: string): Promise<UserRow | undefined> {
    const canonical = canonicalEmail(email);
    if (canonical === undefined) {
      return undefined;
    }
    const [user] = await this.db.select().from(users).where(eq(users.canonicalEmail, canonical)).limit(1);
    return user;
  }

  /**
   * The accounts that have no canonical email, so cannot sign in, for an operator to resolve:
   * each group of near-duplicates with the account that holds the canonical form (the oldest),
   * and the accounts whose address is now refused. Nothing is changed.
   */
  async unresolvedAccounts(): Promise<UnresolvedAccounts> {
    const orphans = await this.db
      .select()
      .from(users)
      .where(isNull(users.canonicalEmail))
      .orderBy(asc(users.createdAt), asc(users.id));
    const groups = new Map<string, UserRow[]>();
    const refused: UserRow[] = [];
    for (const row of orphans) {
      const canonical = canonicalEmail(row.email);
      if (canonical === undefined) {
        refused.push(row);
      } else {
        groups.set(canonical, [...(groups.get(canonical) ?? []), row]);
      }
    }
    const holders =
      groups.size === 0
        ? []
        : await this.db
            .select()
            .from(users)
            .where(inArray(users.canonicalEmail, [...groups.keys()]));
    return {
      duplicates: [...groups].map(([canonical, younger]) => ({
        canonicalEmail: canonical,
        accounts: [
          ...holders.filter((h) => h.canonicalEmail === canonical).map((h) => toAccountRecord(h, true)),
          ...younger.map((row) => toAccountRecord(row, false)),
        ],
      })),
      refused: refused.map((row) => toAccountRecord(row, false)),
    };
  }

  /** `id` may come from a token's `sub` (e.g. `client:orders`); anything not a UUID matches no user. */
  async findById(id: string): Promise<UserRow | undefined> {
    if (!isUuid(id)) {
      return undefined;
    }
    const [user] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return user;
  }
}
