import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { VerifyingServiceConfig } from '@tessera/auth';
import { loadConfig } from '@tessera/platform';

export class OrdersConfig extends VerifyingServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT: number = 3002;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'ORDERS_DATABASE_URL must be a postgres:// URL' })
  ORDERS_DATABASE_URL?: string;

  @IsString()
  ORDERS_DATA_DIR = '.data/orders';

  /**
   * profile asks for a user's order summary with a token it exchanged for the user's (RFC 8693,
   * `act.sub` client:profile); no other actor is accepted. `none` refuses every exchanged token.
   * Validated as VerifyingServiceConfig declares it.
   */
  override AUTH_ALLOWED_ACTORS: string = 'client:profile';
}

export function loadOrdersConfig(env: Record<string, string | undefined> = process.env): OrdersConfig {
  return loadConfig(OrdersConfig, env, (c) => [
    ...(c.production && !c.ORDERS_DATABASE_URL
      ? ['ORDERS_DATABASE_URL: required in production (embedded PGlite is a development default)']
      : []),
    // Orders asks profile for shipping addresses with its own token (scope profile:read).
    ...(c.production && !c.SERVICE_CLIENT_SECRET
      ? ['SERVICE_CLIENT_SECRET: required in production (orders calls profile with its own service token)']
      : []),
  ]);
}
