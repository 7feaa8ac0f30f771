import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, type Principal, Public } from '@tessera/auth';

import type { PublicUser } from '../users/users.service';
import { LoginDto } from './dto/login.dto';
import type { AccessTokenResponse } from './sessions.service';
import { SessionsService } from './sessions.service';

@Controller('auth')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** 200 with an access token; 401 `invalid_credentials`, the same for every kind of failure. */
  @Public()
  @Post('login')
  @HttpCode(200)
  // RFC 6749 §5.1: responses carrying tokens must not be cached.
  @Header('Cache-Control', 'no-store')
  login(@Body() dto: LoginDto): Promise<AccessTokenResponse> {
    return this.sessions.login(dto.email, dto.password);
  }

  @Get('me')
  @Header('Cache-Control', 'no-store')
  me(@CurrentUser() principal: Principal): Promise<PublicUser> {
    return this.sessions.me(principal.sub);
  }
}
