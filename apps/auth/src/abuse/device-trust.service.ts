import { Inject, Injectable } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { KEY_ENCRYPTION_KEY } from '../keys/key-encryption-key';
import type { DeviceClaims } from './device-token';
import {
  deriveDeviceCookieKey,
  deviceTokenExpiry,
  newDeviceClaims,
  signDeviceToken,
  verifyDeviceToken,
} from './device-token';
import type { TrustedDevice } from './login-attempts.service';

/** A device token just issued, and how long the cookie holding it should live. */
export interface IssuedDeviceToken {
  token: string;
  maxAgeSeconds: number;
}

/**
 * Issues and checks device tokens (device-token.ts). The MAC key is derived from the
 * key-encryption key, so it is as secret as the signing keys and needs no setting of its own:
 * production has AUTH_KEY_ENCRYPTION_KEY (it refuses to start without), development the generated
 * one. Changing that key distrusts every device cookie: their sign-ins count as unknown devices
 * again until the next success.
 */
@Injectable()
export class DeviceTrust {
  private readonly key: Buffer;
  private readonly lifetimeSeconds: number;

  constructor(config: AuthConfig, @Inject(KEY_ENCRYPTION_KEY) kek: Buffer) {
    this.key = deriveDeviceCookieKey(kek);
    this.lifetimeSeconds = config.loginThrottle.deviceCookieSeconds;
  }

  /** The claims of a genuine, unexpired token, whichever account it is for. */
  claimsOf(token: string | undefined, now = new Date()): DeviceClaims | undefined {
    return token ? verifyDeviceToken(this.key, token, this.lifetimeSeconds, now) : undefined;
  }

  /** The device of those claims, for its counter: it locks until the cookie expires. */
  device(claims: DeviceClaims): TrustedDevice {
    return { nonce: claims.nonce, expiresAt: deviceTokenExpiry(claims, this.lifetimeSeconds) };
  }

  issue(accountId: string, now = new Date()): IssuedDeviceToken {
    return {
      token: signDeviceToken(this.key, newDeviceClaims(accountId, now)),
      maxAgeSeconds: this.lifetimeSeconds,
    };
  }
}
