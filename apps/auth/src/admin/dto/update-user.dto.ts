import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayContains, ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsBoolean, IsIn } from 'class-validator';
import { IsOptionalNotNull } from '@tessera/contracts';

import { Role, ROLES } from '../../accounts/roles';

/**
 * `PATCH /admin/users/:id`: each field optional, but never null (`@IsOptional` would let null
 * through as "absent"). Unknown fields are a 400 through the global pipe.
 */
export class UpdateUserDto {
  /** The complete new set of roles, not a delta. */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', enum: [...ROLES] },
    minItems: 1,
    maxItems: ROLES.length,
    uniqueItems: true,
    example: [Role.User, Role.Admin],
    description: `The complete new set, not a delta; must include "${Role.User}". A change revokes the user's access tokens, so it applies at once.`,
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each role must be one of: ${ROLES.join(', ')}` })
  @ArrayContains([Role.User], { message: `roles must include "${Role.User}"` })
  roles?: Role[];

  @ApiPropertyOptional({ description: 'Disabling ends every session and revokes every token of the account.' })
  @IsOptionalNotNull()
  @IsBoolean()
  disabled?: boolean;
}
