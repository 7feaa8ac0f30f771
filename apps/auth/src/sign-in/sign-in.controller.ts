import { Body, Controller, Get, Header, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal, Public } from '@tessera/auth';
import { ApiProblem } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ClientInfo } from '../http/client-info';
import { PublicUserDto } from '../accounts/dto/public-user.response';
import type { PublicUser } from '../accounts/users.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { TokenPairDto } from './dto/token-pair.response';
import { DeviceCookie } from './device-cookie';
import type { TokenPairResponse } from './refresh-cookie';
import { RefreshCookie } from './refresh-cookie';
import { JsonBodyGuard } from '../http/json-body.guard';
import { SameOriginGuard } from '../http/same-origin.guard';
import { RequestClient } from '../http/request-client.decorator';
import { SignInService } from './sign-in.service';

/** The answer of SameOriginGuard, on the routes that read or clear the refresh cookie. */
const ApiCrossSiteRequest = () =>
  ApiProblem(
    403,
    '`cross_site_request`: sent from another site than auth and the listed browser origins (CORS_ORIGINS).',
  );

/** The answer of the routes that issue tokens while no signing key is loaded yet. */
const ApiSigningKeyUnavailable = () =>
  ApiProblem(503, '`signing_key_unavailable`: tokens cannot be issued right now.', {
    'Retry-After': 'Seconds to wait.',
  });

@ApiTags('sessions')
@Controller('auth')
export class SignInController {
  constructor(
    private readonly sessions: SignInService,
    private readonly cookie: RefreshCookie,
    private readonly device: DeviceCookie,
  ) {}

  /** 200 with a token pair and the refresh cookie; 401 `invalid_credentials` for every kind of failure. */
  @Public()
  @Post('login')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Sign in with email and password',
    description:
      'Answers a token pair and sets the refresh token as an HttpOnly, SameSite=Strict cookie (Path=/auth) ' +
      'for browsers, with the `tessera_device` cookie that marks this client as a known device. Failed ' +
      'attempts are throttled per account and per client address; a request carrying a valid ' +
      '`tessera_device` cookie of the account is throttled on that device cookie alone. Clients that are ' +
      'not browsers may keep the device cookie and send it back as a cookie.',
  })
  @ApiOkResponse({
    type: TokenPairDto,
    headers: { 'Set-Cookie': { description: 'The refresh cookie and the device cookie (tessera_device).' } },
  })
  @ApiProblem(400, '`validation_failed`: the body is not `{email, password}`.')
  @ApiProblem(415, '`unsupported_media_type`: the body is not application/json (an HTML form cannot sign anyone in).')
  @ApiProblem(
    401,
    '`invalid_credentials`: the same answer for an unknown email, a wrong password and a disabled account.',
  )
  @ApiProblem(429, '`too_many_attempts`: too many failed sign-ins for this account, address or device.', {
    'Retry-After': 'Seconds until the next attempt is accepted.',
  })
  @ApiSigningKeyUnavailable()
  @HttpCode(200)
  // RFC 6749 §5.1: responses carrying tokens must not be cached.
  @Header('Cache-Control', 'no-store')
  async login(
    @Body() dto: LoginDto,
    @Req() request: FastifyRequest,
    @RequestClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairResponse> {
    const signedIn = await this.sessions.login(dto.email, dto.password, client, this.device.tokenOf(request));
    const pair = this.cookie.deliver(reply, signedIn);
    this.device.set(reply, signedIn.deviceToken, signedIn.deviceTokenMaxAgeSeconds);
    return pair;
  }

  /**
   * 200 with a rotated pair; 401 `invalid_grant` otherwise. A refused refresh leaves the cookie
   * alone: the loser of a race between two tabs must not delete the winner's new cookie.
   */
  @Public()
  @Post('refresh')
  @UseGuards(SameOriginGuard)
  @ApiOperation({
    summary: 'Rotate the refresh token for a new token pair',
    description:
      'Send `refresh_token` in the body, or the refresh cookie with a JSON body (`{}`). Every refresh rotates ' +
      'the token; presenting a rotated one again ends the whole session (theft detection).',
  })
  @ApiOkResponse({ type: TokenPairDto, headers: { 'Set-Cookie': { description: 'The rotated refresh cookie.' } } })
  @ApiProblem(400, '`invalid_request`: no refresh token, two different ones, or the cookie sent twice.')
  @ApiProblem(401, '`invalid_grant`: the refresh token is invalid, expired, revoked or reused.')
  @ApiCrossSiteRequest()
  @ApiProblem(415, '`unsupported_media_type`: the body, and a cookie refresh, must be application/json.')
  @ApiSigningKeyUnavailable()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async refresh(
    @Body() dto: RefreshDto,
    @Req() request: FastifyRequest,
    @RequestClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairResponse> {
    const token = this.cookie.tokenOf(request, dto.refresh_token);
    return this.cookie.deliver(reply, await this.sessions.refreshSession(token, client));
  }

  /** 204; this access token and its session are revoked, the cookie cleared. */
  @Post('logout')
  @UseGuards(SameOriginGuard)
  @ApiOperation({ summary: 'Sign out: revoke this access token and end its session' })
  @ApiNoContentResponse({ description: 'Signed out; the refresh cookie is cleared.' })
  @ApiCrossSiteRequest()
  @HttpCode(204)
  async logout(
    @CurrentUser() principal: Principal,
    @RequestClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logout(principal, client);
    this.cookie.clear(reply);
  }

  /** 204; every session and every access token of the user is revoked. */
  @Post('logout-all')
  @UseGuards(SameOriginGuard)
  @ApiOperation({ summary: 'Sign out everywhere: revoke every token and session of the user' })
  @ApiNoContentResponse({ description: 'Signed out everywhere; the refresh cookie is cleared.' })
  @ApiCrossSiteRequest()
  @HttpCode(204)
  async logoutAll(
    @CurrentUser() principal: Principal,
    @RequestClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logoutAll(principal, client);
    this.cookie.clear(reply);
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: PublicUserDto })
  @Header('Cache-Control', 'no-store')
  me(@CurrentUser() principal: Principal): Promise<PublicUser> {
    return this.sessions.me(principal.sub);
  }
}
