/** Limits of one kind of counter; see AuthConfig (LOGIN_*). */
export interface CounterPolicy {
  /** Attempts within the window before the key is locked. */
  maxFailures: number;
  /** A counter whose window started this long ago starts over. */
  windowSeconds: number;
}

export interface AccountCounterPolicy extends CounterPolicy {
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
}

export interface LoginThrottlePolicy {
  account: AccountCounterPolicy;
  address: CounterPolicy;
  /** One device cookie's sign-ins to its account; past the limit the cookie is distrusted. */
  device: CounterPolicy;
  /** How long a device cookie is valid after the sign-in that issued it. */
  deviceCookieSeconds: number;
}
