import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, type Principal } from '@tessera/auth';

import type { ClientInfo } from '../refresh/refresh-tokens.service';
import { RequestClient } from '../sessions/request-client.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { PasswordService } from './password.service';

@Controller('auth')
export class PasswordController {
  constructor(private readonly passwords: PasswordService) {}

  /**
   * 204; 403 `wrong_current_password`; 400 when the new password breaks the policy; 429
   * `too_many_attempts` with Retry-After while the account or the address is locked.
   */
  @Post('password')
  @HttpCode(204)
  change(
    @CurrentUser() principal: Principal,
    @Body() dto: ChangePasswordDto,
    @RequestClient() client: ClientInfo,
  ): Promise<void> {
    return this.passwords.change(principal, dto.currentPassword, dto.newPassword, client.clientAddress);
  }
}
