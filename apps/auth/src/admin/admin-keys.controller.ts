import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal, Roles } from '@tessera/auth';
import { ApiProblem } from '@tessera/platform';

import { RotatedKeyDto } from '../keys/dto/jwks.response';
import { KeyService } from '../keys/key.service';
import type { ClientInfo } from '../http/client-info';
import { RequestClient } from '../http/request-client.decorator';
import { Role } from '../accounts/roles';
import { RotateKeyDto } from './dto/rotate-key.dto';

/** Key administration: rotation publishes the new public key first, then signs with it. */
@ApiTags('admin')
@ApiProblem(403, '`insufficient_scope`: the token does not carry the `admin` role.')
@Controller('admin/keys')
@Roles(Role.Admin)
export class AdminKeysController {
  constructor(private readonly keys: KeyService) {}

  /** 200 `{kid, alg}` of the new signing key; the previous key stays published until its tokens expire. */
  @Post('rotate')
  @ApiOperation({
    summary: 'Rotate the signing key',
    description:
      'Publishes a new key to the NATS key bucket and the JWKS, then signs with it; the previous key stays published until every token it signed has expired.',
  })
  @ApiOkResponse({ type: RotatedKeyDto })
  @ApiProblem(400, '`validation_failed`, or `key_algorithm_mismatch`: `alg` is not AUTH_SIGNING_ALG.')
  @ApiProblem(409, '`key_rotation_unavailable`: HS256 mode has one shared secret and no key set.')
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
