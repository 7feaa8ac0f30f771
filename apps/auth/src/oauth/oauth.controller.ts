import { Controller, Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { Public } from '@tessera/auth';
import type { FastifyRequest } from 'fastify';

import { presentedClient } from './client-authentication';
import { RevocationRequestDto } from './dto/revocation-request.dto';
import { TokenRequestDto } from './dto/token-request.dto';
import { OAuthErrorFilter } from './oauth-error.filter';
import { OAuthParams } from './oauth-params';
import type { TokenResponse } from './oauth-token.service';
import { OAuthTokenService } from './oauth-token.service';
import { TokenRevocationService } from './token-revocation.service';

/**
 * RFC 6749 token endpoint and RFC 7009 revocation endpoint. Public to the access-token guard:
 * callers authenticate as clients (HTTP Basic or client_id/client_secret in the body), or not
 * at all for the public first-party client. Form-encoded and JSON bodies are both accepted.
 */
@Public()
@Controller('oauth')
@UseFilters(OAuthErrorFilter)
export class OAuthController {
  constructor(
    private readonly tokens: OAuthTokenService,
    private readonly revocation: TokenRevocationService,
  ) {}

  /** 200 with a token (RFC 6749 §5.1); 400/401 with `{error, error_description}` (§5.2). */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@OAuthParams(TokenRequestDto) params: TokenRequestDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    const client = presentedClient(request.raw.rawHeaders, params, { otherSchemes: 'refuse' });
    return this.tokens.token(params, client);
  }

  /** 200 with an empty body whether or not the token was known (RFC 7009 §2.2). */
  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async revoke(
    @OAuthParams(RevocationRequestDto) params: RevocationRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    const client = presentedClient(request.raw.rawHeaders, params, { otherSchemes: 'ignore' });
    await this.revocation.revoke(params, client);
  }
}
