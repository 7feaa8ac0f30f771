import { Body, Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CurrentUser, type Principal, Public } from '@tessera/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ClientInfo } from '../refresh/refresh-tokens.service';
import type { PublicUser } from '../users/users.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import type { TokenPairResponse } from './refresh-cookie';
import { RefreshCookie } from './refresh-cookie';
import { RequestClient } from './request-client.decorator';
import { SessionsService } from './sessions.service';

@Controller('auth')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cookie: RefreshCookie,
  ) {}

  /** 200 with a token pair and the refresh cookie; 401 `invalid_credentials` for every kind of failure. */
  @Public()
  @Post('login')
  @HttpCode(200)
  // RFC 6749 §5.1: responses carrying tokens must not be cached.
  @Header('Cache-Control', 'no-store')
  async login(
    @Body() dto: LoginDto,
    @RequestClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairResponse> {
    return this.cookie.deliver(reply, await this.sessions.login(dto.email, dto.password, client));
  }

  /**
   * 200 with a rotated pair; 401 `invalid_grant` otherwise. A refused refresh leaves the cookie
   * alone: the loser of a race between two tabs must not delete the winner's new cookie.
   */
  @Public()
  @Post('refresh')
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
  @Header('Cache-Control', 'no-store')
  me(@CurrentUser() principal: Principal): Promise<PublicUser> {
    return this.sessions.me(principal.sub);
  }
}
