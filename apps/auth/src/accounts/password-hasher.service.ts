import { randomBytes } from 'node:crypto';

import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { argon2id, hash as argon2Hash, needsRehash as argon2NeedsRehash, verify as argon2Verify } from 'argon2';

import type { PasswordHashOptions } from '../config/password-policy';

/** OWASP Password Storage Cheat Sheet, argon2id: 19 MiB, 2 iterations, parallelism 1. */
export const OWASP_ARGON2ID: PasswordHashOptions = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const PASSWORD_HASH_OPTIONS = Symbol('PASSWORD_HASH_OPTIONS');

/**
 * NIST SP 800-63B §5.1.1.2: passwords are Unicode-normalised (NFKC) before hashing, so the
 * same password typed on another keyboard or OS still matches. argon2 never truncates.
 */
function prepare(password: string): string {
  return password.normalize('NFKC');
}

@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** A hash of a random password with the same parameters: unknown users cost the same time. */
  private dummyHash?: string;

  constructor(@Inject(PASSWORD_HASH_OPTIONS) private readonly options: PasswordHashOptions) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return argon2Hash(prepare(password), { type: argon2id, ...this.options });
  }

  /**
   * Checks `password` against the `stored` hash. With no hash (unknown user) it still runs one
   * verification, against the dummy hash, and answers false.
   */
  async verify(stored: string | undefined, password: string): Promise<boolean> {
    const target =
      stored ?? this.dummyHash ?? (this.dummyHash = await this.hash(randomBytes(32).toString('base64url')));
    const matches = await argon2Verify(target, prepare(password));
    return stored !== undefined && matches;
  }

  /**
   * True when `stored` was not made by `hash` as configured now: another argon2 variant or
   * version, or other cost parameters (weaker or stronger). The caller rehashes it the next
   * time it holds the password, i.e. after a successful verification (OWASP Password Storage
   * Cheat Sheet, "Upgrading legacy hashes"). An unreadable hash also counts.
   */
  needsRehash(stored: string): boolean {
    if (!stored.startsWith('$argon2id$')) {
      return true;
    }
    try {
      return argon2NeedsRehash(stored, this.options);
    } catch {
      return true;
    }
  }
}
