import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@tessera/auth';

import type { PublishedJwk } from './key-material';
import { KeyService } from './key.service';

@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyService) {}

  /** RFC 7517 key set: public members only. Cached briefly; a new key reaches verifiers through NATS first. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: PublishedJwk[] } {
    return this.keys.jwks();
  }
}
