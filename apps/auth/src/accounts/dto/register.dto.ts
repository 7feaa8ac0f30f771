import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '@tessera/contracts';

import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../config/password-policy';
import { normalizeEmail } from '../../database/email';

/** `POST /auth/register`. Roles and ids are not fields: the global pipe refuses them as unknown. */
export class RegisterDto {
  @ApiProperty({
    format: 'email',
    maxLength: 254,
    example: 'ada@example.com',
    description: 'Stored trimmed, with the domain lower-cased; the local part keeps its case.',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    format: 'password',
    description:
      'Any Unicode characters; never truncated. A common or breached password, or the email address, is refused ' +
      '(400 `password_too_common`).',
  })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
    message: `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
  })
  password!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    example: 'Ada',
    description: 'Becomes the display name of the profile service.',
  })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 100)
  displayName?: string;
}
