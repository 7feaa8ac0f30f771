import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../config/password-policy';

/** `POST /auth/password`. The new password meets the registration policy (ASVS 5.0 §6.2). */
export class ChangePasswordDto {
  // Only bounded: an older password may predate the current policy.
  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH, format: 'password' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  currentPassword!: string;

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
    message: `newPassword must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
  })
  newPassword!: string;
}
