import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { VerifyingServiceConfig } from '@tessera/auth';
import { loadConfig } from '@tessera/platform';

export class ProfileConfig extends VerifyingServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT: number = 3003;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'PROFILE_DATABASE_URL must be a postgres:// URL' })
  PROFILE_DATABASE_URL?: string;

  @IsString()
  PROFILE_DATA_DIR = '.data/profile';
}

export function loadProfileConfig(env: Record<string, string | undefined> = process.env): ProfileConfig {
  return loadConfig(ProfileConfig, env, (c) =>
    c.production && !c.PROFILE_DATABASE_URL
      ? ['PROFILE_DATABASE_URL: required in production (embedded PGlite is a development default)']
      : [],
  );
}
