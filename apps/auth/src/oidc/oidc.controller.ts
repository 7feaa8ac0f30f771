import { Controller, Get, Header, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '@tessera/platform';
import { CurrentUser, type Principal, Public, Scopes } from '@tessera/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { UsersService } from '../accounts/users.service';
import { handOver } from './hand-over';
import { OpenIdProvider } from './oidc-provider.host';
import { messagePage, securityHeaders } from './pages';

/** OpenID Connect Core §5.3.2: the claims of the scopes the token carries. */
export interface UserInfo {
  sub: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
}

/** A page of the provider (the browser's answers are HTML, never JSON). */
const ApiPage = (status: number, description: string) =>
  ApiResponse({ status, description, content: { 'text/html': {} } });

/** A redirect; its short body says where to, as HTML or text depending on Accept (Koa's). */
const ApiRedirect = (description: string) =>
  ApiResponse({ status: 303, description, content: { 'text/html': {}, 'text/plain': {} } });

/**
 * The provider's browser-facing endpoints, answered by oidc-provider itself (the request is
 * handed over as it is), and userinfo, answered by Tessera from the bearer token.
 */
@ApiTags('openid')
@Controller('oauth')
export class OidcController {
  constructor(
    private readonly provider: OpenIdProvider,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Get('authorize')
  @ApiOperation({
    summary: 'OpenID Connect authorization endpoint (code flow with PKCE S256)',
    description:
      'Redirects to the sign-in page, then back to the registered redirect URI with `code` and `state`. ' +
      'Errors that cannot be returned to the client (an unknown client, a redirect URI that is not registered) ' +
      'are shown as an HTML page.',
  })
  @ApiRedirect('To the sign-in page, or back to the client with `code` or `error`.')
  @ApiPage(400, 'An unknown client or a redirect URI that is not registered: nothing is sent back to the client.')
  authorize(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handOver(request, reply);
  }

  /** Where the provider resumes an authorization after the sign-in page. */
  @Public()
  @Get('authorize/:uid')
  @ApiOperation({ summary: 'Resumes an authorization after sign-in (internal to the flow)' })
  @ApiRedirect('Back to the client, or to the next step (consent).')
  @ApiPage(400, 'The sign-in expired or belongs to another browser.')
  resume(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handOver(request, reply);
  }

  @Public()
  @Get('logout')
  @ApiOperation({
    summary: 'RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)',
    description:
      'Asks the user to confirm, then ends the sign-in at auth and revokes every token issued in it, and ' +
      'redirects to a registered `post_logout_redirect_uri` when one is given with `id_token_hint` or `client_id`.',
  })
  @ApiPage(200, 'The confirmation page.')
  @ApiPage(400, 'An `id_token_hint` that is not ours, or a `post_logout_redirect_uri` that is not registered.')
  logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handOver(request, reply);
  }

  @Public()
  @Post('logout/confirm')
  @ApiOperation({ summary: 'The logout confirmation form (internal to the flow)' })
  @ApiRedirect('To the `post_logout_redirect_uri`, or to /oauth/logout/success.')
  @ApiResponse({
    status: 400,
    description:
      'The form was not the one the confirmation page sent (its xsrf value): HTML, or JSON for a non-browser.',
    content: { 'text/html': {}, 'application/json': {} },
  })
  confirmLogout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handOver(request, reply);
  }

  @Public()
  @Get('logout/success')
  @ApiOperation({ summary: 'Shown after a logout with no redirect back to an application' })
  @ApiPage(200, 'You are signed out.')
  loggedOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handOver(request, reply);
  }

  /** 200 with the claims of the token's OpenID scopes; 401/403 as every bearer route. */
  @Get('userinfo')
  @Scopes('openid')
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'OpenID Connect userinfo',
    description: 'For an access token with the `openid` scope: `sub`, and `name` with `profile`, `email` with `email`.',
  })
  @ApiOkResponse({ description: '`{sub, name?, email?, email_verified?}`' })
  @ApiProblem(401, '`invalid_token`: no token, or one that is expired, revoked or forged.')
  @ApiProblem(403, '`insufficient_scope`: the token has no `openid` scope.')
  userinfo(@CurrentUser() principal: Principal): Promise<UserInfo> {
    return this.claims(principal);
  }

  @Post('userinfo')
  @Scopes('openid')
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'OpenID Connect userinfo, by POST' })
  @ApiOkResponse({ description: 'As GET.' })
  @ApiProblem(401, 'As GET.')
  @ApiProblem(403, 'As GET.')
  userinfoByPost(@CurrentUser() principal: Principal): Promise<UserInfo> {
    return this.claims(principal);
  }

  private async claims(principal: Principal): Promise<UserInfo> {
    const user = await this.users.findById(principal.sub);
    const scopes = new Set(principal.scopes);
    // A token outlives neither its account (revoked when disabled) nor its scopes.
    if (!user || user.disabled) {
      return { sub: principal.sub };
    }
    return {
      sub: user.id,
      ...(scopes.has('profile') && user.displayName ? { name: user.displayName } : {}),
      ...(scopes.has('email') ? { email: user.email, email_verified: false } : {}),
    };
  }

  private async handOver(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!this.provider.enabled) {
      void reply
        .status(404)
        .headers(securityHeaders())
        .type('text/html; charset=utf-8')
        .send(
          messagePage('Not available', 'Sign-in with OpenID Connect needs asymmetric signing keys (RS256 or ES256).'),
        );
      return;
    }
    await handOver(this.provider, request, reply);
  }
}
