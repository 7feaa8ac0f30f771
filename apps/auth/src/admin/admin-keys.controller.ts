import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, type Principal, Roles } from '@tessera/auth';

import { KeyService } from '../keys/key.service';
import type { ClientInfo } from '../refresh/refresh-tokens.service';
import { RequestClient } from '../sessions/request-client.decorator';
import { Role } from '../users/roles';
import { RotateKeyDto } from './dto/rotate-key.dto';

/** Key administration: rotation publishes the new public key first, then signs with it. */
@Controller('admin/keys')
@Roles(Role.Admin)
export class AdminKeysController {
  constructor(private readonly keys: KeyService) {}

  /** 200 `{kid, alg}` of the new signing key; the previous key stays published until its tokens expire. */
  @Post('rotate')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async rotate(
    @Body() dto: RotateKeyDto,
    @CurrentUser() principal: Principal,
    @RequestClient() client: ClientInfo,
  ): Promise<{ kid: string; alg: string }> {
    const jwk = await this.keys.rotate(dto.alg, { subject: principal.sub, clientAddress: client.clientAddress });
    return { kid: jwk.kid, alg: jwk.alg };
  }
}
