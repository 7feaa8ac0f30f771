import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

import { PASSWORD_MAX_LENGTH } from '../../users/dto/register.dto';
import { normalizeEmail } from '../../users/email';

/**
 * `POST /auth/login`. The password's only lower bound is 1, so a future stricter policy never
 * locks out an older account; the upper bound keeps hashing work bounded.
 */
export class LoginDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;

  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password!: string;
}
