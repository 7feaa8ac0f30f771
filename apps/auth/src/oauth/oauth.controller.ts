import { Controller, Header, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '@tessera/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { handOver } from '../oidc/hand-over';
import { OpenIdProvider } from '../oidc/oidc-provider.host';

import { presentedClient } from './client-authentication';
import { IntrospectionRequestDto } from './dto/introspection-request.dto';
import { IntrospectionDto } from './dto/introspection.response';
import { RevocationRequestDto } from './dto/revocation-request.dto';
import { TokenRequestDto } from './dto/token-request.dto';
import { OAuthErrorDto, TokenDto } from './dto/token.response';
import { OAuthErrorFilter } from './oauth-error.filter';
import { OAuthParams } from './oauth-params';
import type { TokenResponse } from './oauth-token.service';
import { OAuthTokenService } from './oauth-token.service';
import { TokenIntrospectionService } from './token-introspection.service';
import { TokenRevocationService } from './token-revocation.service';

/** Both media types RFC 6749 clients send; the same parameters either way. */
const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'];

/** An RFC 6749 §5.2 error answer (`{error, error_description}`, application/json). */
const ApiOAuthError = (status: number, description: string) =>
  ApiResponse({ status, description, type: OAuthErrorDto });

/**
 * RFC 6749 token endpoint, RFC 7009 revocation endpoint and RFC 7662 introspection endpoint. Public to the access-token guard:
 * callers authenticate as clients (HTTP Basic or client_id/client_secret in the body), or not
 * at all for the public first-party client. Form-encoded and JSON bodies are both accepted.
 */
@ApiTags('oauth')
@Public()
@Controller('oauth')
@UseFilters(OAuthErrorFilter)
export class OAuthController {
  constructor(
    private readonly tokens: OAuthTokenService,
    private readonly revocation: TokenRevocationService,
    private readonly introspection: TokenIntrospectionService,
    private readonly provider: OpenIdProvider,
  ) {}

  /** 200 with a token (RFC 6749 §5.1); 400/401 with `{error, error_description}` (§5.2). */
  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'OAuth 2.0 token endpoint (authorization_code, refresh_token, client_credentials, token exchange)',
    description:
      'authorization_code: the OpenID Connect code grant (PKCE S256 `code_verifier` and the `redirect_uri` of the ' +
      'authorization request; form-encoded), answering an access token, an ID token and, for a client registered ' +
      'with the refresh_token grant, a refresh token; for the console (`tessera-web`), the HttpOnly refresh ' +
      'cookie of `POST /auth/login` instead, with CORS credentials for its origin. ' +
      'client_credentials: a service token (`sub` = `client:<id>`, the granted scopes); the client authenticates ' +
      'with HTTP Basic or `client_id`/`client_secret` in the body. refresh_token: the rotated pair, as at ' +
      '`POST /auth/refresh`. Unknown parameters are ignored (RFC 6749 §3.2).',
  })
  @ApiConsumes(...FORM_OR_JSON)
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: TokenDto })
  @ApiOAuthError(
    400,
    '`invalid_request`, `invalid_grant`, `unsupported_grant_type` or `invalid_scope` (RFC 6749 §5.2).',
  )
  @ApiOAuthError(401, '`invalid_client`: client authentication failed; with a `WWW-Authenticate: Basic` challenge.')
  @ApiServiceUnavailableResponse({
    description: '`temporarily_unavailable`: tokens cannot be issued right now; see Retry-After.',
    type: OAuthErrorDto,
  })
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async token(
    @OAuthParams(TokenRequestDto) params: TokenRequestDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (params.grant_type === 'authorization_code' && this.provider.enabled) {
      // The code grant is the OpenID Provider's (PKCE, the redirect URI, a replayed code).
      await handOver(this.provider, request, reply);
      return;
    }
    const client = presentedClient(request.raw.rawHeaders, params, { otherSchemes: 'refuse', publicClients: true });
    const answer: TokenResponse = await this.tokens.token(params, client);
    void reply.send(answer);
  }

  /** 200 with an empty body whether or not the token was known (RFC 7009 §2.2). */
  @Post('revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'OAuth 2.0 token revocation (RFC 7009)',
    description:
      'A refresh token ends its session; an access token is revoked everywhere. Client authentication is ' +
      'optional (holding the token is authority enough), but credentials that are sent must be valid.',
  })
  @ApiConsumes(...FORM_OR_JSON)
  @ApiBody({ type: RevocationRequestDto })
  @ApiOkResponse({ description: 'Empty; the same whether or not the token was known (RFC 7009 §2.2).' })
  @ApiOAuthError(400, '`invalid_request`: no `token`, or a malformed parameter.')
  @ApiOAuthError(401, '`invalid_client`: credentials were sent and are wrong.')
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async revoke(
    @OAuthParams(RevocationRequestDto) params: RevocationRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    const client = presentedClient(request.raw.rawHeaders, params, { otherSchemes: 'ignore' });
    await this.revocation.revoke(params, client);
  }

  /** 200 `{active, ...claims}` or `{active: false}` (RFC 7662 §2.2); only for an authenticated client. */
  @Post('introspect')
  @HttpCode(200)
  @ApiOperation({
    summary: 'OAuth 2.0 token introspection (RFC 7662)',
    description:
      'For a resource server that cannot verify JWTs itself. Only an authenticated service client may ask ' +
      '(HTTP Basic or client_id/client_secret). An access token every service would accept now is active, ' +
      'with its claims; anything else (expired, revoked, forged, a refresh token) is `{"active": false}`.',
  })
  @ApiConsumes(...FORM_OR_JSON)
  @ApiBody({ type: IntrospectionRequestDto })
  @ApiOkResponse({ type: IntrospectionDto })
  @ApiOAuthError(400, '`invalid_request`: no `token`, or a malformed parameter.')
  @ApiOAuthError(
    401,
    '`invalid_client`: no client credentials, or wrong ones; with a `WWW-Authenticate: Basic` challenge.',
  )
  @ApiServiceUnavailableResponse({
    description: '`temporarily_unavailable`: the revocation state is too old to answer; see Retry-After.',
    type: OAuthErrorDto,
  })
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  introspect(
    @OAuthParams(IntrospectionRequestDto) params: IntrospectionRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<IntrospectionDto> {
    const client = presentedClient(request.raw.rawHeaders, params, { otherSchemes: 'refuse' });
    return this.introspection.introspect(params, client);
  }
}
