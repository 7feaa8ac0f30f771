import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@tessera/auth';

import { JwksDto } from './dto/jwks.response';
import type { PublishedJwk } from './key-material';
import { KeyService } from './key.service';

@ApiTags('oauth')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyService) {}

  /** RFC 7517 key set: public members only. Cached briefly; a new key reaches verifiers through NATS first. */
  @Get('jwks.json')
  @ApiOperation({
    summary: 'The public key set (RFC 7517)',
    description:
      'Public members only, cached for 5 minutes. Verifiers read the NATS key bucket first; this is their fallback.',
  })
  @ApiOkResponse({ type: JwksDto })
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: PublishedJwk[] } {
    return this.keys.jwks();
  }
}
