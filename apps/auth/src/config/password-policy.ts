/** Password policy (ASVS 5.0 §6.2): 12 to 128 characters of any Unicode, never truncated. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** argon2id cost parameters, from AuthConfig (PASSWORD_HASH_*). */
export interface PasswordHashOptions {
  /** KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}
