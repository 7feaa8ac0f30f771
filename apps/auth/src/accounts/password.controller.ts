import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal } from '@tessera/auth';
import { ApiProblem } from '@tessera/platform';

import type { ClientInfo } from '../http/client-info';
import { RequestClient } from '../http/request-client.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { PasswordService } from './password.service';

@ApiTags('password')
@Controller('auth')
export class PasswordController {
  constructor(private readonly passwords: PasswordService) {}

  /**
   * 204; 403 `wrong_current_password`; 400 when the new password breaks the policy (400
   * `password_too_common` for a common one); 429
   * `too_many_attempts` with Retry-After while the account or the address is locked.
   */
  @Post('password')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change the password',
    description: "The user's other sessions end; this one stays. Checks of the current password are throttled.",
  })
  @ApiNoContentResponse({ description: 'The password is changed.' })
  @ApiProblem(
    400,
    '`validation_failed`: the new password breaks the policy (12 to 128 characters), or the body is invalid. ' +
      '`password_too_common`: the new password is a common or breached one, or the email address.',
  )
  @ApiProblem(403, '`wrong_current_password`: the current password is incorrect.')
  @ApiProblem(415, '`unsupported_media_type`: the body is not application/json (an HTML form is refused).')
  @ApiProblem(429, '`too_many_attempts`: too many failed checks for this account or address.', {
    'Retry-After': 'Seconds until the next attempt is accepted.',
  })
  change(
    @CurrentUser() principal: Principal,
    @Body() dto: ChangePasswordDto,
    @RequestClient() client: ClientInfo,
  ): Promise<void> {
    return this.passwords.change(principal, dto.currentPassword, dto.newPassword, client.clientAddress);
  }
}
