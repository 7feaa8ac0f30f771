import { Controller, Delete, Get, Header, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal } from '@tessera/auth';
import { ApiProblem } from '@tessera/platform';

import type { SessionView } from './session-families.service';
import { SessionFamiliesService } from './session-families.service';
import { SessionDto } from './dto/session.response';

/** A user's own sessions (ASVS 5.0 §7.5: view and terminate active sessions). */
@ApiTags('sessions')
@Controller('auth/sessions')
export class SessionListController {
  constructor(private readonly families: SessionFamiliesService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "The user's live sessions, most recently used first" })
  @ApiOkResponse({ type: [SessionDto] })
  list(@CurrentUser() principal: Principal): Promise<SessionView[]> {
    return this.families.list(principal.sub, principal.jti);
  }

  /** 204; 404 `session_not_found` for an unknown, ended or another user's session. */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: "End one of the user's sessions",
    description: 'Its refresh token and access tokens are revoked.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'A session id from `GET /auth/sessions`.' })
  @ApiNoContentResponse({ description: 'The session is ended.' })
  @ApiProblem(404, "`session_not_found`: an unknown, already ended or another user's session.")
  end(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<void> {
    return this.families.end(principal.sub, id);
  }
}
