import { Controller, Delete, Get, Header, HttpCode, Param } from '@nestjs/common';
import { CurrentUser, type Principal } from '@tessera/auth';

import type { SessionView } from '../refresh/session-families.service';
import { SessionFamiliesService } from '../refresh/session-families.service';

/** A user's own sessions (ASVS 5.0 §7.5: view and terminate active sessions). */
@Controller('auth/sessions')
export class SessionListController {
  constructor(private readonly families: SessionFamiliesService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  list(@CurrentUser() principal: Principal): Promise<SessionView[]> {
    return this.families.list(principal.sub, principal.jti);
  }

  /** 204; 404 `session_not_found` for an unknown, ended or another user's session. */
  @Delete(':id')
  @HttpCode(204)
  end(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<void> {
    return this.families.end(principal.sub, id);
  }
}
