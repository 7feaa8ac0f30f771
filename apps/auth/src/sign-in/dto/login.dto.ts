import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

import { PASSWORD_MAX_LENGTH } from '../../config/password-policy';
import { EMAIL_MAX_LENGTH, IsAccountEmail } from '../../accounts/dto/account-email';

/**
 * `POST /auth/login`. The password's only lower bound is 1, so a future stricter policy never
 * locks out an older account; the upper bound keeps hashing work bounded.
 */
export class LoginDto {
  @ApiProperty({
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    example: 'ada@example.com',
    description: "Any spelling of the account's address: it is matched by its canonical form.",
  })
  @IsAccountEmail()
  email!: string;

  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH, format: 'password' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password!: string;
}
