import { Injectable } from '@nestjs/common';
import { dictionary } from '@zxcvbn-ts/language-common';

import { PasswordTooCommonError } from './password.errors';

/**
 * Refuses passwords an attacker tries first (ASVS 5.0 §6.2.4): the ~49,000 most common and
 * breached passwords that zxcvbn-ts maintains (`@zxcvbn-ts/language-common`, updated with the
 * package, not copied by hand), a listed password repeated, a run of at most four characters
 * repeated (`111111111111`, `abababababab`), and the account's own email. Case is ignored
 * throughout: `Password1234` is as guessable as `password1234`.
 *
 * The list is decoded once, when the provider is built at boot, into a Set: a check is a few
 * lookups, whatever the request rate.
 */
@Injectable()
export class CommonPasswords {
  private readonly listed: ReadonlySet<string> = new Set(
    dictionary['passwords-common'].map((password) => password.toLowerCase()),
  );

  /** The list's size, for the spec that holds it to at least the 10,000 most common. */
  get size(): number {
    return this.listed.size;
  }

  isCommon(password: string, email?: string): boolean {
    const lower = password.toLowerCase();
    if (email !== undefined && lower === email.toLowerCase()) {
      return true;
    }
    if (this.listed.has(lower)) {
      return true;
    }
    const unit = repeatedUnit(lower);
    return unit !== undefined && (unit.length <= 4 || this.listsRepetitionOf(unit, lower.length));
  }

  /** 400 `password_too_common` when `isCommon`. */
  assertAcceptable(password: string, email?: string): void {
    if (this.isCommon(password, email)) {
      throw new PasswordTooCommonError();
    }
  }

  /** Whether `unit` repeated fewer times than in the password is listed (`abc123abc123`). */
  private listsRepetitionOf(unit: string, length: number): boolean {
    for (let candidate = unit; candidate.length < length; candidate += unit) {
      if (this.listed.has(candidate)) {
        return true;
      }
    }
    return false;
  }
}

/** The shortest string that `text` is two or more copies of, if any. */
function repeatedUnit(text: string): string | undefined {
  // `text` is a repetition exactly when it occurs in itself doubled at an offset below its length.
  const offset = (text + text).indexOf(text, 1);
  return offset < text.length ? text.slice(0, offset) : undefined;
}
