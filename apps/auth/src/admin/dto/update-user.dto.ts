import {
  ArrayContains,
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  ValidateIf,
} from 'class-validator';

import { Role, ROLES } from '../../users/roles';

const present = (_: object, value: unknown) => value !== undefined;

/**
 * `PATCH /admin/users/:id`: each field optional, but never null (`@IsOptional` would let null
 * through as "absent"). Unknown fields are a 400 through the global pipe.
 */
export class UpdateUserDto {
  /** The complete new set of roles, not a delta. */
  @ValidateIf(present)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each role must be one of: ${ROLES.join(', ')}` })
  @ArrayContains([Role.User], { message: `roles must include "${Role.User}"` })
  roles?: Role[];

  @ValidateIf(present)
  @IsBoolean()
  disabled?: boolean;
}
