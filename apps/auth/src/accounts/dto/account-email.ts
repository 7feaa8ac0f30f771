import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, ValidateBy } from 'class-validator';

import { canonicalEmail, hasRefusedCharacter, typedEmail } from '../../database/email';

/** RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, 254 of them the address. */
export const EMAIL_MAX_LENGTH = 254;

/**
 * An email field of a request body, as registration and sign-in read it: a string of at most
 * 254 characters, trimmed of surrounding whitespace and otherwise kept as typed; refused (400
 * `validation_failed`) when it holds a control, format or invisible character, and when it is
 * not an address or has no canonical form (database/email.ts).
 */
export function IsAccountEmail(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? typedEmail(value) : value)),
    IsString(),
    MaxLength(EMAIL_MAX_LENGTH),
    ValidateBy({
      name: 'hasNoInvisibleCharacter',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !hasRefusedCharacter(value),
        defaultMessage: () =>
          'email must not contain control, format or invisible characters (such as a zero-width space, a soft hyphen or a bidi control)',
      },
    }),
    ValidateBy({
      name: 'isAccountEmail',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || hasRefusedCharacter(value) || canonicalEmail(value) !== undefined,
        defaultMessage: () => 'email must be an email address',
      },
    }),
  );
}
