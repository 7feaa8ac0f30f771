import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '@tessera/contracts';

import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../config/password-policy';
import { EMAIL_MAX_LENGTH, IsAccountEmail } from './account-email';

/** `POST /auth/register`. Roles and ids are not fields: the global pipe refuses them as unknown. */
export class RegisterDto {
  @ApiProperty({
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    example: 'ada@example.com',
    description:
      'Stored and shown as typed (trimmed). Matched by its canonical form (NFKC, case folded, IDNA domain): an ' +
      'address another account has in any spelling is 409 `email_taken`; one holding a control, format or ' +
      'invisible character (zero-width, bidi, soft hyphen) is refused.',
  })
  @IsAccountEmail()
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
