import { IsOptional, IsUrl } from 'class-validator';
import { ServiceConfig } from '@tessera/platform';

import type { AuthModuleOptions } from './auth.options';

/** Settings of a service that verifies tokens: who issues them and the JWKS fallback. */
export class VerifyingServiceConfig extends ServiceConfig {
  @IsUrl({ require_tld: false, require_protocol: true })
  AUTH_ISSUER = 'http://localhost:3001';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  AUTH_JWKS_URL?: string = 'http://127.0.0.1:3001/.well-known/jwks.json';
}

export function authModuleOptions(audience: string, config: VerifyingServiceConfig): AuthModuleOptions {
  return { audience, issuer: config.AUTH_ISSUER, jwksUrl: config.AUTH_JWKS_URL };
}
